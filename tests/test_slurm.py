"""The workflow on a real single-node SLURM cluster through workflow/profiles/slurm, against the fake server.

Needs root and Debian's slurm-wlm and munge (scripts/setup-system.sh installs them; CI runs as root).  Every shard
job goes through sbatch and starts its own Snakemake (~2-3 s each), so the grid is one kind, one size, one
instance: generate -> query nl, sim -> query controlsim, execute -> grade on the cluster, then aggregate on the
submitting machine (a local rule).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from codenl.records import read_jsonl

from .conftest import ROOT
from .fake_openai import FakeServerThread
from .slurm_cluster import SlurmCluster, missing_requirements

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.slow,
    pytest.mark.skipif(missing_requirements() is not None, reason=f"no test cluster: {missing_requirements()}"),
]

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def test_tiny_workflow_runs_through_the_slurm_profile(tmp_path: Path) -> None:
    log = tmp_path / "requests.log"
    with FakeServerThread(log_path=log) as srv, SlurmCluster() as cluster:
        (tmp_path / "tiny.yaml").write_text(
            yaml.safe_dump(
                {
                    "models": [{"name": "fake/model", "provider": "openai_compatible", "base_url": srv.url}],
                    "kinds": ["add"],
                    "sizes": {"add": [2]},
                    "n": {"default": 1},
                    "sampling": {"max_tokens": 64},
                    "sandbox": {"allow_degraded": True, "workers": 1},
                }
            )
        )
        started = time.monotonic()
        out = subprocess.run(
            [
                SNAKEMAKE,
                "-s",
                str(ROOT / "Snakefile"),
                "-d",
                str(tmp_path),
                "--profile",
                str(ROOT / "workflow" / "profiles" / "slurm"),
                "--configfile",
                str(tmp_path / "tiny.yaml"),
                # this cluster has no accounting daemon (no sacct, no accounts) and should be polled often
                "--slurm-status-command",
                "squeue",
                "--slurm-no-account",
                "--slurm-init-seconds-before-status-checks",
                "3",
                "--seconds-between-status-checks",
                "1",
                "--latency-wait",
                "5",
                "results/aggregate/records.parquet",
            ],
            env=cluster.env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        elapsed = time.monotonic() - started
        assert out.returncode == 0, f"{out.stderr[-6000:]}\n{cluster.log_tail()}"
        jobs = cluster.jobs()
    # the six shard jobs ran as SLURM jobs and completed
    assert len(jobs) == 6 and all(" COMPLETED " in j for j in jobs), jobs
    submitted = [line for line in out.stderr.splitlines() if "has been submitted with SLURM jobid" in line]
    assert len(submitted) == 6 and "localrule aggregate:" in out.stderr
    graded = list(read_jsonl(tmp_path / "results" / "graded" / "fake--model" / "add" / "2" / "seed0.jsonl"))
    assert Counter(r["arm"] for r in graded) == {"nl": 1, "sim": 1, "controlsim": 1, "code": 1}
    assert all(r["outcome"] in ("correct", "wrong") for r in graded), graded
    assert (tmp_path / "results" / "aggregate" / "records.parquet").stat().st_size > 0
    requests = [line for line in log.read_text().splitlines() if line.strip()]
    assert len(requests) == 3  # nl, sim, controlsim: each once
    print(f"slurm workflow: 6 cluster jobs + aggregate in {elapsed:.0f} s")
