"""`python -m codenl execute`: run the code of every `sim` response through the sandbox; one execution record each.

    python -m codenl execute --sim F... --out F... [--workers N] [--timeout S] [--memory-mb M]
                             [--mode pool|fresh] [--allow-degraded] [--allowed-packages NAME ...]

The i-th ``--out`` file receives the records of the i-th ``--sim`` file, in the same order, written atomically.
Only sim responses are read: no problem file (and so no gold answer) ever reaches this stage or a worker.
A response whose own status is ``infra_error`` gives an ``infra_error`` record; one without a python block
defining ``solution()`` gives ``no_code``; every other one is run as the harness program
(:func:`codenl.harness.build_program`) and its value read back with :func:`codenl.harness.parse_output`.

Whatever a program returns, prints or raises, its record is written: every text field is bounded and made
storable (no lone surrogate), and the value is read with bounds.  Records are streamed to the output as the
programs finish, in order, so that the runner's memory does not grow with the number of programs.  A run that
ends in ``sandbox_error`` (the sandbox's own failure) is tried again on a fresh worker before it is recorded.
``--allowed-packages`` names what a program may import beside the standard library (the sim prompt says the
same); every record names that list.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from codenl.errors import UsageError
from codenl.records import iter_jsonl, require, write_jsonl_atomic
from codenl.sandbox.limits import Limits
from codenl.sandbox.result import SandboxResult

COPIED = ("instance_id", "kind", "size", "seed", "model")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sim", nargs="+", required=True, metavar="F", help="sim response shards")
    parser.add_argument("--out", nargs="+", required=True, metavar="F", help="execution shards (aligned with --sim)")
    parser.add_argument("--workers", type=int, default=2, help="pool workers (default 2: one per core)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="CPU seconds per program; the wall limit is twice that plus one second (default 10)",
    )
    parser.add_argument("--memory-mb", type=int, default=512, help="memory per program in MiB (default 512)")
    parser.add_argument(
        "--mode",
        choices=("pool", "fresh"),
        default="pool",
        help="pre-forked pool (default) or a fresh process per program",
    )
    parser.add_argument(
        "--allow-degraded",
        action="store_true",
        help="run even when a required isolation layer is missing (the records name the layers)",
    )
    parser.add_argument(
        "--allowed-packages",
        nargs="*",
        default=[],
        metavar="NAME",
        help="distributions a program may import beside the standard library (default: none)",
    )


def _empty_fields() -> dict[str, Any]:
    return {
        "timeout_kind": None,
        "exit_code": None,
        "signal": None,
        "exception_type": None,
        "exception_message": None,
        "wall_s": 0.0,
        "cpu_s": 0.0,
        "peak_rss_kb": None,
        "stdout_truncated": False,
        "stderr_tail": "",
        "layers": [],
    }


_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: Any) -> Any:
    """``value`` with every string (and dict key) made valid Unicode text: lone surrogates become U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value


def execution_record(
    response: dict[str, Any],
    code: str | None,
    result: SandboxResult | None,
    harness_version: str,
    sandbox_version: str,
    status: str | None = None,
    value_error: str | None = None,
    allowed_packages: list[str] | None = None,
    attempts: int = 0,
) -> dict[str, Any]:
    """One execution record (pure).  ``result`` is None for ``no_code`` and ``infra_error``.  Never raises for
    anything the program produced: the record can always be written as JSON."""
    from codenl.harness import parse_output

    record: dict[str, Any] = {key: response.get(key) for key in COPIED}
    record["code_sha256"] = (
        hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest() if code is not None else None
    )
    record["value"] = None
    record["value_sets"] = None
    record["value_error"] = value_error
    record.update(_empty_fields())
    if result is None:
        record["status"] = status
    else:
        record["status"] = result.status
        for key in (
            "timeout_kind",
            "exit_code",
            "signal",
            "exception_type",
            "exception_message",
            "wall_s",
            "cpu_s",
            "peak_rss_kb",
            "stdout_truncated",
            "stderr_tail",
            "layers",
        ):
            record[key] = getattr(result, key)
        if result.status == "sandbox_error":
            record["value_error"] = f"sandbox error: {result.sandbox_error}"
        elif result.status == "ok":
            parsed = parse_output(result.stdout)
            if parsed.found:
                record["value"] = parsed.value
                record["value_sets"] = [list(p) for p in parsed.sets] or None
            else:
                record["value_error"] = parsed.error
        elif result.status == "no_output":
            record["value_error"] = "the program printed nothing"
    value = record.pop("value")
    record = _storable(record)  # diagnostics only; the value was checked by parse_output
    record["value"] = value
    record["allowed_packages"] = list(allowed_packages or [])
    record["attempts"] = attempts
    record["harness_version"] = harness_version
    record["sandbox_version"] = sandbox_version
    return record


