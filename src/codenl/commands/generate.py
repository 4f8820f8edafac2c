"""`python -m codenl generate`: write problem instances with exact gold answers to JSONL."""

from __future__ import annotations

import argparse

from codenl.errors import UsageError
from codenl.problems import KIND_NAMES, check_size, generate, get_kind
from codenl.records import write_jsonl_atomic


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", required=True, help=f"one of: {' '.join(KIND_NAMES)}")
    parser.add_argument(
        "--size",
        required=True,
        type=int,
        nargs="+",
        metavar="D",
        help="size(s) ('digits'); several sizes need --out with a {size} placeholder",
    )
    parser.add_argument("--seed", required=True, type=int, help="seed the instances are generated from")
    parser.add_argument("--n", required=True, type=int, help="number of instances per size (>= 1)")
    parser.add_argument(
        "--out",
        required=True,
        metavar="FILE.jsonl",
        help="output file; may contain {size}, e.g. results/problems/add/{size}/seed0.jsonl",
    )


def run(args: argparse.Namespace) -> int:
    kind = get_kind(args.kind)
    if args.n < 1:
        raise UsageError(f"--n must be at least 1, got {args.n}")
    for size in args.size:
        check_size(kind, size)
    if len(args.size) > 1 and "{size}" not in args.out:
        raise UsageError("--out must contain {size} when several sizes are given")
    for size in args.size:
        write_jsonl_atomic(args.out.replace("{size}", str(size)), generate(args.kind, size, args.seed, args.n))
    return 0
