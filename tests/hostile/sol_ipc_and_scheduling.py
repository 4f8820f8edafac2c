# System V IPC (a 1 GB shared memory segment left behind, semaphores, message queues) and scheduling changes that
# would outlive the task in its worker: each must be refused
import ctypes
import os


def solution():
    libc = ctypes.CDLL(None, use_errno=True)
    out = {}
    for name, call in (
        ("shmget", lambda: libc.shmget(0, ctypes.c_size_t(1 << 30), 0o1600)),
        ("semget", lambda: libc.semget(0, 1, 0o1600)),
        ("msgget", lambda: libc.msgget(0, 0o1600)),
    ):
        ctypes.set_errno(0)
        res = call()
        out[name] = "denied" if res == -1 and ctypes.get_errno() == 1 else f"got {res} errno {ctypes.get_errno()}"
    for name, call in (
        ("sched_setaffinity", lambda: os.sched_setaffinity(0, {0})),
        ("setpriority", lambda: os.setpriority(os.PRIO_PROCESS, 0, 19)),
        ("sched_setscheduler", lambda: os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))),
    ):
        try:
            call()
            out[name] = "allowed"
        except PermissionError:
            out[name] = "denied"
        except OSError as exc:
            out[name] = f"error {exc.errno}"
    return out
