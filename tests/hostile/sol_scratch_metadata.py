# Leaves a message on the directories that outlive the task (its scratch directory and the one above it), which a
# later task could read: extended attributes, a default ACL (it would also set the modes of a later task's files),
# the access and modification times, file flags.  Each must be refused or undone before the next task.
import ctypes
import fcntl
import os

# a default ACL user::rwx group::--- other::--- (binary xattr format, version 2)
ACL = bytes.fromhex("0200000001000700ffffffff04000000ffffffff20000000ffffffff")


def attempt(call):
    try:
        call()
        return "done"
    except OSError as exc:
        return f"errno {exc.errno}"


def solution():
    out = {}
    for where in (".", ".."):
        out[f"xattr {where}"] = attempt(lambda: os.setxattr(where, "user.codenl", b"message from an earlier task"))
        out[f"acl {where}"] = attempt(lambda: os.setxattr(where, "system.posix_acl_default", ACL))
        out[f"utime {where}"] = attempt(lambda: os.utime(where, ns=(4242 * 10**9, 4242 * 10**9)))

    def noatime():
        fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.ioctl(fd, 0x40086602, (0x80).to_bytes(8, "little"))  # FS_IOC_SETFLAGS: FS_NOATIME_FL
        finally:
            os.close(fd)

    def noatime_wide_request():  # the same request with bits above 32 set: the kernel ignores them, a filter must too
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
        try:
            flags = ctypes.c_long(0x80)
            if libc.syscall(16, fd, ctypes.c_ulong(0x1_40086602), ctypes.byref(flags)) != 0:
                raise OSError(ctypes.get_errno(), "ioctl")
        finally:
            os.close(fd)

    def setxattrat():  # Linux 6.13, newer than some libseccomp: must not be a way around the filter
        libc = ctypes.CDLL(None, use_errno=True)
        value = ctypes.create_string_buffer(b"message")
        args = (ctypes.c_uint64 * 3)(ctypes.addressof(value), 7, 0)  # struct xattr_args {value, size, flags}
        if libc.syscall(463, -100, b".", 0, b"user.codenl", ctypes.byref(args), 24) != 0:
            raise OSError(ctypes.get_errno(), "setxattrat")

    out["setxattrat ."] = attempt(setxattrat)
    out["flags ."] = attempt(noatime)
    out["flags . wide"] = attempt(noatime_wide_request)
    return out
