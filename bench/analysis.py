"""Benchmark: statistics and figures for a synthetic table of the plan's size, wall time printed.

4 models x 3 seeds x 3,470 instances x 4 arms = 166,560 rows (target under 60 s on 2 cores).

    .venv/bin/python bench/analysis.py [--n-boot 1000] [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from codenl.analysis import plots
from codenl.analysis.synthetic import PLAN_MODELS, plan_cells, synthetic_records
from codenl.commands import stats as stats_cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--out", default=None, help="keep the outputs here (default: a temporary directory)")
    args = parser.parse_args()
    accuracy = {
        m: {"nl": 0.45 + 0.02 * i, "sim": 0.6, "controlsim": 0.62, "code": 0.85 - 0.03 * i}
        for i, m in enumerate(PLAN_MODELS)
    }
    t0 = time.perf_counter()
    records = synthetic_records(accuracy, [0, 1, 2], plan_cells(), infra_rate=0.005, rng_seed=7)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.out) if args.out else Path(tmp)
        path = root / "records.parquet"
        root.mkdir(parents=True, exist_ok=True)
        records.to_parquet(path, index=False)
        t2 = time.perf_counter()
        stats_cli.run(
            argparse.Namespace(
                records=str(path),
                out=str(root / "stats"),
                figures=str(root / "figures"),
                n_boot=args.n_boot,
                seed=20260110,
            )
        )
        t3 = time.perf_counter()
        plots.run(argparse.Namespace(records=str(path), stats=str(root / "stats"), out=str(root / "figures")))
        t4 = time.perf_counter()
    print(
        f"rows: {len(records)} ({len(PLAN_MODELS)} models x 3 seeds x {sum(n for *_, n in plan_cells())} "
        f"instances x 4 arms), bootstrap resamples: {args.n_boot}"
    )
    print(
        f"synthesise {t1 - t0:6.2f} s | write parquet {t2 - t1:6.2f} s | stats {t3 - t2:6.2f} s | "
        f"plots {t4 - t3:6.2f} s | stats+plots {t4 - t2:6.2f} s (target < 60 s)"
    )


if __name__ == "__main__":
    main()
