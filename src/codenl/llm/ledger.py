"""Request keys and the append-only request ledger of one query job.

A request is identified by :func:`request_key`: the sha256 of the canonical JSON of ``(base_url, model, messages,
params)`` where ``params`` are the sampling parameters sent (temperature, top_p, max_tokens, seed).  Two
requests with the same key are the same request: the answer of one serves the other.

The ledger (``results/ledger/{model}/{arm}/{kind}/seed{seed}.jsonl``) is a log of outcomes, one line per finished
request, appended and fsynced by :func:`codenl.records.append_jsonl` the moment the outcome is known:

    {"key": ..., "status": "ok" | "infra_error", "model": ..., "base_url": ..., "time": ...,
     "result": {text, reasoning, finish_reason, usage, cost, latency_s, attempts, answered_model,
                answered_provider, system_fingerprint, error}}

On restart the ledger is read back and every key with an ``ok`` line is served from it without a request.  The
reader survives any damage: a partial last line (a kill, a short write on a full disk) is cut off before the job
appends, and any line that is not UTF-8, not JSON or not a ledger entry is skipped and reported with its file
and line; only the requests those lines described are asked again.  ``infra_error`` lines are kept for the
record but do not complete a key: a later run asks again (the API failed, nothing useful was paid for), at most
``reask`` later runs (the config key ``retries.reask``); after that the last ``infra_error`` is the request's
outcome.  :func:`reask_token` is what lets Snakemake know that a finished job has requests to ask again.
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
from codenl.records import append_jsonl, iter_jsonl, repair_log_tail

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
    """The outcomes of one job's requests, loaded from its log file, and the appender for new outcomes.

    ``completed``: key -> result of its ``ok`` line.  ``failures``: key -> how many ``infra_error`` lines it has
    (one per run that asked it and failed), ``last_failure``: key -> the result of its last one.  ``damaged``:
    ``(line number, reason)`` of every line that is not a ledger entry (skipped; its request is asked again
    unless another line completes it).  With ``repair``, a partial last line is cut off first
    (:func:`codenl.records.repair_log_tail`; only the holder of :func:`hold_ledger` may repair).
    """

    def __init__(self, path: str | os.PathLike[str], *, repair: bool = False) -> None:
        self.path = Path(path)
        self.completed: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, int] = {}
        self.last_failure: dict[str, dict[str, Any]] = {}
        self.damaged: list[tuple[int, str]] = []
        self.repaired: str | None = None
        self.lines = 0
        if repair:
            self.repaired = repair_log_tail(self.path)
        if self.path.exists():
            on_damage = lambda lineno, reason: self.damaged.append((lineno, reason))
            for lineno, entry in iter_jsonl(self.path, allow_partial_tail=True, on_damage=on_damage):
                key = entry.get("key")
                result = entry.get("result")
                status = entry.get("status")
                if not isinstance(key, str) or not isinstance(result, dict) or status not in ("ok", "infra_error"):
                    self.damaged.append((lineno, "not a ledger entry (key, status ok|infra_error, result)"))
                    continue
                self.lines += 1
                if status == "ok":
                    self.completed[key] = result
                else:
                    self.failures[key] = self.failures.get(key, 0) + 1
                    self.last_failure[key] = result

    @property
    def failed_before(self) -> set[str]:
        """Keys with at least one ``infra_error`` line (some may have completed later)."""
        return set(self.failures)

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored result of a completed request, or None."""
        return self.completed.get(key)

    def final_failure(self, key: str, reask: int | None) -> dict[str, Any] | None:
        """The last ``infra_error`` result of a request that is not asked again: it has no ``ok`` line and failed
        in ``1 + reask`` runs already (``reask`` None: always asked again)."""
        if reask is None or key in self.completed:
            return None
        if self.failures.get(key, 0) > reask:
            return self.last_failure[key]
        return None

    def failure_histogram(self) -> dict[int, int]:
        """Number of keys per count of ``infra_error`` lines (keys completed later included)."""
        out: dict[int, int] = {}
        for count in self.failures.values():
            out[count] = out.get(count, 0) + 1
        return out

    def damage_warnings(self, limit: int = 10) -> list[str]:
        """One warning line per skipped line (the first ``limit``, then a count), and the tail repair."""
        out = [f"warning: {self.repaired}"] if self.repaired else []
        for lineno, reason in self.damaged[:limit]:
            out.append(
                f"warning: {self.path}:{lineno}: skipped a damaged ledger line ({reason}); its request is "
                "asked again unless another line completes it"
            )
        if len(self.damaged) > limit:
            out.append(f"warning: {self.path}: {len(self.damaged) - limit} more damaged line(s) skipped")
        return out

    def record(self, key: str, status: str, result: Mapping[str, Any], *, model: str, base_url: str) -> None:
        """Append one outcome (flushed and fsynced before returning)."""
        self.record_many([(key, status, result)], model=model, base_url=base_url)

    def record_many(self, outcomes: Sequence[tuple[str, str, Mapping[str, Any]]], *, model: str, base_url: str) -> None:
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
            else:
                self.failures[entry["key"]] = self.failures.get(entry["key"], 0) + 1
                self.last_failure[entry["key"]] = entry["result"]


# ----------------------------------------------------------------------------------------------------------------
# re-asking failed requests on later runs


def reask_weight(histogram: Mapping[int, int], reask: int) -> int:
    """sum over keys of min(infra_error lines, reask): grows exactly when a run ended with a request that may be
    asked again (fewer than ``1 + reask`` failed runs), and stays put when every such request completed or used
    its last run.  The query rule passes it as a parameter, so Snakemake reruns the job exactly when it grows."""
    return sum(n * min(count, reask) for count, n in histogram.items())


def summary_path(ledger: str | os.PathLike[str]) -> Path:
    return Path(f"{ledger}.summary.json")


def write_summary(ledger: Ledger, stats: Mapping[str, Any]) -> None:
    """The ledger's failure histogram and the last run's counts, beside the ledger (atomic; cheap to read)."""
    path = summary_path(ledger.path)
    size = ledger.path.stat().st_size if ledger.path.exists() else 0
    data = {
        "ledger_bytes": size,
        "failures": {str(k): v for k, v in sorted(ledger.failure_histogram().items())},
        "last_run": dict(stats),
    }
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_summary(ledger_path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The summary of a ledger when it describes the ledger as it is now (same size), else None."""
    path = summary_path(ledger_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        size = Path(ledger_path).stat().st_size
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("ledger_bytes") != size or not isinstance(data.get("failures"), dict):
        return None
    return data


def reask_token(ledger_path: str | os.PathLike[str], reask: int) -> str:
    """The query rule's ``reask`` parameter for a ledger: ``reask_weight`` of its failures (0 without a ledger).

    Read from the summary the last run wrote when it matches the ledger; else from the ledger itself."""
    if not Path(ledger_path).exists():
        return "0"
    data = read_summary(ledger_path)
    if data is not None:
        histogram = {int(k): int(v) for k, v in data["failures"].items()}
    else:
        histogram = Ledger(ledger_path).failure_histogram()
    return str(reask_weight(histogram, reask))
