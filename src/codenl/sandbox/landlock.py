"""Landlock (Linux >= 5.13): an unprivileged process restricts its own file, TCP and signal access.

The ruleset is made once per worker (:func:`create_ruleset`, in its zygote); each task's process puts itself under
it (:func:`restrict_self`) after fork, before the program runs, and it is inherited by anything it could start:

* files: read access (files and directory listings, no execute) beneath /usr, the standard library and the
  distributions a task may import (:func:`codenl.sandbox.paths.task_rules`), listing only of the site-packages
  that hold them; never the environment's other packages nor this project's source; full access beneath the
  scratch directory only (no execute there either);
* TCP (ABI >= 4): every ``connect`` and ``bind`` denied;
* scoping (ABI >= 6): no signal to a process outside the domain (the worker, a neighbour's run, the runner) and
  no connection to an abstract unix socket created outside it.

Nothing here needs privileges; ``no_new_privs`` is set first, as the kernel requires.  Called through ctypes
(the syscalls have the same numbers on every architecture).
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Iterable

SYS_CREATE_RULESET = 444
SYS_ADD_RULE = 445
SYS_RESTRICT_SELF = 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

# filesystem rights, by the ABI version that introduced them
FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1

_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
_FILE_ONLY = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
READ = FS_READ_FILE | FS_READ_DIR
LIST = FS_READ_DIR  # list a directory (and those beneath it) without reading any file in it
WRITE = (
    FS_READ_FILE
    | FS_READ_DIR
    | FS_WRITE_FILE
    | FS_REMOVE_DIR
    | FS_REMOVE_FILE
    | FS_MAKE_DIR
    | FS_MAKE_REG
    | FS_TRUNCATE
)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi_version() -> int:
    """Landlock ABI of the running kernel; 0 when Landlock is absent or disabled."""
    res = _libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    return int(res) if res > 0 else 0


def handled_fs(abi: int) -> int:
    return _FS_BY_ABI.get(abi, _FS_BY_ABI[5]) if abi >= 1 else 0


def _check(res: int, what: str) -> int:
    if res < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock {what}: {os.strerror(err)}")
    return res


def create_ruleset(rules: Iterable[tuple[str, int]], abi: int | None = None) -> tuple[int, list[str]]:
    """A ruleset (a descriptor) that grants each ``(path, access)`` of ``rules`` beneath ``path`` and nothing else
    on files, no TCP and (ABI >= 6) no signal or abstract socket outside the domain; and what it enforces
    (``["fs", "net", "scope"]``).  Paths that do not exist are skipped.  Raises OSError when Landlock is absent.

    Made once per worker and kept open: each task only calls :func:`restrict_self` with it."""
    abi = abi_version() if abi is None else abi
    if abi < 1:
        raise OSError(errno.ENOSYS, "Landlock is not available on this kernel")
    fs = handled_fs(abi)
    attr = _RulesetAttr(
        fs,
        NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0,
    )
    ruleset = _check(
        _libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0)),
        "create_ruleset",
    )
    try:
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                allowed = access & fs
                if not os.path.isdir(path):
                    allowed &= _FILE_ONLY
                if not allowed:
                    continue
                rule = _PathBeneathAttr(allowed, fd)
                _check(
                    _libc.syscall(
                        SYS_ADD_RULE,
                        ctypes.c_int(ruleset),
                        ctypes.c_int(RULE_PATH_BENEATH),
                        ctypes.byref(rule),
                        ctypes.c_uint32(0),
                    ),
                    f"add_rule {path}",
                )
            finally:
                os.close(fd)
    except BaseException:
        os.close(ruleset)
        raise
    return ruleset, ["fs"] + (["net"] if abi >= 4 else []) + (["scope"] if abi >= 6 else [])


def restrict_self(ruleset: int) -> None:
    """Put this process (and its future children) under ``ruleset`` for good (sets ``no_new_privs`` first)."""
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(_libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)), "restrict_self")


def restrict(read_paths: Iterable[str], write_paths: Iterable[str], abi: int | None = None) -> list[str]:
    """Restrict this process (and its future children) for good: read beneath ``read_paths``, full access
    beneath ``write_paths``.  Returns what was enforced, e.g. ``["fs", "net", "scope"]``."""
    rules = [(p, READ) for p in read_paths] + [(p, WRITE) for p in write_paths]
    ruleset, enforced = create_ruleset(rules, abi)
    try:
        restrict_self(ruleset)
    finally:
        os.close(ruleset)
    return enforced
