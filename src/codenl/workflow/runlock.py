"""Resume after a killed Snakemake: tell a stale lock from a live run.

Snakemake locks the working directory with plain files under ``.snakemake/locks``; a Snakemake that is killed
with SIGKILL (or whose machine dies) leaves them behind, and the next run stops with "Directory cannot be locked"
until someone runs ``--unlock``.  The Snakefile calls :func:`acquire` while it is parsed by the main Snakemake
process: it takes an exclusive ``flock`` on ``.snakemake/codenl.run.lock`` and keeps it until the process exits
(the kernel releases it however the process ends).  Holding that lock proves that no other Snakemake of this
workflow is alive in the directory, so lock files left in ``.snakemake/locks`` are stale and are removed.  When
another run holds it, nothing is touched and Snakemake's own lock check reports the conflict as usual.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

LOCK_NAME = "codenl.run.lock"

#: the open lock file of this process (kept open: closing it would release the lock)
_held: dict[str, int] = {}


def acquire(workdir: str | os.PathLike[str] = ".") -> bool:
    """Take the run lock of ``workdir``; on success remove stale Snakemake locks and return True.

    Returns False (and changes nothing) when another live process holds the lock.  Calling it again in the
    same process returns True without doing anything.
    """
    meta = Path(workdir, ".snakemake").resolve()
    key = str(meta)
    if key in _held:
        return True
    meta.mkdir(parents=True, exist_ok=True)
    fd = os.open(meta / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    _held[key] = fd
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    # empty the directories, keep them: Snakemake takes a missing "incomplete" directory for an old layout and
    # re-reads all its metadata to migrate it
    for stale in ("locks", "incomplete"):
        if (meta / stale).is_dir():
            for entry in (meta / stale).iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
    return True


def release(workdir: str | os.PathLike[str] = ".") -> None:
    """Give the run lock back (the process exiting does the same)."""
    fd = _held.pop(str(Path(workdir, ".snakemake").resolve()), None)
    if fd is not None:
        os.close(fd)
