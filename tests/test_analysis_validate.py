"""Validation: catches a missing cell, a NaN, a duplicate, unbalanced arms and error rates, naming the cell."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from codenl.analysis.synthetic import synthetic_records
from codenl.analysis.validate import DEFAULT_THRESHOLDS, merge_thresholds, validate
from codenl.cli import main
from codenl.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("mistralai/codestral-2508", "google/gemini-2.0-flash-001")
CELLS = [("add", 2, 6), ("add", 4, 6), ("clrs30", 4, 5), ("tsp", 5, 4)]
FAMILY = {"add": "fine_grained", "clrs30": "clrs", "tsp": "nphard"}


def _expected(models=MODELS, seeds=(0, 1), cells=CELLS):
    return [
        {"model": m, "seed": s, "kind": k, "family": FAMILY[k], "size": d, "n": n}
        for m in models
        for s in seeds
        for k, d, n in cells
    ]


def _records(**kw):
    acc = {m: {"nl": 0.4, "sim": 0.5, "controlsim": 0.5, "code": 0.8} for m in MODELS}
    return synthetic_records(acc, [0, 1], CELLS, rng_seed=3, **kw)


def _errors(rep, check):
    return [f for f in rep.errors if f.check == check]


def test_clean_table_passes():
    rep = validate(_records(), _expected(), {})
    assert rep.ok, [f.line() for f in rep.errors]
    assert rep.summary["n_rows"] == 2 * 2 * 21 * 4
    assert set(rep.rates["arm"]) == {"nl", "sim", "controlsim", "code"}
    assert (rep.totals["expected"] == rep.totals["found"]).all()


def test_missing_cell_is_named():
    df = _records()
    df = df[~((df["model"] == MODELS[1]) & (df["seed"] == 1) & (df["kind"] == "clrs30"))]
    rep = validate(df, _expected(), {})
    assert not rep.ok
    (miss,) = _errors(rep, "missing cell")
    assert miss.cell == {"model": MODELS[1], "seed": 1, "kind": "clrs30", "size": 4}
    assert "expected 5 instances" in miss.message


def test_missing_row_names_cell_arm_and_instance():
    df = _records()
    drop = df[(df["kind"] == "tsp") & (df["arm"] == "code") & (df["model"] == MODELS[0]) & (df["seed"] == 0)].index[0]
    rep = validate(df.drop(index=drop), _expected(), {})
    (count,) = _errors(rep, "count")
    assert count.cell == {"model": MODELS[0], "seed": 0, "kind": "tsp", "size": 5, "arm": "code"}
    assert count.message == "3 rows, expected 4"
    (arms,) = _errors(rep, "arms")
    assert arms.cell["instance_id"] == df.loc[drop, "instance_id"]
    assert "['controlsim', 'nl', 'sim']" in arms.message


def test_nan_in_a_required_column_is_caught():
    df = _records()
    df["correct"] = df["correct"].astype(object)
    df.loc[5, "correct"] = np.nan
    df.loc[7, "outcome"] = None
    rep = validate(df, _expected(), {})
    missing = _errors(rep, "missing")
    assert {f.message.split("'")[1] for f in missing} == {"correct", "outcome"}
    assert missing[0].cell["model"] == df.loc[5, "model"]


def test_duplicate_row_is_caught():
    df = _records()
    rep = validate(pd.concat([df, df.iloc[[10]]], ignore_index=True), _expected(), {})
    (dup,) = _errors(rep, "duplicate")
    assert dup.cell["instance_id"] == df.loc[10, "instance_id"] and dup.cell["arm"] == df.loc[10, "arm"]


def test_infra_error_rate_above_threshold_names_model_and_arm():
    df = _records()
    sel = df[(df["model"] == MODELS[1]) & (df["arm"] == "sim")].index[:5]  # 5 / 42 = 0.119
    df.loc[sel, "outcome"] = "infra_error"
    df.loc[sel, "correct"] = False
    rep = validate(df, _expected(), {"max_infra_error_rate": 0.1})
    (infra,) = _errors(rep, "infra rate")
    assert infra.cell == {"model": MODELS[1], "arm": "sim"}
    assert "0.119 (5/42)" in infra.message
    relaxed = validate(df, _expected(), {"max_infra_error_rate": 0.2})
    assert relaxed.ok and any(w.check == "infra rate" for w in relaxed.warnings)


def test_parse_error_rate_threshold_is_configurable():
    df = _records()
    rep = validate(df, _expected(), {"max_parse_error_rate": 0.05})
    assert {(f.cell["arm"]) for f in _errors(rep, "parse rate")} >= {"nl"}
    assert validate(df, _expected(), {}).ok  # off by default: a weak model legitimately fails to answer


def test_unexpected_cell_and_uncovered_size_and_wrong_family():
    df = _records()
    rep = validate(df, _expected(cells=CELLS[:1] + CELLS[2:] + [("add", 6, 6)]), {})
    assert any(f.cell.get("size") == 4 and f.cell.get("kind") == "add" for f in _errors(rep, "unexpected cell"))
    assert any("[6]" in f.message for f in _errors(rep, "coverage"))
    df.loc[df["kind"] == "tsp", "family"] = "clrs"
    assert _errors(validate(df, _expected(), {}), "family")


def test_inconsistent_correct_and_unknown_outcome():
    df = _records()
    df.loc[0, "correct"] = not df.loc[0, "correct"]
    df.loc[1, "outcome"] = "maybe"
    rep = validate(df, _expected(), {})
    msgs = " ".join(f.message for f in _errors(rep, "values"))
    assert "disagrees" in msgs and "'maybe'" in msgs


def test_thresholds_merge_and_reject_unknown_keys():
    assert merge_thresholds({}) == DEFAULT_THRESHOLDS
    assert merge_thresholds({"max_infra_error_rate": 0.02})["max_infra_error_rate"] == 0.02
    with pytest.raises(UsageError, match=r"validation\.max_nan_rate: unknown threshold"):
        merge_thresholds({"max_nan_rate": 0.1})
    with pytest.raises(UsageError, match="in \\[0, 1\\]"):
        merge_thresholds({"max_parse_error_rate": 2})


def test_missing_column_stops_early():
    rep = validate(_records().drop(columns=["family"]), _expected(), {})
    assert [f.check for f in rep.errors] == ["columns"] and "family" in rep.errors[0].message


def test_report_renders_markdown_and_json():
    df = _records()
    df = df[~((df["kind"] == "add") & (df["size"] == 4) & (df["seed"] == 0))]
    rep = validate(df, _expected(), {})
    md = rep.to_markdown()
    assert md.startswith("# Validation report") and "**FAIL**" in md
    assert "[missing cell] model=mistralai/codestral-2508, seed=0, kind=add, size=4" in md
    data = json.loads(json.dumps(rep.to_json()))
    assert data["ok"] is False and data["errors"][0]["check"] == "missing cell"


def _default_config_records(accuracy: dict[str, float], rng_seed: int):
    """The embedded default config's expected cells, its model, and a synthetic records table filling them."""
    from codenl.config import expected_cells, load_config

    cells = expected_cells(load_config([str(ROOT / "config.yaml")]))
    model = cells[0]["model"]
    grid = [(c["kind"], c["size"], c["n"]) for c in cells]
    df = synthetic_records({model: accuracy}, [cells[0]["seed"]], grid, rng_seed=rng_seed)
    df["family"] = df["kind"].map({c["kind"]: c["family"] for c in cells})
    return cells, model, df


