"""Process hygiene of a task: its own process group, no inherited descriptors, stdin at end of file, a scratch
working directory, no capabilities, and the kill of everything it started.

The runner also gives every worker an environment with no secrets (:func:`clean_env`): only these variables,
whatever the runner's own environment holds (API keys included).
"""

from __future__ import annotations

import ctypes
import os

_CAP_VERSION_3 = 0x20080522
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
LAST_CAP = 63


def clean_env(home: str = "/tmp") -> dict[str, str]:
    """The whole environment of a worker and of the programs it runs."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": home,
        "TMPDIR": home,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        # one worker per core: numerical libraries must not start a thread per core in every worker
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        # glibc reserves 64 MiB of address space per thread arena: under RLIMIT_AS a program could start only a
        # handful of threads; two shared arenas leave the budget to the program's own data
        "MALLOC_ARENA_MAX": "2",
    }


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """Empty the bounding, ambient, effective, permitted and inheritable sets (a root runner without
    bubblewrap keeps uid 0, which can still reach the interpreter under /root, but no privilege)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    for cap in range(LAST_CAP + 1):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # EINVAL past the last capability, EPERM without CAP_SETPCAP (nothing to drop then)
    header = _CapHeader(_CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"capset: {os.strerror(err)}")


def close_other_fds(keep_max: int) -> None:
    """Close every descriptor above ``keep_max``."""
    os.closerange(keep_max + 1, 1 << 20)
