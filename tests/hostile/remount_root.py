# remount / read-write, then write where only root may
# @mark
import ctypes, os

libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 32, 4096
res = libc.mount(None, b"/", None, MS_REMOUNT, None)
print("remount", res, os.strerror(ctypes.get_errno()))
res = libc.mount(b"/usr", b"/usr", None, MS_REMOUNT | MS_BIND, None)
print("remount /usr", res, os.strerror(ctypes.get_errno()))
for path in ("/usr/codenl-__TOKEN__", "/__TOKEN__"):
    try:
        open(path, "w").write("escaped")
        print("wrote", path)
    except OSError as exc:
        print("denied", path, type(exc).__name__)
