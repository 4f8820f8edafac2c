"""Executions per second: the fully isolated sandbox pool vs plain ``subprocess.run`` without any isolation.

    .venv/bin/python bench/sandbox.py [--runs 60] [--workers 2] [--rounds 2] [--fresh] [--json FILE]

Three programs: a trivial one (``print(1)``), a 10 ms pure-Python loop (calibrated on this machine at start-up)
and a numpy one (import, a 100x100 matrix product).  Both sides run the same programs with the same
parallelism (``--workers`` at a time); the rounds alternate between the two so that a change in the machine's
load hits both alike.  The baseline is ``subprocess.run([python, "-c", code])`` with the environment's real
interpreter: no limits, no isolation, nothing killed afterwards.  ``--fresh`` adds the sandbox's fresh-process
mode (same isolation, a new worker per program).  Prints a table and the ratios pool / plain (target: >= 1.5).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from codenl.sandbox.limits import Limits
from codenl.sandbox.pool import Sandbox, SandboxConfig


def loop_program(n: int) -> str:
    return f"s = 0\nfor i in range({n}):\n    s += i * i\n"


def calibrate_loop(target_s: float = 0.010) -> int:
    """Iterations of the pure-Python loop that take about ``target_s`` here, timed as the program runs it: at
    module level (global names, about half the speed of the same loop inside a function)."""
    n = 10000
    while True:
        code = compile(loop_program(n), "<loop>", "exec")
        start = time.perf_counter()
        exec(code, {})
        took = time.perf_counter() - start
        if took > 0.002:
            return max(1000, int(n * target_s / took))
        n *= 4


def programs(loop_n: int) -> dict[str, str]:
    return {
        "trivial": "print(1)\n",
        "python_10ms": loop_program(loop_n) + "print(s)\n",
        "numpy": "import numpy as np\na = np.random.rand(100, 100)\nprint(float((a @ a).sum()) > 0)\n",
    }


def run_plain(python: str, code: str) -> bool:
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return proc.returncode == 0 and bool(proc.stdout)


def timed(fn, items, workers: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as ex:
        ok = list(ex.map(fn, items))
    took = time.perf_counter() - start
    if not all(ok):
        raise SystemExit(f"bench: {ok.count(False)} runs failed")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="runs per program, side and round (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="parallel runs on each side (default 2)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--fresh", action="store_true", help="also measure the fresh-process mode")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()

    python = sys.executable  # the environment's interpreter (a venv link to the real binary, not a shim)
    loop_n = calibrate_loop()
    progs = programs(loop_n)
    # numpy allowed (by default a program imports the standard library only): the pool preloads it
    config = SandboxConfig(limits=Limits(cpu_s=10, memory_mb=512), packages=("numpy",))
    sides = ["pool", "plain"] + (["fresh"] if args.fresh else [])
    totals = {side: dict.fromkeys(progs, 0.0) for side in sides}
    counts = {side: dict.fromkeys(progs, 0) for side in sides}
    with Sandbox(config, workers=args.workers, mode="pool") as pool:
        fresh = Sandbox(config, workers=args.workers, mode="fresh").start() if args.fresh else None
        print(
            f"layers: {', '.join(pool.layers)}; {args.workers} workers; loop of {loop_n} iterations; "
            f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        for code in progs.values():  # warm-up (page cache, worker imports)
            assert pool.run(code).status == "ok", pool.run(code)
            assert run_plain(python, code)
        for _round in range(args.rounds):
            for name, code in progs.items():
                n = args.runs
                totals["pool"][name] += timed(lambda c: pool.run(c).status == "ok", [code] * n, args.workers)
                counts["pool"][name] += n
                totals["plain"][name] += timed(lambda c: run_plain(python, c), [code] * n, args.workers)
                counts["plain"][name] += n
                if fresh is not None:
                    m = max(4, n // 8)
                    totals["fresh"][name] += timed(lambda c: fresh.run(c).status == "ok", [code] * m, args.workers)
                    counts["fresh"][name] += m
        layers = list(pool.layers)
    rate = {side: {name: counts[side][name] / totals[side][name] for name in progs} for side in sides}
    header = f"{'program':<14}" + "".join(f"{side + ' runs/s':>16}" for side in sides) + f"{'pool/plain':>12}"
    print(header)
    for name in progs:
        row = f"{name:<14}" + "".join(f"{rate[side][name]:>16.1f}" for side in sides)
        print(row + f"{rate['pool'][name] / rate['plain'][name]:>11.2f}x")
    ratios = {name: rate["pool"][name] / rate["plain"][name] for name in progs}
    verdict = all(r >= 1.5 for r in ratios.values())
    print(
        f"target pool >= 1.5 x plain on all three: {'met' if verdict else 'NOT met'}; "
        f"load at the end {os.getloadavg()[0]:.2f}"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"rates": rate, "ratios": ratios, "layers": layers, "loop_n": loop_n, "workers": args.workers}, indent=2
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
