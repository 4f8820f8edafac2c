"""What the sandboxed interpreter needs to read, found at run time (no path of a checkout is baked in).

The worker runs the same interpreter as the runner (``sys.executable`` resolved to the real binary, never a
pyenv shim) with ``-I -S`` and an explicit ``sys.path``: the interpreter's prefix (standard library), the
environment's site-packages (numpy, scipy, networkx, pulp, ...) and the directory that holds the ``codenl``
package itself (an editable install is found through a ``.pth`` file, which ``-S`` skips).

The interpreter of this project lives under /root (pyenv), which is mode 700, and the runner is root.  How the
sandboxed program still reaches it without /root being opened to anybody:

* with bubblewrap (the normal case): the sandbox user is uid 65534 of a new user namespace, without any
  capability; the prefix, the site-packages and the package are bound read-only at their own paths into an
  otherwise empty root, and the directories leading to them are created there by bubblewrap
  (:mod:`codenl.sandbox.bwrap`);
* without bubblewrap (degraded mode): the task keeps the runner's uid but loses every capability
  (:func:`codenl.sandbox.hygiene.drop_capabilities`), and Landlock limits what it can read to exactly these
  directories and /usr (:mod:`codenl.sandbox.landlock`).  A runner that is not root needs nothing special.

Nothing here is a path of this checkout: everything is read from the running interpreter, so a fresh clone in
any folder (CI's) works the same.
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
