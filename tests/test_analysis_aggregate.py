"""Aggregate: graded shards -> one Parquet table; malformed records and duplicates are named by file and line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from codenl.analysis.aggregate import COLUMNS, collect
from codenl.cli import main
from codenl.errors import RecordError
from codenl.records import write_jsonl_atomic

ROOT = Path(__file__).resolve().parents[1]
BIG = 2**70 + 1  # past 2^53: a float would lose it


def graded(iid: str, arm: str, *, model: str = "mistralai/codestral-2508", outcome: str = "correct", **kw) -> dict:
    rec = {
        "instance_id": iid,
        "kind": "mul",
        "family": "fine_grained",
        "algorithm": None,
        "size": 20,
        "seed": 1,
        "index": 0,
        "model": model,
        "arm": arm,
        "outcome": outcome,
        "correct": outcome == "correct",
        "answer": BIG if outcome in ("correct", "wrong") else None,
        "gold": BIG,
        "detail": "",
        "fidelity": True if arm in ("sim", "controlsim") else None,
        "prompt_tokens": None if arm == "code" else 120,
        "completion_tokens": None if arm == "code" else 340,
        "reasoning_tokens": None,
        "cost": None if arm == "code" else 0.0012,
        "latency_s": None if arm == "code" else 2.5,
        "prompt_version": None if arm == "code" else f"{arm}/1",
        "generator_version": "mul/1",
        "grader_version": "grader/1",
        "harness_version": "harness/1" if arm == "code" else None,
    }
    rec.update(kw)
    return rec


def _shard(path: Path, records: list[dict]) -> str:
    write_jsonl_atomic(path, records)
    return str(path)


def _instance(iid: str, **kw) -> list[dict]:
    return [graded(iid, arm, **kw) for arm in ("nl", "sim", "controlsim", "code")]


def test_round_trip_through_the_cli_keeps_types_and_big_ints(tmp_path):
    a = _shard(tmp_path / "a.jsonl", _instance("0123456789abcdef") + _instance("fedcba9876543210", outcome="wrong"))
    b = _shard(tmp_path / "b.jsonl", _instance("00000000000000aa", model="smollm2-135m", outcome="parse_error"))
    out = tmp_path / "agg" / "records.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "codenl", "aggregate", "--graded", a, b, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    df = pd.read_parquet(out)
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == 12
    assert json.loads(df.loc[0, "answer"]) == BIG and json.loads(df.loc[0, "gold"]) == BIG
    assert df.loc[df["outcome"] == "parse_error", "answer"].map(json.loads).isna().all()
    assert df["correct"].dtype == bool and int(df["correct"].sum()) == 4
    code = df[df["arm"] == "code"]
    assert code["prompt_tokens"].isna().all() and code["fidelity"].isna().all()
    assert df.loc[df["arm"] == "nl", "prompt_tokens"].dropna().astype(int).tolist() == [120, 120, 120]
    assert dict(zip(df["model"], df["provider"], strict=True)) == {
        "mistralai/codestral-2508": "mistralai",
        "smollm2-135m": "local",
    }
    assert df.loc[0, "source"] == f"{a}:1"


def test_configured_provider_names_a_model_without_org(tmp_path):
    a = _shard(tmp_path / "a.jsonl", _instance("0123456789abcdef", model="smollm2-135m"))
    df = collect([a], {"smollm2-135m": "ollama"})
    assert set(df["provider"]) == {"ollama"}


def test_duplicate_across_shards_names_both_places(tmp_path):
    a = _shard(tmp_path / "a.jsonl", _instance("0123456789abcdef"))
    b = _shard(tmp_path / "b.jsonl", [graded("0123456789abcdef", "sim")])
    with pytest.raises(
        RecordError,
        match=rf"{b}:1: duplicate record for instance 0123456789abcdef .* arm sim "
        rf"\(first at {a}:2\)",
    ):
        collect([a, b])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"size": "20"}, "field 'size' should be int, got str"),
        ({"seed": True}, "field 'seed' should be int, got bool"),
        ({"correct": 1}, "field 'correct' should be bool, got int"),
        ({"arm": "cot"}, "field 'arm' is 'cot'"),
        ({"outcome": "partial"}, "field 'outcome' is 'partial'"),
        ({"outcome": "wrong"}, "field 'correct' is True but outcome is 'wrong'"),
        ({"cost": "cheap"}, "field 'cost' should be int or float or null"),
    ],
)
def test_malformed_record_is_named_by_file_line_and_field(tmp_path, change, message):
    recs = _instance("0123456789abcdef")
    recs[2] = {**recs[2], **change}
    path = _shard(tmp_path / "g.jsonl", recs)
    with pytest.raises(RecordError) as err:
        collect([path])
    assert str(err.value).startswith(f"{path}:3: ")
    assert message in str(err.value)


def test_missing_field_and_bad_json_line(tmp_path, capsys):
    recs = _instance("0123456789abcdef")
    del recs[1]["outcome"]
    path = _shard(tmp_path / "g.jsonl", recs)
    with pytest.raises(RecordError, match=rf"{path}:2: missing field 'outcome'"):
        collect([path])
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(graded("0123456789abcdef", "nl")) + "\n{not json\n")
    assert main(["aggregate", "--graded", str(bad), "--out", str(tmp_path / "r.parquet")]) == 1
    assert f"{bad}:2: not valid JSON" in capsys.readouterr().err
    assert not (tmp_path / "r.parquet").exists()
