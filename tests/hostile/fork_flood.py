# start as many sleeping processes as possible
# @mark
import os, time

started = 0
for _ in range(300):
    try:
        pid = os.fork()
    except OSError:
        continue
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    started += 1
print("started", started)
