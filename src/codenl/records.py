"""Record I/O: JSONL files that are either complete or absent, and append-only logs that survive a kill.

Two kinds of files:

* **Shard files** (problems, responses, executions, graded records) are written whole with
  :func:`write_jsonl_atomic`: a temporary file in the same directory, fsync, then ``os.replace``.  A reader never
  sees half a shard, and Snakemake never sees an output that a killed job left behind.
* **Logs** (the request ledger) grow with :func:`append_jsonl`: one ``write`` per record, flushed and fsynced
  before the call returns.  A kill or a full disk can leave a partial last line: :func:`repair_log_tail` cuts it
  off before the next append (the request it described is simply asked again), and :func:`iter_jsonl` with
  ``allow_partial_tail=True`` skips any line that is not a JSON object, wherever it is, reporting each one.

Errors name the file, the line and, where it applies, the field at fault.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from codenl.errors import RecordError


def dumps(record: Mapping[str, Any]) -> str:
    """One record as one line of JSON (no NaN: it is not JSON)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def write_jsonl_atomic(path: str | os.PathLike[str], records: Iterable[Mapping[str, Any]]) -> int:
    """Write all records to ``path`` so that the file appears complete or not at all.  Returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(dumps(record))
                fh.write("\n")
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def append_jsonl(path: str | os.PathLike[str], records: Iterable[Mapping[str, Any]]) -> None:
    """Append records to a log, each as one ``write`` of a whole line, then flush and fsync."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(dumps(r) + "\n" for r in records).encode("utf-8")
    if not data:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        # A previous writer killed mid-line leaves a partial tail; start on a fresh line so that the partial
        # line stays a single unreadable line instead of corrupting this record.
        size = os.fstat(fd).st_size
        if size:
            with open(path, "rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    data = b"\n" + data
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def repair_log_tail(path: str | os.PathLike[str]) -> str | None:
    """Make a log end on a whole line before it is appended to; returns what was done, or None.

    A last line without its newline is kept (newline added) when it is a whole JSON object, else cut off (it is
    what a writer killed mid-write, or a short write on a full disk, left behind: no complete record).
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return None
        # find the start of the last line
        start, step = size, 1 << 16
        while start > 0:
            lo = max(0, start - step)
            cut = os.pread(fd, start - lo, lo).rfind(b"\n")
            if cut >= 0:
                start = lo + cut + 1
                break
            start = lo
        tail = os.pread(fd, size - start, start)
        try:
            whole = isinstance(json.loads(tail.decode("utf-8")), dict)
        except (UnicodeDecodeError, ValueError, RecursionError):
            whole = False
        if whole:
            os.pwrite(fd, b"\n", size)
            what = f"{path}: added the newline missing after the last record"
        else:
            os.ftruncate(fd, start)
            what = f"{path}:{_count_lines(fd, start) + 1}: cut off a partial last line ({size - start} bytes)"
        os.fsync(fd)
        return what
    finally:
        os.close(fd)


def _count_lines(fd: int, end: int) -> int:
    count, pos = 0, 0
    while pos < end:
        chunk = os.pread(fd, min(1 << 20, end - pos), pos)
        if not chunk:
            break
        count += chunk.count(b"\n")
        pos += len(chunk)
    return count


def read_jsonl(path: str | os.PathLike[str], *, allow_partial_tail: bool = False) -> Iterator[dict[str, Any]]:
    """Yield the records of a JSONL file (see :func:`iter_jsonl`)."""
    for _lineno, record in iter_jsonl(path, allow_partial_tail=allow_partial_tail):
        yield record


#: called with (line number, reason) for each line a tolerant read skips
OnDamage = Callable[[int, str], None]


def iter_jsonl(
    path: str | os.PathLike[str], *, allow_partial_tail: bool = False, on_damage: OnDamage | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, record)`` for each record of a JSONL file.

    A line that is not UTF-8, not JSON or not a JSON object raises :class:`RecordError` naming the file and line.
    With ``allow_partial_tail`` (logs) such lines are skipped instead, wherever they are (a partial line left by a
    killed writer, a short write on a full disk cut inside a multi-byte character, a damaged block): each skipped
    line is reported to ``on_damage(line number, reason)`` when given.
    """
    path = Path(path)
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise RecordError(f"{path}: no such file") from None
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            reason = None
            record: Any = None
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                reason = f"not valid UTF-8 (byte {exc.start + 1})"
            else:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    reason = f"not valid JSON ({exc.msg} at column {exc.colno})"
                except RecursionError:
                    reason = "not valid JSON (nested too deeply)"
                else:
                    if not isinstance(record, dict):
                        reason = f"expected a JSON object, got {type(record).__name__}"
            if reason is not None:
                if allow_partial_tail:
                    if on_damage is not None:
                        on_damage(lineno, reason)
                    continue
                raise RecordError(f"{path}:{lineno}: {reason}")
            yield lineno, record


def require(record: Mapping[str, Any], field: str, types: type | tuple[type, ...], where: str) -> Any:
    """Return ``record[field]`` after checking its type; ``where`` is ``"file:line"`` for the message."""
    if field not in record:
        raise RecordError(f"{where}: missing field {field!r}")
    value = record[field]
    if not isinstance(value, types):
        names = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        raise RecordError(f"{where}: field {field!r} should be {names}, got {type(value).__name__} {value!r:.80}")
    return value


def read_jsonl_checked(
    path: str | os.PathLike[str], fields: Mapping[str, type | tuple[type, ...]]
) -> list[dict[str, Any]]:
    """Read a shard file and check that every record has the given fields with the given types."""
    out = []
    for lineno, record in iter_jsonl(path):
        for field, types in fields.items():
            require(record, field, types, f"{path}:{lineno}")
        out.append(record)
    return out
