"""stats and plots through the command line, on the embedded default's shape: one model, one seed, near-zero
accuracy, mostly parse errors (statistics are undefined there and must say "not testable", never crash)."""

from __future__ import annotations

import json

import pandas as pd
from PIL import Image

from codenl.analysis.synthetic import FINE_GRAINED, NPHARD, synthetic_records
from codenl.cli import main

KINDS = [(k, 2, 1) for k in FINE_GRAINED] + [("clrs30", 4, 1)] + [(k, 5, 1) for k in NPHARD]


class _Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _run(capsys, *args: str) -> _Result:
    """``python -m codenl ARGS`` in this process (the dispatcher is the same; no interpreter start-up)."""
    code = main(list(args))
    out = capsys.readouterr()
    return _Result(code, out.out, out.err)


def test_embedded_default_shape_runs_stats_and_plots(tmp_path, capsys):
    recs = synthetic_records(
        {"smollm2-135m-instruct": {"nl": 0.0, "sim": 0.0, "controlsim": 0.05, "code": 0.1}}, [0], KINDS, rng_seed=11
    )
    recs.loc[recs["outcome"] == "wrong", "outcome"] = "parse_error"
    recs.loc[recs.index[:2], ["outcome", "correct"]] = ["infra_error", False]
    path = tmp_path / "records.parquet"
    recs.to_parquet(path)
    stats_dir, fig_dir = tmp_path / "stats", tmp_path / "figures"
    proc = _run(capsys, "stats", "--records", str(path), "--out", str(stats_dir), "--n-boot", "200")
    assert proc.returncode == 0, proc.stderr
    assert "2 infra errors excluded" in proc.stdout
    verdicts = json.loads((stats_dir / "hypotheses.json").read_text())
    by_id = {r["id"]: r for r in verdicts["rows"]}
    assert by_id["S2"]["verdict"] == "not testable" and "1 model(s)" in by_id["S2"]["why"]
    assert by_id["A3"]["verdict"] == "not testable"
    md = (stats_dir / "hypotheses.md").read_text()
    assert "| S2 |" in md and "not testable" in md and "2 rows excluded as missing" in md
    report = (stats_dir / "report.md").read_text()
    assert "![Accuracy per arm" in report and "(../figures/line.png)" in report
    assert "[comparisons.csv](comparisons.csv)" in report
    # the pooled row's cells are (model, kind, size), and its tests do not cluster instances: said so
    assert "over (model, kind, size) cells for All models" in report
    assert "treat the models' answers to one instance as independent" in report
    acc = pd.read_csv(stats_dir / "accuracy_model_arm.csv")
    assert list(acc["arm"]) == ["nl", "sim", "controlsim", "code"]
    assert acc["n_infra_excluded"].sum() == 2
    anova_note = json.loads((stats_dir / "summary.json").read_text())["anova_model_arm_note"]
    assert "factor 'model' has one level" in anova_note

    proc = _run(capsys, "plots", "--records", str(path), "--stats", str(stats_dir), "--out", str(fig_dir))
    assert proc.returncode == 0, proc.stderr
    for name in ("line.png", "by_kind.png", "by_size.png", "heatmap.png", "pvals.png", "outcomes.png"):
        with Image.open(fig_dir / name) as img:
            assert img.size[0] > 400 and img.size[1] > 250, name


def test_plots_refuse_stale_statistics_and_missing_inputs(tmp_path, capsys):
    recs = synthetic_records(
        {"a/x": {"nl": 0.2, "sim": 0.3, "controlsim": 0.3, "code": 0.6}}, [0], KINDS[:3], rng_seed=1
    )
    path = tmp_path / "records.parquet"
    recs.to_parquet(path)
    assert _run(capsys, "stats", "--records", str(path), "--out", str(tmp_path / "s"), "--n-boot", "50").returncode == 0
    recs.assign(model="b/y").to_parquet(path)
    proc = _run(capsys, "plots", "--records", str(path), "--stats", str(tmp_path / "s"), "--out", str(tmp_path / "f"))
    assert proc.returncode == 2 and "re-run the stats stage" in proc.stderr
    proc = _run(capsys, "stats", "--records", str(tmp_path / "nope.parquet"), "--out", str(tmp_path / "s"))
    assert proc.returncode == 2 and "nope.parquet: no such file" in proc.stderr
    recs.drop(columns=["kind"]).to_parquet(path)
    proc = _run(capsys, "stats", "--records", str(path), "--out", str(tmp_path / "s2"))
    assert proc.returncode == 2 and "lacks column(s): kind" in proc.stderr
