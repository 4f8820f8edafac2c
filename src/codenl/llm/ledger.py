"""Request keys and the append-only request ledger of one query job.

A request is identified by :func:`request_key`: the sha256 of the canonical JSON of ``(base_url, model, messages,
params)`` where ``params`` are the sampling parameters sent (temperature, top_p, max_tokens, seed).  Two
requests with the same key are the same request: the answer of one serves the other.

The ledger (``results/ledger/{model}/{arm}/{kind}/seed{seed}.jsonl``) is a log of outcomes, one line per finished
request, appended and fsynced by :func:`codenl.records.append_jsonl` the moment the outcome is known:

    {"key": ..., "status": "ok" | "infra_error", "model": ..., "base_url": ..., "time": ...,
     "result": {text, reasoning, finish_reason, usage, cost, latency_s, attempts, answered_model,
                answered_provider, system_fingerprint, error}}

On restart the ledger is read back (a partial last line from a kill is skipped; that request is asked again) and
every key with an ``ok`` line is served from it without a request.  ``infra_error`` lines are kept for the record
but do not complete a key: the next run asks again (the API failed, nothing useful was paid for).
A job killed at any moment therefore never pays twice for a completed request.  A successful answer is on disk
before its window slot is released (:mod:`codenl.llm.client`), so the only requests a kill can make the rerun
send again are the at most ``window`` ones in flight at that moment (and only if the API had already billed them).
Appends are group-committed: answers that arrive while one fsync runs share the next one.

One ledger has one writer: :func:`hold_ledger` takes an exclusive ``flock`` on ``<ledger>.lock`` for the life of
the job.  A second job on the same ledger (a rerun started while a cluster job of an earlier, killed Snakemake is still
running) stops at once with a clear message instead of sending the same requests a second time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from codenl.errors import CodenlError
from codenl.records import append_jsonl, iter_jsonl

SAMPLING_PARAMS = ("temperature", "top_p", "max_tokens", "seed")


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, unicode kept; floats in their shortest repr."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def request_key(base_url: str, model: str, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of what determines the answer.  A trailing '/' of the URL is ignored."""
    payload = {
        "base_url": base_url.rstrip("/"),
        "model": model,
        "messages": [dict(m) for m in messages],
        "params": dict(params),
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


@contextlib.contextmanager
def hold_ledger(path: str | os.PathLike[str]) -> Iterator[None]:
    """Be the only writer of the ledger at ``path`` while the block runs (exclusive flock on ``path.lock``)."""
    lock_path = Path(f"{path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise CodenlError(
                f"{path} is in use by another query job ({holder}); wait for it to finish or cancel it "
                "(e.g. scancel on a cluster) and run again: running both would send its requests twice"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {os.uname().nodename}".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


class Ledger:
    """The completed requests of one job, loaded from its log file, and the appender for new outcomes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.completed: dict[str, dict[str, Any]] = {}
        self.failed_before: set[str] = set()
        self.lines = 0
        if self.path.exists():
            for _lineno, entry in iter_jsonl(self.path, allow_partial_tail=True):
                key = entry.get("key")
                result = entry.get("result")
                if not isinstance(key, str) or not isinstance(result, dict):
                    continue
                self.lines += 1
                if entry.get("status") == "ok":
                    self.completed[key] = result
                else:
                    self.failed_before.add(key)

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored result of a completed request, or None."""
        return self.completed.get(key)

    def record(self, key: str, status: str, result: Mapping[str, Any], *, model: str, base_url: str) -> None:
        """Append one outcome (flushed and fsynced before returning)."""
        self.record_many([(key, status, result)], model=model, base_url=base_url)

    def record_many(
        self, outcomes: Sequence[tuple[str, str, Mapping[str, Any]]], *, model: str, base_url: str
    ) -> None:
        """Append several outcomes with one write and one fsync (group commit)."""
        now = round(time.time(), 3)
        entries = [
            {"key": key, "status": status, "model": model, "base_url": base_url, "time": now, "result": dict(result)}
            for key, status, result in outcomes
        ]
        append_jsonl(self.path, entries)
        self.lines += len(entries)
        for entry in entries:
            if entry["status"] == "ok":
                self.completed[entry["key"]] = entry["result"]
