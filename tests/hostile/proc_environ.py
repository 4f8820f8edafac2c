# read the environment of every process it can see through /proc, the parent's first
# @mark
import os

pids = [str(os.getppid())] + [p for p in os.listdir("/proc") if p.isdigit()] if os.path.isdir("/proc") else []
for pid in pids:
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            print(pid, fh.read().replace(b"\0", b" ").decode(errors="replace"))
    except OSError as exc:
        print("denied", pid, type(exc).__name__)
