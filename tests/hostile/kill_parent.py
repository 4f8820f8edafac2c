# kill the process that runs it
# @mark
import os, signal

os.kill(os.getppid(), signal.SIGKILL)
print("killed", os.getppid())
