"""seccomp: the system calls a sandboxed program may not make.

The filter is built once per runner with libseccomp (the PyPI package ``pyseccomp``), exported as a classic BPF
program, and handed to the workers as bytes; a task's process patches its own pid into the program and loads it
with ``prctl(PR_SET_SECCOMP)`` just before the program runs (a few microseconds: no libseccomp in the worker).

Default action: allow.  Denied (``EPERM`` unless noted):

* new processes and programs: ``fork``, ``vfork``, ``clone`` without ``CLONE_THREAD`` (threads stay allowed),
  ``clone3`` (``ENOSYS``, so that the C library falls back to ``clone``, whose flags the filter can read),
  ``execve``, ``execveat``; new sessions and groups: ``setsid``, ``setpgid``;
* the network and local IPC: ``socket``, ``socketpair`` and the calls that use sockets;
* signals to any process but itself: ``kill``, ``tgkill``, ``rt_sigqueueinfo``, ``rt_tgsigqueueinfo`` unless the
  first argument is the task's own pid; ``tkill``, ``pidfd_*``; ``prlimit64`` on another process;
* other processes' memory and kernel facilities: ``ptrace``, ``process_vm_*``, ``kcmp``, mounts and namespaces,
  ``bpf``, ``perf_event_open``, ``userfaultfd``, ``io_uring_*`` (it bypasses seccomp), keyrings, modules,
  ``open_by_handle_at``, clock and host-name setters, ``reboot``, ``swapon``, ``syslog``, ``mknod``;
* state that would outlive the task in its worker: System V shared memory, semaphores and message queues, POSIX
  message queues; changes of the scheduling policy, priority (``nice``), I/O priority and CPU affinity; extended
  attributes and ACLs (``setxattr`` and its kin), inode flags (``ioctl`` ``FS_IOC_SETFLAGS``,
  ``FS_IOC_FSSETXATTR``): they would stay on the scratch directory, which is emptied but not replaced;
* memory that the address-space limit does not count: ``memfd_create``, ``memfd_secret`` (a few such files of
  the largest size a program may write hold gigabytes, and the kernel's out-of-memory killer would then pick any
  process of the worker);
* every system call numbered :data:`FIRST_UNREVIEWED` or above (``ENOSYS``): calls newer than this list
  (``setxattrat``, ``removexattrat``, ``file_setattr``, ...), which libseccomp may not know by name.  From number
  424 on, Linux gives a new call the same number on every architecture, so one comparison covers them all.

A system call of another architecture (32-bit ``int 0x80``, x32) kills the process.

Consequence for programs: ``subprocess``, ``os.system``, ``multiprocessing`` and pulp's CBC solver (a separate
program) fail with ``PermissionError`` (``os.system`` returns 127 << 8), which is an ordinary ``runtime_error``
of the program, never a sandbox failure.  numpy, scipy and networkx import and run normally (threads included).
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from functools import lru_cache

#: stands for the task's pid in the exported program; replaced in each task's copy
PID_PLACEHOLDER = 0x5EC0FFEE
CLONE_THREAD = 0x00010000
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
_BPF_JMP_JEQ_K = 0x15
_BPF_LD_W_ABS = 0x20
_BPF_JMP_JGE_K = 0x35
_BPF_RET_K = 0x06
_SECCOMP_RET_ERRNO = 0x00050000

DENIED = (
    "fork",
    "vfork",
    "execve",
    "execveat",
    "setsid",
    "setpgid",
    "socket",
    "socketpair",
    "connect",
    "bind",
    "listen",
    "accept",
    "accept4",
    "tkill",
    "pidfd_open",
    "pidfd_send_signal",
    "pidfd_getfd",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "process_madvise",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "syslog",
    "acct",
    "quotactl",
    "name_to_handle_at",
    "open_by_handle_at",
    "fanotify_init",
    "sethostname",
    "setdomainname",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "iopl",
    "ioperm",
    "mknod",
    "mknodat",
    # state that would outlive the task in its worker: System V IPC and POSIX message queues, and the
    # scheduling policy, priority and CPU affinity
    "shmget",
    "shmat",
    "shmdt",
    "shmctl",
    "semget",
    "semop",
    "semtimedop",
    "semctl",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedreceive",
    "mq_notify",
    "mq_getsetattr",
    "sched_setaffinity",
    "sched_setscheduler",
    "sched_setparam",
    "sched_setattr",
    "setpriority",
    "ioprio_set",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    # memory outside RLIMIT_AS
    "memfd_create",
    "memfd_secret",
)
#: the first system call number that this list has not reviewed (setxattrat, Linux 6.13): it and every later one
#: fail with ENOSYS, as on an older kernel
FIRST_UNREVIEWED = 463
#: ``ioctl`` requests that set inode flags (``chattr``) or the file system's extended flags: FS_IOC_SETFLAGS (and
#: its 32-bit form), FS_IOC_FSSETXATTR
INODE_FLAG_SETTERS = (0x40086602, 0x40046602, 0x401C5820)
#: allowed only when the first argument is the task's own pid
OWN_PID_ONLY = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")


@lru_cache(maxsize=1)
def build_filter() -> bytes:
    """The filter as a classic BPF program (bytes), with :data:`PID_PLACEHOLDER` for the task's pid."""
    import pyseccomp as sc  # imported here: it runs ldconfig on import (tens of ms), once per runner

    filt = sc.SyscallFilter(sc.ALLOW)
    filt.set_attr(sc.Attr.ACT_BADARCH, sc.KILL_PROCESS)
    eperm = sc.ERRNO(errno.EPERM)
    for name in DENIED:
        try:
            filt.add_rule(eperm, name)
        except (OSError, ValueError, RuntimeError):  # a name this libseccomp does not know
            continue
    for name in OWN_PID_ONLY:
        filt.add_rule(eperm, name, sc.Arg(0, sc.NE, PID_PLACEHOLDER))
    filt.add_rule(eperm, "prlimit64", sc.Arg(0, sc.NE, 0))
    for request in INODE_FLAG_SETTERS:  # the kernel reads the request as 32 bits: so must the filter
        filt.add_rule(eperm, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
    filt.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    filt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    rfd, wfd = os.pipe()
    try:
        with os.fdopen(wfd, "wb", closefd=False) as fh:
            filt.export_bpf(fh)
        os.close(wfd)
        wfd = -1
        chunks = []
        while chunk := os.read(rfd, 65536):
            chunks.append(chunk)
    finally:
        os.close(rfd)
        if wfd >= 0:
            os.close(wfd)
    return unreviewed_guard() + b"".join(chunks)


def unreviewed_guard() -> bytes:
    """Three BPF instructions put before libseccomp's program: a system call numbered :data:`FIRST_UNREVIEWED`
    or above returns ENOSYS (its jumps are relative, so libseccomp's program is unchanged behind them)."""
    return b"".join(
        struct.pack("=HBBI", *ins)
        for ins in (
            (_BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
            (_BPF_JMP_JGE_K, 0, 1, FIRST_UNREVIEWED),
            (_BPF_RET_K, 0, 0, _SECCOMP_RET_ERRNO | errno.ENOSYS),
        )
    )


def pid_offsets(program: bytes) -> tuple[int, ...]:
    """Where ``program`` compares with the placeholder pid: the offsets of those instructions (pure)."""
    if len(program) % 8:
        raise ValueError("a BPF program is a whole number of 8-byte instructions")
    found = tuple(
        8 * i  # the byte offset of instruction i
        for i, (code, _jt, _jf, k) in enumerate(struct.iter_unpack("=HBBI", program))
        if code == _BPF_JMP_JEQ_K and k == PID_PLACEHOLDER
    )
    if not found:  # libseccomp shares identical comparison blocks: one or more
        raise ValueError("the filter has no pid comparison to patch")
    return found


def with_pid(program: bytes, pid: int, offsets: tuple[int, ...] | None = None) -> bytes:
    """A copy of ``program`` whose placeholder comparisons test ``pid`` instead (pure).  ``offsets``: those of
    :func:`pid_offsets`, when known already (a task's process patches its copy without scanning it)."""
    out = bytearray(program)
    for off in pid_offsets(program) if offsets is None else offsets:
        struct.pack_into("=I", out, off + 4, pid)
    return bytes(out)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


@lru_cache(maxsize=1)
def libc() -> ctypes.CDLL:
    """The C library and its ``prctl``, resolved once per process (the zygote does it for all its tasks)."""
    lib = ctypes.CDLL(None, use_errno=True)
    lib.prctl  # noqa: B018 - looked up (and cached on the object) now
    return lib


def load(program: bytes) -> None:
    """Install ``program`` on this process for good (sets ``no_new_privs`` first)."""
    lib = libc()
    buf = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if lib.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(NO_NEW_PRIVS): {os.strerror(err)}")
    if lib.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(SET_SECCOMP): {os.strerror(err)}")


def available() -> str | None:
    """None when a filter can be built here, else why not."""
    try:
        build_filter()
    except Exception as exc:  # ImportError, OSError from libseccomp
        return f"{type(exc).__name__}: {exc}"
    return None
