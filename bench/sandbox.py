"""Executions per second: the fully isolated sandbox pool vs plain ``subprocess.run`` without any isolation.

    .venv/bin/python bench/sandbox.py [--runs 30] [--rounds 8] [--workers 2] [--fresh] [--json FILE]

Programs: a trivial one (``print(1)``), a 10 ms pure-Python loop (calibrated on this machine at start-up, timed
as a program runs it: at module level) and a numpy one (import, a 100x100 matrix product).  Sides:

* ``pool``: the sandbox as ``execute`` runs it by default (every layer; a program may import the standard
  library only), on the two numpy-free programs;
* ``pool+numpy``: the same with numpy allowed (``sandbox.allowed_packages: [numpy]``), so the workers preload
  it: every program, the numpy-free ones included (what allowing numpy costs them);
* ``plain``: ``subprocess.run([python, "-c", code])`` with the environment's real interpreter: no limits, no
  isolation, nothing killed afterwards;
* ``fresh`` (with ``--fresh``): the sandbox's fresh-process mode (every layer, a new worker per program).

Every side runs the same programs with the same parallelism (``--workers`` at a time).  The machines this runs
on are shared and their speed drifts by tens of percent within seconds, so the sides take turns in short
batches (``--runs`` programs each, the order reversed every round), and what is reported for each pair is the
median over ``--rounds`` of the ratio measured within one round (its range beside it).

Target: ``pool`` >= 1.5 x ``plain`` on the trivial and the 10 ms program, ``pool+numpy`` >= 1.5 x ``plain`` on
the numpy program.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from codenl.sandbox.limits import Limits
from codenl.sandbox.pool import Sandbox, SandboxConfig

TARGET = 1.5


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


#: which side runs which program, and the pairs the target is about
SIDE_PROGRAMS = {
    "pool": ("trivial", "python_10ms"),
    "pool+numpy": ("trivial", "python_10ms", "numpy"),
    "plain": ("trivial", "python_10ms", "numpy"),
    "fresh": ("trivial", "python_10ms"),
}
TARGETS = (("pool", "trivial"), ("pool", "python_10ms"), ("pool+numpy", "numpy"))


def run_plain(python: str, code: str) -> bool:
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return proc.returncode == 0 and bool(proc.stdout)


def rate(fn, code: str, n: int, workers: int) -> float:
    """Programs per second, ``n`` runs of ``code``, ``workers`` at a time."""
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as ex:
        ok = list(ex.map(fn, [code] * n))
    took = time.perf_counter() - start
    if not all(ok):
        raise SystemExit(f"bench: {ok.count(False)} of {n} runs failed")
    return n / took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="programs per side, program and round (default 30)")
    parser.add_argument("--rounds", type=int, default=8, help="rounds, each side in turn (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="parallel runs on each side (default 2)")
    parser.add_argument("--fresh", action="store_true", help="also measure the fresh-process mode")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()

    python = sys.executable  # the environment's interpreter (a venv link to the real binary, not a shim)
    loop_n = calibrate_loop()
    progs = programs(loop_n)
    limits = Limits(cpu_s=10, memory_mb=512)
    sandboxes = {
        "pool": Sandbox(SandboxConfig(limits=limits), workers=args.workers),
        "pool+numpy": Sandbox(SandboxConfig(limits=limits, packages=("numpy",)), workers=args.workers),
    }
    if args.fresh:
        sandboxes["fresh"] = Sandbox(SandboxConfig(limits=limits), workers=args.workers, mode="fresh")
    runners = {name: (lambda c, sb=sb: sb.run(c).status == "ok") for name, sb in sandboxes.items()}
    runners["plain"] = lambda c: run_plain(python, c)
    sides = list(runners)
    rates: dict[str, dict[str, list[float]]] = {s: {p: [] for p in SIDE_PROGRAMS[s]} for s in sides}
    try:
        for sb in sandboxes.values():
            sb.start()
        layers = list(sandboxes["pool"].layers)
        print(
            f"layers: {', '.join(layers)}; {args.workers} workers; loop of {loop_n} iterations; "
            f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}; {args.rounds} rounds of {args.runs} runs",
            flush=True,
        )
        for side in sides:  # warm-up (page cache, worker imports)
            for name in SIDE_PROGRAMS[side]:
                assert runners[side](progs[name]), (side, name)
        for rnd in range(args.rounds):
            for name, code in progs.items():
                order = sides if rnd % 2 == 0 else sides[::-1]
                for side in order:
                    if name in SIDE_PROGRAMS[side]:
                        n = args.runs if side != "fresh" else max(4, args.runs // 8)
                        rates[side][name].append(rate(runners[side], code, n, args.workers))
    finally:
        for sb in sandboxes.values():
            sb.close()

    def ratios(side: str, name: str) -> list[float]:
        return [a / b for a, b in zip(rates[side][name], rates["plain"][name], strict=True)]

    shown = [s for s in sides if s != "plain"]
    header = f"{'program':<13}" + "".join(f"{s + ' /s':>14}" for s in sides)
    print(header + "".join(f"{s + '/plain':>24}" for s in shown))
    for name in progs:
        row = f"{name:<13}"
        for side in sides:
            row += f"{statistics.median(rates[side][name]):>14.1f}" if name in SIDE_PROGRAMS[side] else f"{'':>14}"
        for side in shown:
            if name in SIDE_PROGRAMS[side]:
                r = ratios(side, name)
                row += f"{statistics.median(r):>10.2f}x [{min(r):.2f}-{max(r):.2f}]"
            else:
                row += f"{'':>24}"
        print(row)
    verdicts = {f"{side} {name}": statistics.median(ratios(side, name)) for side, name in TARGETS}
    met = all(v >= TARGET for v in verdicts.values())
    print(
        f"target (median ratio >= {TARGET}: " + ", ".join(f"{k} {v:.2f}x" for k, v in verdicts.items()) + f"): "
        f"{'met' if met else 'NOT met'}; load at the end {os.getloadavg()[0]:.2f}"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "rates": rates,
                    "median_ratios": {f"{s} {n}": statistics.median(ratios(s, n)) for s in shown for n in rates[s]},
                    "target": verdicts,
                    "layers": layers,
                    "loop_n": loop_n,
                    "workers": args.workers,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
