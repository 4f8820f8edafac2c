"""The query stage end to end against the fake server: records, controlsim, kill and resume, the key never written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from codenl.llm.ledger import Ledger, hold_ledger
from codenl.records import read_jsonl
from tests.fake_openai import FakeServerThread, read_log

PYTHON = sys.executable  # the venv interpreter (realpath would leave the venv)
ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "workflow" / "schemas" / "response.schema.json").read_text())


def check_schema(records: list[dict[str, Any]]) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for rec in records:
        validator.validate(rec)


SECRET = "sk-or-v1-test-0123456789abcdef"
RESPONSE_FIELDS = {
    "instance_id", "kind", "size", "seed", "model", "provider", "arm", "prompt_version", "status", "request_key",
    "text", "reasoning", "finish_reason", "usage", "cost", "latency_s", "attempts", "answered_model",
    "answered_provider", "system_fingerprint", "error", "code_sha256",
}  # fmt: skip


def generate(tmp: Path, kind: str = "add", sizes: tuple[int, ...] = (2, 3), n: int = 4, seed: int = 1) -> list[Path]:
    out = tmp / "problems" / kind / "{size}" / f"seed{seed}.jsonl"
    subprocess.run(
        [PYTHON, "-m", "codenl", "generate", "--kind", kind, "--size", *map(str, sizes), "--seed", str(seed),
         "--n", str(n), "--out", str(out)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return [tmp / "problems" / kind / str(s) / f"seed{seed}.jsonl" for s in sizes]


def query_cmd(arm: str, url: str, problems: list[Path], outs: list[Path], ledger: Path, **extra: Any) -> list[str]:
    cmd = [
        PYTHON, "-m", "codenl", "query", "--arm", arm, "--model", "fake/model",
        "--provider", extra.pop("provider", "openai_compatible"), "--base-url", url,
        "--temperature", "0", "--top-p", "1", "--max-tokens", "64", "--window", str(extra.pop("window", 4)),
        "--max-attempts", str(extra.pop("max_attempts", 4)), "--request-timeout", "5", "--progress-every", "0.2",
        "--ledger", str(ledger), "--problems", *map(str, problems), "--out", *map(str, outs),
    ]  # fmt: skip
    if "sim" in extra:
        cmd += ["--sim", *map(str, extra.pop("sim"))]
    assert not extra
    return cmd


def run_query(
    cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


@pytest.mark.timeout(120)
def test_nl_sim_controlsim_records_follow_the_contract(tmp_path: Path) -> None:
    problems = generate(tmp_path)
    with FakeServerThread(log_path=tmp_path / "fake.jsonl", script=["500", "429:0"]) as srv:
        outs = {
            arm: [tmp_path / "resp" / arm / f"{p.parent.name}.jsonl" for p in problems]
            for arm in ("nl", "sim", "controlsim")
        }
        for arm in ("nl", "sim"):
            proc = run_query(query_cmd(arm, srv.url, problems, outs[arm], tmp_path / f"ledger-{arm}.jsonl"))
            assert proc.returncode == 0, proc.stderr
            assert "8/8 done" in proc.stderr
        proc = run_query(
            query_cmd(
                "controlsim", srv.url, problems, outs["controlsim"], tmp_path / "ledger-cs.jsonl", sim=outs["sim"]
            )
        )
        assert proc.returncode == 0, proc.stderr
    log = read_log(tmp_path / "fake.jsonl")
    assert len(log) == 8 * 3 + 2  # two transient faults retried
    for arm in ("nl", "sim", "controlsim"):
        for prob, out in zip(problems, outs[arm]):
            instances = list(read_jsonl(prob))
            records = list(read_jsonl(out))
            check_schema(records)
            assert [r["instance_id"] for r in records] == [i["id"] for i in instances]
            for inst, rec in zip(instances, records):
                assert set(rec) == RESPONSE_FIELDS
                assert rec["status"] == "ok" and rec["arm"] == arm and rec["provider"] == "openai_compatible"
                assert rec["seed"] == inst["seed"] and rec["size"] == inst["size"]
                assert rec["text"] and rec["usage"]["completion_tokens"] > 0
                assert rec["prompt_version"].startswith(arm + "/")
                assert (rec["code_sha256"] is not None) == (arm == "controlsim")
    # the instance's seed is sent with every request, and the arm's prompt reached the server
    assert {e["params"]["seed"] for e in log} == {1}
    cs = [e for e in log if "Here is a Python program" in e["messages"][0]["content"]]
    assert len(cs) == 8 and all("def solution():" in e["messages"][0]["content"] for e in cs)


@pytest.mark.timeout(120)
def test_controlsim_without_code_or_after_infra_error_sends_nothing(tmp_path: Path) -> None:
    problems = generate(tmp_path, sizes=(2,), n=3)
    insts = list(read_jsonl(problems[0]))
    base = {"kind": "add", "size": 2, "seed": 1, "model": "fake/model", "provider": "x", "arm": "sim"}
    sims = [
        {**base, "instance_id": insts[0]["id"], "status": "ok", "text": 'no program here {"answer": 3}'},
        {**base, "instance_id": insts[1]["id"], "status": "infra_error", "text": None},
        {
            **base,
            "instance_id": insts[2]["id"],
            "status": "ok",
            "text": "```python\ndef solution():\n    return 5\n```",
        },
    ]
    sim_file = tmp_path / "sim.jsonl"
    sim_file.write_text("".join(json.dumps(s) + "\n" for s in sims))
    out = tmp_path / "cs.jsonl"
    with FakeServerThread(log_path=tmp_path / "fake.jsonl") as srv:
        proc = run_query(query_cmd("controlsim", srv.url, problems, [out], tmp_path / "l.jsonl", sim=[sim_file]))
    assert proc.returncode == 0, proc.stderr
    recs = list(read_jsonl(out))
    check_schema(recs)
    assert [r["status"] for r in recs] == ["no_code", "infra_error", "ok"]
    assert recs[0]["request_key"] is None and recs[0]["attempts"] == 0
    assert recs[1]["error"]["type"] == "sim_infra_error"
    assert len(read_log(tmp_path / "fake.jsonl")) == 1


@pytest.mark.timeout(120)
def test_transient_faults_end_in_ok_or_infra_error_and_the_job_finishes(tmp_path: Path) -> None:
    problems = generate(tmp_path, sizes=(2, 3, 4), n=6)
    outs = [tmp_path / f"o{i}.jsonl" for i in range(3)]
    with FakeServerThread(
        log_path=tmp_path / "fake.jsonl",
        fault_rate=0.4,
        seed=5,
        latency=0.01,
        faults=["429:0", "500", "502", "503", "reset", "malformed", "empty_choices", "400"],
    ) as srv:
        proc = run_query(query_cmd("nl", srv.url, problems, outs, tmp_path / "l.jsonl", max_attempts=3))
    assert proc.returncode == 0, proc.stderr
    recs = [r for o in outs for r in read_jsonl(o)]
    assert len(recs) == 18
    check_schema(recs)
    statuses = {r["status"] for r in recs}
    assert statuses <= {"ok", "infra_error"} and "ok" in statuses
    for r in recs:
        if r["status"] == "infra_error":
            assert r["text"] is None and r["error"]["history"] and r["attempts"] == len(r["error"]["history"])


@pytest.mark.timeout(180)
def test_killed_job_resumes_without_sending_a_completed_request_again(tmp_path: Path) -> None:
    problems = generate(tmp_path, sizes=(2, 3, 4), n=15)
    outs = [tmp_path / "out" / f"o{i}.jsonl" for i in range(3)]
    ledger = tmp_path / "ledger.jsonl"
    with FakeServerThread(log_path=tmp_path / "fake.jsonl", latency=0.05, jitter=0.03) as srv:
        cmd = query_cmd("sim", srv.url, problems, outs, ledger, window=3)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if ledger.exists() and ledger.read_text().count("\n") >= 15:
                break
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert not any(o.exists() for o in outs), "outputs appear only when the job is complete"
        before = Ledger(ledger)
        done_before = set(before.completed)
        n_sent_before = len(read_log(tmp_path / "fake.jsonl"))
        assert 15 <= len(done_before) < 45
        second = run_query(cmd)
        assert second.returncode == 0, second.stderr
    log = read_log(tmp_path / "fake.jsonl")
    after = [e["key"] for e in log[n_sent_before:]]
    # the request key of the fake server hashes the same body as the ledger key, only without the base URL:
    # map ledger keys to the server's keys through the records
    recs = [r for o in outs for r in read_jsonl(o)]
    assert sorted(r["instance_id"] for r in recs) == sorted(i["id"] for p in problems for i in read_jsonl(p))
    assert len({r["instance_id"] for r in recs}) == 45
    server_key_of = {}
    for e in log:
        server_key_of.setdefault(e["key"], e)
    from codenl.llm.ledger import request_key

    ledger_to_server = {
        request_key(srv.url, "fake/model", e["messages"], e["params"]): e["key"] for e in server_key_of.values()
    }
    resent = {ledger_to_server[k] for k in done_before} & set(after)
    assert not resent, f"{len(resent)} completed requests were sent again"
    # every instance was asked, at most the in-flight ones (window 3) twice
    assert len({e["key"] for e in log}) == 45
    assert len(log) - 45 <= 3
    assert sum(r["attempts"] for r in recs) >= 45


@pytest.mark.timeout(120)
def test_the_api_key_is_in_no_file_the_run_writes(tmp_path: Path) -> None:
    problems = generate(tmp_path, sizes=(2,), n=3)
    work = tmp_path / "work"
    work.mkdir()
    (work / ".env").write_text(f"OPENROUTER_API_KEY={SECRET}\n")
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    outs = [work / "results" / "resp.jsonl"]
    ledger = work / "results" / "ledger.jsonl"
    with FakeServerThread(log_path=tmp_path / "fake.jsonl", require_key=SECRET, script=["500"]) as srv:
        ok = run_query(query_cmd("nl", srv.url, problems, outs, ledger, provider="openrouter"), env=env, cwd=work)
        assert ok.returncode == 0, ok.stderr
        (work / ".env").write_text("OPENROUTER_API_KEY=sk-or-v1-wrong-key-000000\n")
        bad = run_query(query_cmd("nl", srv.url, problems, [work / "results" / "r2.jsonl"], work / "l2.jsonl",
                                  provider="openrouter"), env=env, cwd=work)  # fmt: skip
    assert bad.returncode == 1
    assert "OPENROUTER_API_KEY" in bad.stderr and "sk-or-v1-wrong" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    log = read_log(tmp_path / "fake.jsonl")
    assert log[0]["auth_sha256"] is not None
    for text in (ok.stdout, ok.stderr, bad.stdout):
        assert SECRET not in text
    for path in work.rglob("*"):
        if path.is_file() and path.name != ".env":
            assert SECRET.encode() not in path.read_bytes(), path


@pytest.mark.timeout(60)
def test_misaligned_files_are_a_usage_error(tmp_path: Path) -> None:
    problems = generate(tmp_path, sizes=(2, 3), n=1)
    proc = run_query(query_cmd("nl", "http://127.0.0.1:9/v1", problems, [tmp_path / "o.jsonl"], tmp_path / "l.jsonl"))
    assert proc.returncode == 2 and "--out has 1 files but --problems has 2" in proc.stderr


@pytest.mark.timeout(120)
def test_a_second_job_on_a_held_ledger_stops_before_sending_anything(tmp_path: Path) -> None:
    """A rerun while a job of a killed run still holds the ledger (e.g. on a cluster) must not ask twice."""
    problems = generate(tmp_path, sizes=(2,), n=2)
    ledger = tmp_path / "ledger.jsonl"
    out = [tmp_path / "out.jsonl"]
    with FakeServerThread(log_path=tmp_path / "fake.jsonl") as srv, hold_ledger(ledger):
        proc = run_query(query_cmd("nl", srv.url, problems, out, ledger))
    assert proc.returncode == 1
    assert "in use by another query job" in proc.stderr and f"pid {os.getpid()}" in proc.stderr
    assert not (tmp_path / "fake.jsonl").exists() or read_log(tmp_path / "fake.jsonl") == []
    assert not out[0].exists()
    # once released, the same command runs
    with FakeServerThread(log_path=tmp_path / "fake2.jsonl") as srv:
        proc = run_query(query_cmd("nl", srv.url, problems, out, ledger))
    assert proc.returncode == 0, proc.stderr
    assert len(list(read_jsonl(out[0]))) == 2
