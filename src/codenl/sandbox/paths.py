"""What the sandboxed interpreter needs to read, found at run time (no path of a checkout is baked in).

The worker runs the same interpreter as the runner (``sys.executable`` resolved to the real binary, never a
pyenv shim) with ``-I -S`` and an explicit ``sys.path``: the interpreter's prefix (standard library), the
environment's site-packages and the directory that holds the ``codenl`` package itself (an editable install is
found through a ``.pth`` file, which ``-S`` skips).  A task gets less (:func:`task_rules`, :func:`task_sys_path`):
the standard library, and only the distributions of ``sandbox.allowed_packages`` with what they require
(:func:`package_access`); never ``codenl``.

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
import re
import site
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from codenl.errors import UsageError


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
        os.path.realpath(p)
        for p in sys.path
        if p
        and _under(os.path.realpath(p), prefixes)
        and not _under(os.path.realpath(p), site_dirs)
        and "site-packages" not in p
    )
    return RuntimePaths(python, prefixes, site_dirs, package_root, _dedupe(stdlib))


_REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class PackageAccess:
    """What a task may import beyond the standard library: the distributions asked for and what they require."""

    names: tuple[str, ...]  # the distributions asked for (as configured)
    distributions: tuple[str, ...]  # those and every distribution they require (extras excluded), normalised
    modules: tuple[str, ...]  # top-level import names the task may import
    read_paths: tuple[str, ...]  # files and directories of those distributions (read access)
    list_paths: tuple[str, ...]  # the site-packages directories that hold them (listing only)


def package_access(names: tuple[str, ...] | list[str]) -> PackageAccess:
    """The files of the distributions ``names`` and of everything they require, found in this environment.

    Raises :class:`UsageError` naming a distribution that is not installed here."""
    import importlib.metadata as md

    wanted = [n for n in dict.fromkeys(str(x).strip() for x in names) if n]
    seen: dict[str, md.Distribution] = {}
    todo = list(wanted)
    while todo:
        name = todo.pop()
        key = _normalise(name)
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            if name in wanted:
                raise UsageError(f"sandbox.allowed_packages: {name!r} is not installed in this environment") from None
            continue  # an optional requirement that is absent
        seen[key] = dist
        for req in dist.requires or []:
            marker = req.partition(";")[2]
            if "extra" in marker:
                continue
            m = _REQUIREMENT_NAME.match(req)
            if m:
                todo.append(m.group(1))
    modules: dict[str, None] = {}
    reads: dict[str, None] = {}
    lists: dict[str, None] = {}
    for dist in seen.values():
        base = os.path.realpath(str(dist.locate_file("")))
        lists[base] = None
        for file in dist.files or []:
            parts = file.parts
            if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith(".pth"):
                continue
            top = parts[0]
            reads[os.path.join(base, top)] = None
            if len(parts) == 1 and top.endswith(".py"):
                modules[top[:-3]] = None
            elif len(parts) > 1 and not top.endswith((".dist-info", ".egg-info", ".libs", ".data")):
                modules[top] = None
    return PackageAccess(tuple(wanted), tuple(sorted(seen)), tuple(sorted(modules)), tuple(reads), tuple(lists))


#: what the standard library's directories hold that is not the standard library: the interpreter's own
#: site-packages, and the wheels of pip and setuptools that ``ensurepip`` installs from (importable from a zip)
NOT_STDLIB = ("site-packages", "ensurepip/_bundled")


def _read_except(root: str, excluded: tuple[str, ...], hidden: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Read rules for ``root`` without the paths ``excluded`` (relative to it): a directory on the way to one is
    granted entry by entry and may only be listed itself.  An entry that is a link is granted only when it leads
    inside ``root`` and not into an excluded path (a rule follows links: it would open its target)."""
    here = [e for e in excluded if os.path.lexists(os.path.join(root, e))]
    if not here:
        return [(root, "read")]
    hidden = hidden or tuple(os.path.realpath(os.path.join(root, e)) for e in here)
    top = os.path.realpath(root)
    rules: list[tuple[str, str]] = [(root, "list")]
    for entry in sorted(os.listdir(root)):
        if entry in here:
            continue
        path = os.path.join(root, entry)
        if os.path.islink(path):
            target = os.path.realpath(path)
            if not target.startswith(top + os.sep) or any(target == h or target.startswith(h + os.sep) for h in hidden):
                continue
        deeper = tuple(e.partition("/")[2] for e in here if e.startswith(entry + "/"))
        rules += _read_except(path, deeper, hidden) if deeper else [(path, "read")]
    return rules


#: Python packages that the system keeps under /usr (Debian's dist-packages, /usr/local's site-packages): not
#: the standard library, so a task may not read them (a system python3-numpy would be importable otherwise)
SYSTEM_PACKAGES = (
    "lib/python3*/dist-packages",
    "lib/python3*/site-packages",
    "local/lib/python3*/dist-packages",
    "local/lib/python3*/site-packages",
)


def system_rules(root: str = "/usr") -> list[tuple[str, str]]:
    """Read rules for ``root`` (``/usr``: programs' shared libraries, time zones, ...) without the Python packages
    the system installed there (:data:`SYSTEM_PACKAGES`)."""
    import glob

    if not os.path.isdir(root):
        return []
    found = sorted(
        {os.path.relpath(p, root) for pattern in SYSTEM_PACKAGES for p in glob.glob(os.path.join(root, pattern))}
    )
    return _read_except(root, tuple(found))


def stdlib_rules(paths: RuntimePaths) -> list[tuple[str, str]]:
    """Read rules for the standard library only: a directory of ``stdlib_path`` that holds what is not the
    standard library (:data:`NOT_STDLIB`: the interpreter's own ``site-packages``, the bundled wheels of
    ``ensurepip``) is granted entry by entry, without those, and may only be listed."""
    rules: list[tuple[str, str]] = []
    for path in paths.stdlib_path:
        if os.path.isdir(path):
            rules += _read_except(path, NOT_STDLIB)
    return rules


def task_rules(paths: RuntimePaths, access: PackageAccess) -> list[tuple[str, str]]:
    """What a task may read (``read``: files and listings, ``list``: listings only): the standard library and the
    allowed distributions; never the environment's other packages, nor the directory of this project."""
    return [*stdlib_rules(paths), *((p, "list") for p in access.list_paths), *((p, "read") for p in access.read_paths)]


def task_sys_path(paths: RuntimePaths, access: PackageAccess) -> list[str]:
    """``sys.path`` of a task: the standard library, and the site-packages that hold the allowed distributions."""
    return list(_dedupe((*paths.stdlib_path, *access.list_paths)))
