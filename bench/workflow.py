"""Workflow overhead, measured: `snakemake -n` on the plan's configuration, and a run against the fake server.

    python bench/workflow.py                 # both measurements (about 2.5 minutes on 2 cores)
    python bench/workflow.py --dry-run-only

1. Dry run of workflow/experiments/scaled_code_nl.yaml (the plan: 41,640 instances, ~1,500 coarse jobs):
   wall and CPU seconds of `snakemake -n -q` (target under 20 s), median of --repeat runs.
2. A run of every kind against the fake OpenAI-compatible server (tests/fake_openai.py) with --cores 1, so that
   jobs do not overlap: the wall time W of the whole `snakemake` command against J, the sum of the jobs' own
   durations (start and end of each job as Snakemake recorded them in .snakemake/metadata).  W - J is what the
   workflow adds: start-up and DAG, scheduling, bookkeeping.  Printed: W, J, (W - J) / W (target under 10%),
   the per-job cost, and that cost for the plan's job count set against the plan's API time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
BASE = [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--profile", str(ROOT / "workflow" / "profiles" / "local")]
PLAN = ROOT / "workflow" / "experiments" / "scaled_code_nl.yaml"


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], **kw: object) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    cpu0, t0 = children_cpu(), time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    return time.perf_counter() - t0, children_cpu() - cpu0, out


def job_count(text: str) -> int:
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "total" and parts[1].isdigit():
            return int(parts[1])
    return -1


def dry_run(repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="codenl-bench-dry-") as work:
        env = {**os.environ, "OPENROUTER_API_KEY": os.environ.get("OPENROUTER_API_KEY", "unused-in-a-dry-run")}
        walls, cpus, jobs = [], [], -1
        for _ in range(repeat):
            wall, cpu, out = timed([*BASE, "-d", work, "--configfile", str(PLAN), "-n"], env=env)
            if out.returncode != 0:
                raise SystemExit(f"dry run failed:\n{out.stderr[-3000:]}")
            walls.append(wall)
            cpus.append(cpu)
            jobs = job_count(out.stdout + out.stderr)
    return {"jobs": jobs, "wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus)}


def job_durations(workdir: Path) -> list[tuple[str, float, float]]:
    """``(rule, start, end)`` of every job, from Snakemake's metadata (one record per output file, each with its
    job's hash; the start is each output's own marker time, so a job spans the earliest to the latest)."""
    seen: dict[tuple[str, int], tuple[float, float]] = {}
    for path in (workdir / ".snakemake" / "metadata").rglob("*"):
        if path.is_file():
            try:
                rec = json.loads(path.read_text())
            except ValueError:
                continue
            if rec.get("starttime") and rec.get("endtime"):
                key = (rec["rule"], rec["job_hash"])
                start, end = seen.get(key, (rec["starttime"], rec["endtime"]))
                seen[key] = (min(start, rec["starttime"]), max(end, rec["endtime"]))
    # run: blocks record their end a moment before their start marker: count them as 0 s
    return [(rule, start, max(start, end)) for (rule, _), (start, end) in seen.items()]


def run_against_fake(latency: float, n: int, window: int) -> dict[str, float]:
    from codenl.problems import KIND_NAMES
    from fake_openai import FakeServerThread

    with tempfile.TemporaryDirectory(prefix="codenl-bench-run-") as tmp, FakeServerThread(latency=latency) as srv:
        work = Path(tmp)
        cfg = {
            "models": [{"name": "fake/model", "provider": "openai_compatible", "base_url": srv.url}],
            "kinds": list(KIND_NAMES),
            "sizes": {"fine_grained": [4], "clrs": [4], "nphard": [6]},
            "n": {"default": n},
            "sampling": {"max_tokens": 256},
            "concurrency": {"openai_compatible": {"jobs": 1, "window": window}},
            "sandbox": {"allow_degraded": True, "workers": 1},
            "validation": {"max_parse_error_rate": 1.0},
        }
        (work / "bench.yaml").write_text(yaml.safe_dump(cfg))
        wall, cpu, out = timed([*BASE, "-d", str(work), "--cores", "1", "--configfile", str(work / "bench.yaml")])
        if out.returncode != 0:
            raise SystemExit(f"run failed:\n{out.stderr[-5000:]}")
        jobs = job_durations(work)
        busy = sum(end - start for _, start, end in jobs)
        first = min(start for _, start, _ in jobs)
        last = max(end for _, _, end in jobs)
        by_rule: dict[str, float] = {}
        for rule, start, end in jobs:
            key = rule.split("_")[0] if rule.split("_")[0] in ("generate", "query", "execute", "grade") else rule
            by_rule[key] = by_rule.get(key, 0.0) + end - start
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "jobs": len(jobs),
        "busy_s": busy,
        "startup_s": wall - (last - first),
        "between_jobs_s": (last - first) - busy,
        "by_rule": by_rule,
    }  # type: ignore[dict-item]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dry-run-only", action="store_true")
    p.add_argument("--repeat", type=int, default=3, help="dry runs to take the median of (default 3)")
    p.add_argument("--latency", type=float, default=0.5, help="fake server latency per request, s (default 0.5)")
    p.add_argument("--n", type=int, default=8, help="instances per kind (default 8)")
    p.add_argument("--window", type=int, default=4, help="requests in flight per query job (default 4)")
    args = p.parse_args()

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    d = dry_run(args.repeat)
    print(
        f"dry run of the plan ({PLAN.name}): {d['jobs']:,} jobs, {d['wall_s']:.1f} s wall "
        f"(target < 20 s), {d['cpu_s']:.1f} s CPU, median of {args.repeat}"
    )
    if args.dry_run_only:
        return 0
    r = run_against_fake(args.latency, args.n, args.window)
    overhead = r["wall_s"] - r["busy_s"]
    per_job = r["between_jobs_s"] / max(r["jobs"], 1)
    print(
        f"run against the fake server (19 kinds, n={args.n}, latency {args.latency} s, window {args.window}, "
        f"--cores 1): {r['jobs']} jobs"
    )
    print(
        f"  wall W = {r['wall_s']:.1f} s; jobs' own time J = {r['busy_s']:.1f} s "
        f"({', '.join(f'{k} {v:.0f} s' for k, v in sorted(r['by_rule'].items(), key=lambda kv: -kv[1]))})"
    )
    print(
        f"  workflow overhead W - J = {overhead:.1f} s = {overhead / r['wall_s']:.1%} of W (target < 10%): "
        f"start-up and DAG {r['startup_s']:.1f} s, between jobs {r['between_jobs_s']:.1f} s "
        f"({per_job * 1000:.0f} ms a job)"
    )
    plan_jobs = d["jobs"]
    # the plan: 124,920 requests through 4 jobs x 32 in flight; 10 s a reply is a typical OpenRouter latency
    api_s = 124_920 / (4 * 32) * 10
    plan_overhead = d["wall_s"] + plan_jobs * per_job
    print(
        f"  extrapolated to the plan: {plan_jobs:,} jobs x {per_job * 1000:.0f} ms + {d['wall_s']:.0f} s of DAG "
        f"= {plan_overhead / 60:.1f} min, against ~{api_s / 3600:.1f} h of API time at 10 s a reply "
        f"({plan_overhead / api_s:.2%})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
