"""`python -m codenl baselines`: grade the cheap strategies of every instance of problem shards (no model needed).

    python -m codenl baselines --problems results/problems/ksp/6/seed0.jsonl ... \
        --out results/baselines/ksp/6/seed0.jsonl ... [--train results/problems/ksp/6/seed1.jsonl ...]

The i-th ``--out`` file gets one baseline record per instance of the i-th ``--problems`` shard, in the same order
(fields in :mod:`codenl.baselines`).  The majority answer is learned on ``--train`` (shards of the same kind from
*other* seeds); without ``--train``, on instances generated in memory from seed + 1 with the same kind, sizes and
counts.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Any

from codenl.baselines import evaluate, majority_answers
from codenl.errors import UsageError
from codenl.problems import generate
from codenl.records import iter_jsonl, write_jsonl_atomic


def _read(paths: list[str]) -> dict[str, list[dict[str, Any]]]:
    shards: dict[str, list[dict[str, Any]]] = {}
    for path in paths:
        if not Path(path).exists():
            raise UsageError(f"{path}: no such problem shard")
        shards[path] = [record for _, record in iter_jsonl(path)]
    return shards


def held_out(shards: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Training instances generated in memory: for each (kind, size, seed) shard, as many from seed + 1."""
    counts: dict[tuple[str, int, int], int] = defaultdict(int)
    for records in shards.values():
        for r in records:
            counts[(r["kind"], int(r["size"]), int(r["seed"]))] += 1
    return [inst for (kind, size, seed), n in sorted(counts.items()) for inst in generate(kind, size, seed + 1, n)]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--problems", nargs="+", required=True, metavar="FILE.jsonl", help="problem shards")
    parser.add_argument(
        "--out",
        nargs="+",
        required=True,
        metavar="FILE.jsonl",
        help="baseline files, one per --problems shard (e.g. results/baselines/K/D/seedS.jsonl)",
    )
    parser.add_argument(
        "--train",
        nargs="*",
        default=[],
        metavar="FILE.jsonl",
        help="shards of other seeds to learn the majority answer from (default: generate seed + 1)",
    )


def run(args: argparse.Namespace) -> int:
    if len(args.out) != len(args.problems):
        raise UsageError(f"--out names {len(args.out)} file(s) for {len(args.problems)} --problems shard(s)")
    if len(set(args.out)) != len(args.out) or set(args.out) & set(args.problems) or set(args.out) & set(args.train):
        raise UsageError("--out files must be distinct and must not be input shards")
    shards = _read(list(args.problems))
    seeds = {int(r["seed"]) for records in shards.values() for r in records}
    train_shards = _read(list(args.train))
    train = [r for records in train_shards.values() for r in records]
    overlap = seeds & {int(r["seed"]) for r in train}
    if overlap:
        raise UsageError(
            f"--train holds seed(s) {sorted(overlap)} of --problems: the majority answer must be learned out of sample"
        )
    majority = majority_answers(train if args.train else held_out(shards))
    total = easy = 0
    for records, out in zip(shards.values(), args.out, strict=True):
        rows = [evaluate(inst, majority) for inst in records]
        write_jsonl_atomic(out, rows)
        total += len(rows)
        easy += sum(r["easy"] for r in rows)
    print(f"baselines: {total} instances from {len(shards)} shard(s), {easy} heuristic-easy")
    return 0
