# double fork and setsid: a daemon that a kill of the process group would miss
# @mark
import os, time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(60)
    os._exit(0)
print("daemon started")
