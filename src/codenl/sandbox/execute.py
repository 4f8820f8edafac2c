"""`python -m codenl execute`: run the code of every `sim` response through the sandbox; one execution record each.

    python -m codenl execute --sim F... --out F... [--workers N] [--timeout S] [--memory-mb M]
                             [--mode pool|fresh] [--allow-degraded]

The i-th ``--out`` file receives the records of the i-th ``--sim`` file, in the same order, written atomically.
Only sim responses are read: no problem file (and so no gold answer) ever reaches this stage or a worker.
A response whose own status is ``infra_error`` gives an ``infra_error`` record; one without a python block
defining ``solution()`` gives ``no_code``; every other one is run as the harness program
(:func:`codenl.harness.build_program`) and its value read back with :func:`codenl.harness.parse_output`.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections import Counter
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
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="CPU seconds per program; the wall limit is twice that plus one second (default 10)")
    parser.add_argument("--memory-mb", type=int, default=512, help="memory per program in MiB (default 512)")
    parser.add_argument("--mode", choices=("pool", "fresh"), default="pool",
                        help="pre-forked pool (default) or a fresh process per program")
    parser.add_argument("--allow-degraded", action="store_true",
                        help="run even when a required isolation layer is missing (the records name the layers)")


def _empty_fields() -> dict[str, Any]:
    return {
        "timeout_kind": None, "exit_code": None, "signal": None, "exception_type": None, "exception_message": None,
        "wall_s": 0.0, "cpu_s": 0.0, "peak_rss_kb": None, "stdout_truncated": False, "stderr_tail": "",
        "layers": [],
    }


def execution_record(response: dict[str, Any], code: str | None, result: SandboxResult | None,
                     harness_version: str, sandbox_version: str, status: str | None = None,
                     value_error: str | None = None) -> dict[str, Any]:
    """One execution record (pure).  ``result`` is None for ``no_code`` and ``infra_error``."""
    from codenl.harness import parse_output

    record: dict[str, Any] = {key: response.get(key) for key in COPIED}
    record["code_sha256"] = hashlib.sha256(code.encode("utf-8")).hexdigest() if code is not None else None
    record["value"] = None
    record["value_error"] = value_error
    record.update(_empty_fields())
    if result is None:
        record["status"] = status
    else:
        record["status"] = result.status
        for key in ("timeout_kind", "exit_code", "signal", "exception_type", "exception_message", "wall_s",
                    "cpu_s", "peak_rss_kb", "stdout_truncated", "stderr_tail", "layers"):
            record[key] = getattr(result, key)
        if result.status == "sandbox_error":
            record["value_error"] = f"sandbox error: {result.sandbox_error}"
        elif result.status == "ok":
            parsed = parse_output(result.stdout)
            if parsed.found:
                record["value"] = parsed.value
            else:
                record["value_error"] = parsed.error
        elif result.status == "no_output":
            record["value_error"] = "the program printed nothing"
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


def run(args: argparse.Namespace) -> int:
    from codenl.answers import extract_code
    from codenl.harness import HARNESS_VERSION, build_program
    from codenl.sandbox.pool import SANDBOX_VERSION, Sandbox, SandboxConfig

    if len(args.sim) != len(args.out):
        raise UsageError(f"--sim has {len(args.sim)} files but --out has {len(args.out)}: they are aligned by position")
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.timeout <= 0 or args.memory_mb <= 0:
        raise UsageError("--timeout and --memory-mb must be positive")
    shards = [_read_sim(path) for path in args.sim]
    # what to run: (shard, position) -> program
    jobs: list[tuple[int, int, str, str]] = []
    prepared: list[list[dict[str, Any] | None]] = []
    for s, records in enumerate(shards):
        row: list[dict[str, Any] | None] = []
        for i, rec in enumerate(records):
            if rec["status"] == "infra_error":
                row.append(execution_record(rec, None, None, HARNESS_VERSION, SANDBOX_VERSION, status="infra_error",
                                            value_error="the sim response failed (infra_error): nothing to run"))
                continue
            code = extract_code(rec.get("text"))
            if code is None:
                row.append(execution_record(rec, None, None, HARNESS_VERSION, SANDBOX_VERSION, status="no_code",
                                            value_error="no python code block defining solution() in the response"))
                continue
            row.append(None)
            jobs.append((s, i, code, build_program(code)))
        prepared.append(row)
    limits = Limits(cpu_s=float(args.timeout), memory_mb=int(args.memory_mb))
    config = SandboxConfig(limits=limits, allow_degraded=bool(args.allow_degraded))
    started = time.monotonic()
    results: list[SandboxResult] = []
    if jobs:
        with Sandbox(config, workers=args.workers, mode=args.mode) as sandbox:
            print(f"codenl execute: {len(jobs)} programs, layers {', '.join(sandbox.layers)}, mode {args.mode}, "
                  f"{args.workers} workers", file=sys.stderr)
            results = sandbox.map([program for *_, program in jobs])
    for (s, i, code, _program), result in zip(jobs, results):
        prepared[s][i] = execution_record(shards[s][i], code, result, HARNESS_VERSION, SANDBOX_VERSION)
    counts: Counter[str] = Counter()
    for path, row in zip(args.out, prepared):
        assert all(r is not None for r in row)
        write_jsonl_atomic(path, row)  # type: ignore[arg-type]
        counts.update(r["status"] for r in row if r is not None)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"codenl execute: {sum(counts.values())} records in {time.monotonic() - started:.1f} s ({summary})",
          file=sys.stderr)
    return 0
