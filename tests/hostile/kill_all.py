# kill every process it may signal
# @mark
import os, signal

os.kill(-1, signal.SIGKILL)
print("kill(-1) returned")