def _read_sim(path: str) -> list[dict[str, Any]]:
    if not Path(path).is_file():
        raise UsageError(f"--sim {path}: no such file")
    out = []
    for lineno, rec in iter_jsonl(path):
        where = f"{path}:{lineno}"
        for key in ("instance_id", "model", "status"):
            require(rec, key, str, where)
        require(rec, "kind", str, where)
        require(rec, "size", int, where)
        require(rec, "seed", int, where)
        if rec.get("arm", "sim") != "sim":
            raise UsageError(f"{where}: field 'arm' is {rec.get('arm')!r}; execute reads sim responses only")
        text = rec.get("text")
        if text is not None and not isinstance(text, str):
            raise UsageError(f"{where}: field 'text' should be str or null, got {type(text).__name__}")
        out.append(rec)
    return out


#: programs handed to the workers ahead of the one whose record is written next
WINDOW_PER_WORKER = 4


def _ordered(sandbox: Any, codes: Iterator[str], workers: int) -> Iterator[tuple[SandboxResult, int]]:
    """Run the harness's program of each model's code over the pool and yield (result, attempts) in input
    order, with a bounded number in flight: memory does not grow with the number of programs."""
    from codenl.harness import build_program
    from codenl.sandbox.pool import run_with_retries

    pending: deque[Future[tuple[SandboxResult, int]]] = deque()
    with ThreadPoolExecutor(workers) as ex:
        for code in codes:
            pending.append(ex.submit(run_with_retries, sandbox, build_program(code), solution=code))
            if len(pending) >= workers * WINDOW_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def run(args: argparse.Namespace) -> int:
    from codenl.answers import extract_code
    from codenl.harness import HARNESS_VERSION
    from codenl.sandbox.pool import SANDBOX_VERSION, Sandbox, SandboxConfig

    if len(args.sim) != len(args.out):
        raise UsageError(f"--sim has {len(args.sim)} files but --out has {len(args.out)}: they are aligned by position")
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.timeout <= 0 or args.memory_mb <= 0:
        raise UsageError("--timeout and --memory-mb must be positive")
    allowed = sorted(dict.fromkeys(str(p) for p in (getattr(args, "allowed_packages", None) or [])))
    shards = [_read_sim(path) for path in args.sim]
    limits = Limits(cpu_s=float(args.timeout), memory_mb=int(args.memory_mb))
    config = SandboxConfig(limits=limits, allow_degraded=bool(args.allow_degraded), packages=tuple(allowed))
    started = time.monotonic()
    counts: Counter[str] = Counter()
    codes = [
        [extract_code(rec.get("text")) if rec["status"] != "infra_error" else None for rec in records]
        for records in shards
    ]
    n_programs = sum(code is not None for row in codes for code in row)
    sandbox = Sandbox(config, workers=args.workers, mode=args.mode)
    try:
        if n_programs:
            sandbox.start()
            print(
                f"codenl execute: {n_programs} programs, layers {', '.join(sandbox.layers)}, mode {args.mode}, "
                f"{args.workers} workers, packages beside the standard library: {', '.join(allowed) or 'none'}",
                file=sys.stderr,
            )
        for path, records, row in zip(args.out, shards, codes):
            programs = (code for code in row if code is not None)
            results = _ordered(sandbox, programs, args.workers) if any(c is not None for c in row) else iter(())

            def shard_records(
                records: list[dict[str, Any]] = records,
                row: list[str | None] = row,
                results: Iterator[tuple[SandboxResult, int]] = results,
            ) -> Iterator[dict[str, Any]]:
                for rec, code in zip(records, row):
                    common = {"allowed_packages": allowed}
                    if rec["status"] == "infra_error":
                        out = execution_record(
                            rec,
                            None,
                            None,
                            HARNESS_VERSION,
                            SANDBOX_VERSION,
                            status="infra_error",
                            value_error="the sim response failed (infra_error): nothing to run",
                            **common,
                        )
                    elif code is None:
                        out = execution_record(
                            rec,
                            None,
                            None,
                            HARNESS_VERSION,
                            SANDBOX_VERSION,
                            status="no_code",
                            value_error="no python code block defining solution() in the response",
                            **common,
                        )
                    else:
                        result, attempts = next(results)
                        out = execution_record(
                            rec, code, result, HARNESS_VERSION, SANDBOX_VERSION, attempts=attempts, **common
                        )
                    counts[out["status"]] += 1
                    yield out

            write_jsonl_atomic(path, shard_records())
    finally:
        sandbox.close()
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(
        f"codenl execute: {sum(counts.values())} records in {time.monotonic() - started:.1f} s ({summary})",
        file=sys.stderr,
    )
    return 0
