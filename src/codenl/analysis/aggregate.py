"""The ``aggregate`` subcommand: every graded shard into one Parquet table.

    python -m codenl aggregate --graded results/graded/*/*/*/seed*.jsonl --out results/aggregate/records.parquet

One row per instance x model x seed x arm.  Columns (docs/records.md, graded record):

``instance_id, model, provider, seed, kind, family, algorithm, size, index, arm, outcome, correct, answer, gold,
detail, fidelity, prompt_tokens, completion_tokens, reasoning_tokens, cost, latency_s, prompt_version,
generator_version, grader_version, harness_version, answered_provider, source``

``answer`` and ``gold`` are JSON strings (typed JSON of any shape, big ints included, survives Parquet intact);
``provider`` is the org prefix of the model id (``mistralai/codestral-2508`` -> ``mistralai``); for a model id
without '/', the provider the config names for it (``--configfile``), else ``local``; ``source`` is
``file:line`` of the graded record.  A malformed record or a duplicate ``(instance_id, model, seed, arm)`` stops
the stage with a message naming the file and line.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from codenl.analysis.stats import ARMS, OUTCOMES, provider_of
from codenl.errors import RecordError, UsageError
from codenl.records import iter_jsonl

_STR = (str,)
_OPT_STR = (str, type(None))
_OPT_NUM = (int, float, type(None))
#: field -> allowed types; required fields must be present
REQUIRED: dict[str, tuple[type, ...]] = {
    "instance_id": _STR,
    "model": _STR,
    "seed": (int,),
    "kind": _STR,
    "family": _STR,
    "size": (int,),
    "index": (int,),
    "arm": _STR,
    "outcome": _STR,
    "correct": (bool,),
}
OPTIONAL: dict[str, tuple[type, ...]] = {
    "provider": _OPT_STR,
    "algorithm": _OPT_STR,
    "detail": _OPT_STR,
    "fidelity": (bool, type(None)),
    "prompt_tokens": (int, type(None)),
    "completion_tokens": (int, type(None)),
    "reasoning_tokens": (int, type(None)),
    "cost": _OPT_NUM,
    "latency_s": _OPT_NUM,
    "prompt_version": _OPT_STR,
    "generator_version": _OPT_STR,
    "grader_version": _OPT_STR,
    "harness_version": _OPT_STR,
    "answered_provider": _OPT_STR,
}
COLUMNS = (
    "instance_id",
    "model",
    "provider",
    "seed",
    "kind",
    "family",
    "algorithm",
    "size",
    "index",
    "arm",
    "outcome",
    "correct",
    "answer",
    "gold",
    "detail",
    "fidelity",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "cost",
    "latency_s",
    "prompt_version",
    "generator_version",
    "grader_version",
    "harness_version",
    "answered_provider",
    "source",
)


def _typename(types: tuple[type, ...]) -> str:
    return " or ".join("null" if t is type(None) else t.__name__ for t in types)


def _check(record: Mapping[str, Any], field: str, types: tuple[type, ...], where: str, required: bool) -> Any:
    if field not in record:
        if required:
            raise RecordError(f"{where}: missing field {field!r}")
        return None
    value = record[field]
    # bool is an int in Python: an int field must not be a bool, and a bool field must be a bool
    if isinstance(value, bool) and bool not in types:
        ok = False
    else:
        ok = isinstance(value, types)
    if not ok:
        raise RecordError(
            f"{where}: field {field!r} should be {_typename(types)}, got {type(value).__name__} {value!r:.80}"
        )
    return value


def check_record(record: Mapping[str, Any], where: str, providers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One graded record as a table row; :class:`RecordError` naming ``where`` (file:line) and the field."""
    row: dict[str, Any] = {}
    for field, types in REQUIRED.items():
        row[field] = _check(record, field, types, where, True)
    for field, types in OPTIONAL.items():
        row[field] = _check(record, field, types, where, False)
    if row["arm"] not in ARMS:
        raise RecordError(f"{where}: field 'arm' is {row['arm']!r}, expected one of {', '.join(ARMS)}")
    if row["outcome"] not in OUTCOMES:
        raise RecordError(f"{where}: field 'outcome' is {row['outcome']!r}, expected one of {', '.join(OUTCOMES)}")
    if row["correct"] != (row["outcome"] == "correct"):
        raise RecordError(f"{where}: field 'correct' is {row['correct']} but outcome is {row['outcome']!r}")
    if not row["provider"]:
        model = row["model"]
        row["provider"] = provider_of(model) if "/" in model else (providers or {}).get(model) or "local"
    for field in ("answer", "gold"):
        row[field] = json.dumps(record.get(field), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    row["source"] = where
    return row


def collect(paths: Iterable[str | os.PathLike[str]], providers: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read and check every graded shard; a duplicate (instance_id, model, seed, arm) is an error.

    ``providers`` maps a model id without '/' to its configured provider name."""
    rows: list[dict[str, Any]] = []
    seen: dict[tuple, str] = {}
    for path in paths:
        for lineno, record in iter_jsonl(path):
            where = f"{path}:{lineno}"
            row = check_record(record, where, providers)
            key = (row["instance_id"], row["model"], row["seed"], row["arm"])
            if key in seen:
                raise RecordError(
                    f"{where}: duplicate record for instance {key[0]} model {key[1]} seed {key[2]} "
                    f"arm {key[3]} (first at {seen[key]})"
                )
            seen[key] = where
            rows.append(row)
    return to_frame(rows)


def to_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows -> a typed DataFrame with the documented columns (nullable ints and booleans where fields may be null)."""
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    for col in ("seed", "size", "index"):
        df[col] = df[col].astype("int64")
    df["correct"] = df["correct"].astype(bool)
    df["fidelity"] = df["fidelity"].astype("boolean")
    for col in ("prompt_tokens", "completion_tokens", "reasoning_tokens"):
        df[col] = df[col].astype("Int64")
    for col in ("cost", "latency_s"):
        df[col] = df[col].astype("float64")
    for col in ("algorithm", "detail", "prompt_version", "generator_version", "grader_version", "harness_version"):
        df[col] = df[col].astype("string")
    return df


def write_parquet_atomic(df: pd.DataFrame, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--graded",
        nargs="+",
        default=None,
        help="graded shard files (JSONL); default: every graded shard of --configfile's run",
    )
    parser.add_argument("--out", required=True, help="output Parquet file, e.g. results/aggregate/records.parquet")
    parser.add_argument(
        "--configfile",
        nargs="+",
        default=None,
        help="the run's config: its graded shards (without --graded) and the provider name of model ids without '/'",
    )
    parser.add_argument("--results", default="results", help="results directory of the run (without --graded)")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix != ".parquet":
        raise UsageError(f"--out {out}: expected a .parquet file")
    providers, graded = None, args.graded
    if args.configfile:
        from codenl.config import load_config  # lazily: only when asked

        config = load_config(list(args.configfile))
        providers = {m["name"]: m["provider"] for m in config["models"]}
        if graded is None:
            from codenl import layout

            graded = layout.run_shards(config, layout.GRADED, args.results)
    if graded is None:
        raise UsageError("give --graded files or the run's --configfile")
    df = collect(graded, providers)
    write_parquet_atomic(df, out)
    print(
        f"aggregate: {len(df)} records from {len(graded)} shard(s), "
        f"{int((df['outcome'] == 'infra_error').sum())} infra errors -> {out}"
    )
    return 0
