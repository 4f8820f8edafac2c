# ignore the CPU-limit signal, then burn CPU forever
# @mark
import signal

signal.signal(signal.SIGXCPU, signal.SIG_IGN)
while True:
    pass
