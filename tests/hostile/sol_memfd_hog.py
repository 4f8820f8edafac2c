# Memory that the address-space limit does not count: anonymous files (memfd) of the largest size a program may
# write, one per free descriptor, until something refuses.  Beyond the worker's memory budget the kernel's
# out-of-memory killer must take this task, never its worker (whose death is no outcome of the program).
import os


def solution():
    chunk = b"x" * (1 << 20)
    fds, mib = [], 0
    try:
        for i in range(__FILES__):
            fds.append(os.memfd_create(f"hog{i}"))
            for _ in range(__MIB_EACH__):
                os.write(fds[-1], chunk)
                mib += 1
    except OSError as exc:
        return {"held_mib": mib, "stopped": exc.errno}
    return {"held_mib": mib, "stopped": None}
