"""Generate the plan's whole grid of instances and print wall time and instances per second.

The grid is read from the plan's config (workflow/experiments/scaled_code_nl.yaml) through the same
``codenl.config.counts_of`` the workflow uses: 19 kinds; fine-grained digits 2..20 step 2 with 30 per kind and
digit; 30 per NP-hard kind spread over its size levels; 500 clrs30 spread over the clrs lengths; seeds 0, 1, 2.
Shards (kind, size, seed) run in a process pool (like Snakemake's generate jobs) and are written as JSONL with
``write_jsonl_atomic`` to a scratch directory, so the figure includes serialisation and I/O.

    .venv/bin/python bench/generate.py [--workers 2] [--configfile FILE] [--out DIR]

Target: the whole grid in under 60 s on 2 cores.  The per-kind table shows where the time goes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from codenl.config import counts_of, load_config  # noqa: E402
from codenl.problems import generate  # noqa: E402
from codenl.records import write_jsonl_atomic  # noqa: E402

TARGET_S = 60.0


def plan_shards(configfile: Path) -> list[tuple[str, int, int, int]]:
    """``[(kind, size, seed, n), ...]`` of the configured grid, the most expensive kinds first."""
    config = load_config([configfile])
    shards = [
        (kind, size, seed, n)
        for kind in config["kinds"]
        for seed in config["seeds"]
        for size, n in counts_of(config, kind)
    ]
    # start long shards first so that the pool does not end on one straggler
    slow_first = {"ilp_prod": 0, "clrs30": 1}
    return sorted(shards, key=lambda s: (slow_first.get(s[0], 2), -s[1]))


def run_shard(kind: str, size: int, seed: int, n: int, out_dir: str) -> tuple[str, int, float]:
    """Generate and write one shard; returns (kind, instances, CPU seconds of this process)."""
    start = time.process_time()
    path = Path(out_dir) / kind / str(size) / f"seed{seed}.jsonl"
    count = write_jsonl_atomic(path, generate(kind, size, seed, n))
    return kind, count, time.process_time() - start


def warm_up() -> None:
    """Import every kind's module in the worker (what one generate job pays once) before the clock starts."""
    from codenl.problems import KIND_NAMES, get_kind

    for name in KIND_NAMES:
        get_kind(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    parser.add_argument("--configfile", type=Path, default=ROOT / "workflow" / "experiments" / "scaled_code_nl.yaml")
    parser.add_argument("--out", type=Path, default=None, help="keep the shards here (default: a scratch dir)")
    parser.add_argument("--cold", action="store_true", help="count module imports in the timed part")
    args = parser.parse_args(argv)

    shards = plan_shards(args.configfile)
    total_n = sum(s[3] for s in shards)
    out_dir = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="codenl-bench-generate-"))
    cpu_by_kind: dict[str, float] = defaultdict(float)
    count_by_kind: dict[str, int] = defaultdict(int)
    try:
        with ProcessPoolExecutor(max_workers=args.workers, initializer=None if args.cold else warm_up) as pool:
            if not args.cold:  # make sure every worker has started and imported before timing
                list(pool.map(abs, range(args.workers * 4)))
            start = time.perf_counter()
            futures = [pool.submit(run_shard, *shard, str(out_dir)) for shard in shards]
            for fut in as_completed(futures):
                kind, count, cpu = fut.result()
                cpu_by_kind[kind] += cpu
                count_by_kind[kind] += count
            wall = time.perf_counter() - start
    finally:
        if args.out is None:
            shutil.rmtree(out_dir, ignore_errors=True)

    written = sum(count_by_kind.values())
    assert written == total_n, (written, total_n)
    print(f"grid: {len(shards)} shards, {total_n} instances, {args.workers} worker(s), config {args.configfile.name}")
    print(f"{'kind':<14}{'instances':>10}{'cpu s':>9}{'ms/inst':>9}")
    for kind in sorted(cpu_by_kind, key=cpu_by_kind.get, reverse=True):
        n = count_by_kind[kind]
        print(f"{kind:<14}{n:>10}{cpu_by_kind[kind]:>9.2f}{1000 * cpu_by_kind[kind] / n:>9.2f}")
    cpu = sum(cpu_by_kind.values())
    print(
        f"total cpu {cpu:.1f} s; wall {wall:.1f} s; {total_n / wall:.0f} instances/s "
        f"(target: under {TARGET_S:.0f} s: {'met' if wall < TARGET_S else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
