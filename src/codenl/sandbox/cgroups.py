"""cgroups, where the runner may create them: one group per worker caps its processes and its memory.

A backstop under the other layers: ``pids.max`` bounds a fork flood even if fork were allowed, the memory limit
bounds the worker and its task together (the scratch tmpfs included), and at the end every process still in
the group is killed before the group is removed.  Version 1 (separate ``pids`` and ``memory`` hierarchies, as
here) and version 2 (one hierarchy with the ``pids`` and ``memory`` controllers enabled) are both handled;
when neither is writable, the layer is reported missing.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

V1_ROOT = Path("/sys/fs/cgroup")


def _v2_root() -> Path | None:
    for candidate in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
        ctl = candidate / "cgroup.controllers"
        if ctl.exists():
            try:
                controllers = ctl.read_text().split()
            except OSError:
                continue
            if "pids" in controllers and "memory" in controllers:
                return candidate
    return None


@dataclass
class WorkerGroup:
    dirs: list[Path] = field(default_factory=list)  # one per hierarchy (v1: pids and memory; v2: one)
    version: int = 1
    _oom_file: str | None = None

    def add_self(self) -> None:
        """Move the calling process into the group (called between fork and exec)."""
        for d in self.dirs:
            (d / "cgroup.procs").write_text(str(os.getpid()))

    def oom_kills(self) -> int:
        """How many processes the kernel's out-of-memory killer has killed in the group (read for every task:
        the counter file is looked up once)."""
        if self._oom_file is None:
            for d in self.dirs:
                for name in ("memory.oom_control", "memory.events"):  # version 1, version 2
                    if (d / name).exists():
                        self._oom_file = str(d / name)
                        break
                if self._oom_file is not None:
                    break
            else:
                return 0
        try:
            fd = os.open(self._oom_file, os.O_RDONLY)
            try:
                text = os.read(fd, 4096)
            finally:
                os.close(fd)
        except OSError:
            return 0
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == b"oom_kill":
                return int(parts[1])
        return 0

    def pids(self) -> list[int]:
        out: set[int] = set()
        for d in self.dirs:
            try:
                out.update(int(x) for x in (d / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return sorted(out)

    def destroy(self, timeout: float = 5.0) -> None:
        """Kill every process left in the group, then remove it."""
        deadline = time.monotonic() + timeout
        while True:
            left = self.pids()
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            removed = True
            for d in self.dirs:
                try:
                    d.rmdir()
                except FileNotFoundError:
                    pass
                except OSError:
                    removed = False
            if removed or time.monotonic() > deadline:
                return
            time.sleep(0.02)


PREFIX = "codenl-sandbox-"


def remove_stale(parents: list[Path]) -> None:
    """Remove empty groups left by runners that were killed (their pid, in the name, is gone)."""
    for parent in parents:
        try:
            entries = list(parent.glob(PREFIX + "*"))
        except OSError:
            continue
        for entry in entries:
            try:
                pid = int(entry.name[len(PREFIX) :].split("-")[0])
            except ValueError:
                continue
            if not Path(f"/proc/{pid}").exists():
                try:
                    entry.rmdir()  # fails (EBUSY) while a process is still in it
                except OSError:
                    pass


def create(memory_bytes: int, max_pids: int) -> WorkerGroup:
    """A new group for one worker; raises OSError when cgroups are not writable here."""
    name = f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    remove_stale([V1_ROOT / "pids", V1_ROOT / "memory", *([p] if (p := _v2_root()) else [])])
    v2 = _v2_root()
    if (V1_ROOT / "pids" / "cgroup.procs").exists() and (V1_ROOT / "memory" / "cgroup.procs").exists():
        group = WorkerGroup(version=1)
        try:
            pids_dir = V1_ROOT / "pids" / name
            pids_dir.mkdir()
            group.dirs.append(pids_dir)
            (pids_dir / "pids.max").write_text(str(max_pids))
            mem_dir = V1_ROOT / "memory" / name
            mem_dir.mkdir()
            group.dirs.append(mem_dir)
            (mem_dir / "memory.limit_in_bytes").write_text(str(memory_bytes))
        except OSError:
            group.destroy()
            raise
        return group
    if v2 is not None:
        group = WorkerGroup(version=2)
        d = v2 / name
        try:
            d.mkdir()
            group.dirs.append(d)
            (d / "pids.max").write_text(str(max_pids))
            (d / "memory.max").write_text(str(memory_bytes))
        except OSError:
            group.destroy()
            raise
        return group
    raise OSError("no writable cgroup hierarchy with the pids and memory controllers")


def probe() -> str | None:
    """None when a worker group can be created here, else why not."""
    try:
        group = create(256 * 1024 * 1024, 16)
    except OSError as exc:
        return f"cgroups not writable: {exc}"
    group.destroy()
    return None
