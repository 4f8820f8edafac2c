"""Versions that follow the code: a hash over the source of modules and of every ``codenl`` module they import.

Where re-running a stage is free (grading), its version is a hash of the code that decides its output, so that any
edit re-runs it and nothing else has to be remembered.  :func:`import_closure` finds that code from the source
alone: it parses each module's ``import`` statements (at any depth, including imports inside functions) and follows
those that name a ``codenl`` module or package, with their parent packages (whose ``__init__`` runs on import).
Constants imported by name (``from codenl.harness import PREFIX``) are followed too, since the module is named.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from collections.abc import Iterable
from functools import cache
from pathlib import Path

ROOT_PACKAGE = "codenl"


@cache
def _source_path(module: str) -> Path | None:
    """The ``.py`` file of ``module`` (``__init__.py`` for a package); None when it is no module of ours."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _is_package(module: str) -> bool:
    path = _source_path(module)
    return path is not None and path.name == "__init__.py"


def _under(name: str, packages: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@cache
def imported_modules(module: str, packages: frozenset[str] = frozenset({ROOT_PACKAGE})) -> frozenset[str]:
    """The modules of ``packages`` that ``module``'s source names in an import statement (not transitively; cached
    per process: the source is read again by :func:`source_hash`, the imports are parsed once)."""
    path = _source_path(module)
    if path is None:
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if _is_package(module) else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return frozenset(name for name in found if _under(name, set(packages)) and _source_path(name) is not None)


def import_closure(modules: Iterable[str]) -> list[str]:
    """``modules`` and every module they import, transitively, of ``codenl`` or of the top-level package of one of
    ``modules`` (a kind defined outside ``codenl``), with parent packages; sorted."""
    roots = list(modules)
    packages = frozenset({ROOT_PACKAGE, *(m.split(".")[0] for m in roots)})
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        module = todo.pop()
        if module in seen or _source_path(module) is None:
            continue
        seen.add(module)
        todo.extend(_parents(module))
        todo.extend(imported_modules(module, packages))
    return sorted(seen)


def source_hash(modules: Iterable[str], exclude: Iterable[str] = ()) -> str:
    """sha256 (8 hex) over the names and sources of the import closure of ``modules``, minus ``exclude``."""
    skip = set(exclude)
    digest = hashlib.sha256()
    for module in import_closure(modules):
        if module in skip:
            continue
        path = _source_path(module)
        assert path is not None
        digest.update(f"{module}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]
