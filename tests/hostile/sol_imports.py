# everything beyond the standard library that the environment holds: the project's own package (with its exact
# solvers), numpy, scipy, networkx, pulp; by name, through sys.path, and by reading the files directly
import importlib
import os
import sys


def solution():
    out = {}
    for name in ("codenl", "codenl.problems", "numpy", "scipy", "scipy.optimize", "networkx", "pulp"):
        try:
            importlib.import_module(name)
            out[name] = "imported"
        except ImportError as exc:
            out[name] = type(exc).__name__
        except OSError as exc:
            out[name] = type(exc).__name__
    out["loaded"] = sorted(m for m in sys.modules if m.split(".")[0] in ("codenl", "numpy", "scipy", "networkx"))
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "ImportGate"]
    sys.path[:0] = [__PATHS__]
    for name in ("codenl.problems", "numpy", "networkx"):
        try:
            importlib.import_module(name)
            out["gate removed " + name] = "imported"
        except (ImportError, OSError) as exc:
            out["gate removed " + name] = type(exc).__name__
    readable = []
    for root in [__PATHS__]:
        for dirpath, _dirs, files in os.walk(root):
            for f in files[:3]:
                try:
                    open(os.path.join(dirpath, f), "rb").read(1)
                    readable.append(os.path.join(dirpath, f))
                except OSError:
                    pass
            if len(readable) > 3:
                break
    out["readable"] = readable[:3]
    return out
