"""Resource limits of one sandboxed run, and the rlimits that enforce part of them.

The runner enforces wall time and the output cap itself (it reads the pipes and kills); the kernel enforces the
rest through rlimits set in the task's process before the program starts:

* ``RLIMIT_CPU``: soft at ``cpu_s`` (SIGXCPU), hard one second later (SIGKILL, for a program that ignores
  SIGXCPU).
* ``RLIMIT_AS``: the address space the process already has when the limits are applied (the interpreter and
  the pre-imported modules: about 100 to 700 MiB of mostly untouched virtual memory in a numpy worker) plus
  ``memory_mb``.  The budget is the program's own: in the pool the pre-imported modules (numpy) are part of
  the base, in a fresh process a program pays for its own imports out of it (a few tens of MiB for numpy).
* ``RLIMIT_FSIZE`` (largest file the program may write; Python ignores SIGXFSZ, so the write fails with
  ``OSError: [Errno 27] File too large``), ``RLIMIT_NOFILE``, ``RLIMIT_CORE`` = 0, ``RLIMIT_NPROC`` (counted
  per user namespace under bubblewrap; ignored for root, which is why seccomp also denies fork) and
  ``RLIMIT_MEMLOCK`` = 0.
"""

from __future__ import annotations

import resource
from typing import Any

from codenl.errors import UsageError

MIB = 1024 * 1024


#: the fields of :class:`Limits`, in order
FIELDS = ("cpu_s", "wall_s", "memory_mb", "output_bytes", "file_mb", "open_files", "nproc")


class Limits:
    """Limits of one run (immutable).  ``wall_s`` defaults to twice ``cpu_s`` plus one second (a loaded machine).

    A plain class, not a dataclass: every sandbox worker imports this module, and ``dataclasses`` would bring
    ``inspect``, ``ast`` and ``dis`` into the memory every task is forked from (each task pays for the pages
    of its parent)."""

    __slots__ = FIELDS
    cpu_s: float
    wall_s: float
    memory_mb: int
    output_bytes: int
    file_mb: int
    open_files: int
    nproc: int

    def __init__(
        self,
        cpu_s: float = 10.0,
        wall_s: float | None = None,
        memory_mb: int = 1024,
        output_bytes: int = 1 * MIB,
        file_mb: int = 64,
        open_files: int = 64,
        nproc: int = 64,
    ) -> None:
        given = (cpu_s, wall_s, memory_mb, output_bytes, file_mb, open_files, nproc)
        for name, value in zip(FIELDS, given, strict=True):
            if name == "wall_s" and value is None:
                value = 2 * cpu_s + 1.0
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise UsageError(f"sandbox limit {name} must be a positive number, got {value!r}")
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Limits are immutable: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Limits) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in FIELDS))

    def __repr__(self) -> str:
        return "Limits(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in FIELDS) + ")"

    @property
    def wall(self) -> float:
        return float(self.wall_s)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        return cls(**data)


def rlimit_table(limits: Limits, current_as_bytes: int) -> list[tuple[int, int, int]]:
    """The ``(resource, soft, hard)`` triples that enforce ``limits`` (pure; ``current_as_bytes`` from /proc)."""
    cpu_soft = max(1, int(limits.cpu_s + 0.999))
    address_space = current_as_bytes + limits.memory_mb * MIB
    return [
        (resource.RLIMIT_CPU, cpu_soft, cpu_soft + 1),
        (resource.RLIMIT_AS, address_space, address_space),
        (resource.RLIMIT_FSIZE, limits.file_mb * MIB, limits.file_mb * MIB),
        (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_NPROC, limits.nproc, limits.nproc),
        (resource.RLIMIT_MEMLOCK, 0, 0),
    ]


def current_address_space() -> int:
    """Virtual memory size of this process in bytes (``/proc/self/statm``, first field in pages)."""
    import os

    with open("/proc/self/statm", "rb") as fh:
        pages = int(fh.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def rlimit_settings(limits: Limits) -> list[tuple[int, int, int]]:
    """The ``(resource, soft, hard)`` triples that enforce ``limits`` in this process now: its address space,
    and never above a hard limit it has already (computed in the zygote, set in each task's process)."""
    out = []
    for res, soft, hard in rlimit_table(limits, current_address_space()):
        _cur_soft, cur_hard = resource.getrlimit(res)
        if cur_hard != resource.RLIM_INFINITY:
            hard = min(hard, cur_hard)
            soft = min(soft, hard)
        out.append((res, soft, hard))
    return out


def set_rlimits(settings: list[tuple[int, int, int]]) -> None:
    """Set the rlimits of this process (in the task's process, after fork, before the program)."""
    for res, soft, hard in settings:
        resource.setrlimit(res, (soft, hard))
