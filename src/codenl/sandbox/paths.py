"""What the sandboxed interpreter needs to read, found at run time (no path of a checkout is baked in).

The worker runs the same interpreter as the runner (``sys.executable`` resolved to the real binary, never a
pyenv shim) with ``-I -S`` and an explicit ``sys.path``: the interpreter's prefix (standard library), the
environment's site-packages (numpy, scipy, networkx, pulp, ...) and the directory that holds the ``codenl``
package itself (an editable install is found through a ``.pth`` file, which ``-S`` skips).
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RuntimePaths:
    python: str  # the real interpreter binary
    prefixes: tuple[str, ...]  # interpreter prefix(es): standard library, lib-dynload, libpython
    site_dirs: tuple[str, ...]  # the environment's site-packages
    package_root: str  # the directory holding the codenl package
    stdlib_path: tuple[str, ...]  # sys.path entries of the standard library

    @property
    def read_only(self) -> tuple[str, ...]:
        """Every directory (besides /usr) that a task may read."""
        return _dedupe((*self.prefixes, *self.site_dirs, self.package_root))

    @property
    def sys_path(self) -> list[str]:
        return list(_dedupe((self.package_root, *self.stdlib_path, *self.site_dirs)))


def _dedupe(items: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return tuple(seen)


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def runtime_paths() -> RuntimePaths:
    import codenl

    python = os.path.realpath(sys.executable)
    prefixes = _dedupe(tuple(os.path.realpath(p) for p in (sys.base_prefix, sys.base_exec_prefix)))
    candidates = [*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    site_dirs = _dedupe(tuple(os.path.realpath(p) for p in candidates if os.path.isdir(p)))
    package_root = str(Path(codenl.__file__).resolve().parent.parent)
    stdlib = tuple(
        os.path.realpath(p) for p in sys.path
        if p and _under(os.path.realpath(p), prefixes) and not _under(os.path.realpath(p), site_dirs)
        and "site-packages" not in p
    )
    return RuntimePaths(python, prefixes, site_dirs, package_root, _dedupe(stdlib))
