"""The workflow after an API outage: the same command asks again exactly the requests that failed, re-executes
and re-grades what depends on them, then has nothing left to do; the failed validation's report stays readable."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from codenl.records import read_jsonl

from .fake_openai import FakeServerThread
from .test_workflow_e2e import check_complete_run, server_log, snakemake, tiny_config, write_config


@pytest.mark.slow
def test_after_an_outage_the_same_command_asks_again_exactly_the_failed_requests(tmp_path: Path) -> None:
    workdir = tmp_path / "outage"
    log = tmp_path / "requests.log"
    with FakeServerThread(log_path=log, fault_rate=0.5, faults=["500"], seed=3) as srv:
        cfg = tiny_config(
            srv.url,
            kinds=["add"],
            sizes={"add": [2, 3]},
            n={"default": 4},
            retries={"max_attempts": 1, "request_timeout_s": 30, "reask": 2},
        )
        path = write_config(workdir, cfg)
        first = snakemake(workdir, "--configfile", path)
        # the outage left infra errors: validation fails, and its report is still there to read
        assert first.returncode != 0
        agg = workdir / "results" / "aggregate"
        assert not (agg / "validation.md").exists()
        kept = (agg / "validation.failed.md").read_text()
        assert "**FAIL**" in kept and "infra_error rate" in kept
        assert "report: results/aggregate/validation.failed.md" in first.stdout + first.stderr
        assert "will be asked again" in "".join(
            p.read_text() for p in (workdir / "results" / "logs" / "query").rglob("*.log")
        )
        first_log = server_log(log)
        failed = {e["key"] for e in first_log if e["action"] == "500"}
        succeeded = {e["key"] for e in first_log if e["action"] == "ok"}
        assert failed and succeeded and len(first_log) == len(failed) + len(succeeded)
        graded_before = [r for p in (workdir / "results" / "graded").rglob("*.jsonl") for r in read_jsonl(p)]
        assert any(r["outcome"] == "infra_error" for r in graded_before)

        srv.fake.fault_rate = 0.0  # the API is back
        second = snakemake(workdir, "--configfile", path)
        assert second.returncode == 0, second.stderr[-5000:]
        asked = [e["key"] for e in server_log(log)[len(first_log) :]]
        assert not set(asked) & succeeded, "a request that had succeeded was asked again"
        assert failed <= set(asked), "a failed request was not asked again"
        assert max(Counter(asked).values()) == 1
        # the rest are the controlsim requests of sim replies that failed in the first run
        extra = [e for e in server_log(log)[len(first_log) :] if e["key"] not in failed]
        assert all("Here is a Python program" in e["messages"][0]["content"] for e in extra)
        summary = [line for line in second.stderr.splitlines() if line.startswith("codenl: query:")]
        assert len(summary) == 1, second.stderr[-3000:]
        assert f"{len(failed)} request(s) re-asked after an infra_error, 0 of them failed again" in summary[0]
        assert (agg / "validation.md").exists() and not (agg / "validation.failed.md").exists()

        third = snakemake(workdir, "--configfile", path, "-n")
        assert "Nothing to be done" in third.stdout + third.stderr
    check_complete_run(workdir)


@pytest.mark.slow
def test_an_unreachable_api_stops_the_query_jobs_and_the_same_command_resumes(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here: connection refused
    workdir = tmp_path / "down"
    url = f"http://127.0.0.1:{port}/v1"
    cfg = tiny_config(
        url,
        kinds=["add"],
        sizes={"add": [2]},
        n={"default": 4},
        retries={"max_attempts": 2, "request_timeout_s": 5, "breaker": 3},
    )
    path = write_config(workdir, cfg)
    down = snakemake(workdir, "--configfile", path)
    assert down.returncode != 0
    assert f"codenl query: stopped: 3 requests in a row could not reach {url}" in down.stdout + down.stderr
    assert not (workdir / "results" / "responses").exists() or not any(
        (workdir / "results" / "responses").rglob("*.jsonl")
    ), "a shard full of failures was written"
    ledgers = list((workdir / "results" / "ledger").rglob("*.jsonl"))
    assert all(not p.read_text().strip() for p in ledgers), "the outage was recorded against the requests"
    log = tmp_path / "requests.log"
    with FakeServerThread(port=port, log_path=log):
        up = snakemake(workdir, "--configfile", path)
    assert up.returncode == 0, up.stderr[-5000:]
    check_complete_run(workdir)
    assert max(Counter(e["key"] for e in server_log(log)).values()) == 1
