"""Shard paths of a run (codenl.layout) and ``aggregate --configfile``, which reads exactly the run's graded shards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from codenl import layout
from codenl.records import write_jsonl_atomic

from .test_analysis_aggregate import graded

CONFIG = {
    "models": [{"name": "org/m", "provider": "openai_compatible", "base_url": "http://127.0.0.1:9/v1"}],
    "seeds": [0, 1],
    "kinds": ["add", "tsp_d"],
    "sizes": {"add": [2, 3], "tsp_d": [5]},
    "n": {"default": 1},
}


def test_run_shards_follow_the_configuration() -> None:
    got = layout.run_shards(CONFIG, layout.GRADED)
    want = [
        f"results/graded/org--m/{kind}/{size}/seed{seed}.jsonl"
        for seed in (0, 1)
        for kind, sizes in (("add", (2, 3)), ("tsp_d", (5,)))
        for size in sizes
    ]
    assert got == want
    assert layout.run_shards(CONFIG, layout.EXECUTIONS, "/x/res/")[0] == "/x/res/executions/org--m/add/2/seed0.jsonl"
    # the rules' templates keep their wildcards when formatted with them
    assert layout.GRADED.format(model="{model}", kind="{kind}", size=2, seed="{seed}") == (
        "results/graded/{model}/{kind}/2/seed{seed}.jsonl"
    )


def test_aggregate_from_the_configuration_reads_its_shards_and_no_stale_one(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    results = tmp_path / "results"
    for i, path in enumerate(layout.run_shards(CONFIG, layout.GRADED, str(results))):
        kind, size, seed = path.split("/")[-3], int(path.split("/")[-2]), int(path.split("seed")[-1][0])
        rec = {"model": "org/m", "kind": kind, "size": size, "seed": seed}
        write_jsonl_atomic(path, [graded(f"{i:016x}", arm, **rec) for arm in ("nl", "sim", "controlsim", "code")])
    # a shard of an earlier configuration (a kind no longer configured) stays on disk: it must not be read
    stale = results / "graded" / "org--m" / "mul" / "2" / "seed0.jsonl"
    write_jsonl_atomic(stale, [graded("ffffffffffffffff", "nl", model="org/m")])
    out = tmp_path / "records.parquet"
    cmd = [sys.executable, "-m", "codenl", "aggregate", "--configfile", str(config), "--results", str(results)]
    done = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    df = pd.read_parquet(out)
    assert len(df) == 6 * 4 and "mul" not in set(df["kind"]) and set(df["provider"]) == {"org"}
    # a configured shard that is missing is an error naming it, not a silently smaller table
    Path(layout.run_shards(CONFIG, layout.GRADED, str(results))[-1]).unlink()
    done = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "tsp_d/5/seed1.jsonl" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "codenl", "aggregate", "--out", str(out)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "--graded" in done.stderr