def test_cli_with_the_embedded_default_config(tmp_path, capsys):
    cells, model, df = _default_config_records({"nl": 0.0, "sim": 0.0, "controlsim": 0.0, "code": 0.05}, 1)
    df.to_parquet(tmp_path / "records.parquet")
    args = [
        "validate",
        "--records",
        str(tmp_path / "records.parquet"),
        "--configfile",
        str(ROOT / "config.yaml"),
        "--out-md",
        str(tmp_path / "v.md"),
        "--out-json",
        str(tmp_path / "v.json"),
    ]
    assert main(args) == 0, capsys.readouterr()
    assert json.loads((tmp_path / "v.json").read_text())["ok"] is True
    dropped = cells[-1]["kind"]
    df[df["kind"] != dropped].to_parquet(tmp_path / "records.parquet")
    capsys.readouterr()
    assert main(args) == 1
    assert f"[missing cell] model={model}, seed=0, kind={dropped}" in capsys.readouterr().out
    assert "**FAIL**" in (tmp_path / "v.md").read_text()


def test_a_failed_validation_keeps_its_report_under_a_name_snakemake_does_not_delete(tmp_path, capsys):
    cells, _model, df = _default_config_records({"nl": 0.5, "sim": 0.5, "controlsim": 0.5, "code": 0.5}, 2)
    md, js = tmp_path / "agg" / "validation.md", tmp_path / "agg" / "validation.json"
    args = [
        "validate",
        "--records",
        str(tmp_path / "records.parquet"),
        "--configfile",
        str(ROOT / "config.yaml"),
        "--out-md",
        str(md),
        "--out-json",
        str(js),
    ]
    df[df["kind"] != cells[0]["kind"]].to_parquet(tmp_path / "records.parquet")  # one configured kind missing
    assert main(args) == 1
    captured = capsys.readouterr()
    kept = tmp_path / "agg" / "validation.failed.md"
    # what Snakemake does to the outputs of a failed job
    md.unlink()
    js.unlink()
    assert "**FAIL**" in kept.read_text() and "[missing cell]" in kept.read_text()
    assert json.loads((tmp_path / "agg" / "validation.failed.json").read_text())["ok"] is False
    last = captured.out.strip().splitlines()[-1]
    assert last.startswith("validate: FAIL:") and last.endswith(f"report: {kept}")
    assert captured.err.strip() == last
    # a passing validation removes the stale copies
    df.to_parquet(tmp_path / "records.parquet")
    assert main(args) == 0, capsys.readouterr()
    assert md.exists() and not kept.exists() and not (tmp_path / "agg" / "validation.failed.json").exists()
    assert capsys.readouterr().out.strip().endswith(f"report: {md}")
