# What lies beside the standard library without being it: the wheels of pip and setuptools that ensurepip
# carries (importable from a zip), and the Python packages the system installed under /usr (Debian's
# dist-packages: a system python3-numpy would be importable).  The import gate is removed first: only the file
# rules may stand in the way.
import glob
import os
import sys


def solution():
    sys.meta_path[:] = [m for m in sys.meta_path if type(m).__name__ != "ImportGate"]
    wheels = glob.glob(os.path.join(os.path.dirname(os.__file__), "ensurepip", "_bundled", "*.whl"))
    system = [
        d
        for pattern in (
            "/usr/lib/python3*/dist-packages",
            "/usr/lib/python3*/site-packages",
            "/usr/local/lib/python3*/dist-packages",
            "/usr/local/lib/python3*/site-packages",
        )
        for d in glob.glob(pattern)
    ]
    files = list(wheels)
    for d in system:  # listing may be allowed (names only); reading a file is what matters
        try:
            files += [e.path for e in os.scandir(d) if e.is_file()][:3]
        except OSError:
            pass
    readable = []
    for path in files:
        try:
            open(path, "rb").close()
            readable.append(path)
        except OSError:
            pass
    sys.path[:0] = wheels + system
    imported = []
    for name in ("pip", "setuptools", "yaml", "six", "numpy", "scipy", "networkx"):
        try:
            __import__(name)
            imported.append(name)
        except BaseException:
            pass
    return {"files": len(files), "readable": readable, "imported": imported}
