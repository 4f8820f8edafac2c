"""Recovery from real failures, against the fake server: empty replies, the circuit breaker, re-asking failed
requests on later runs within ``reask``, damaged ledgers (a property test), OpenRouter routing preferences."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codenl.llm.client import ChatClient, CircuitOpen, Sampling
from codenl.llm.ledger import Ledger, read_summary, reask_token, reask_weight, request_key
from codenl.llm.providers import Provider
from codenl.llm.retry import RetryPolicy
from codenl.records import iter_jsonl, repair_log_tail
from tests.fake_openai import FakeServerThread, read_log, running
from tests.test_llm_query import generate, query_cmd, run_query

FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.005)
SAMPLING = Sampling(temperature=0.0, top_p=1.0, max_tokens=32, seed=7)


def msgs(i: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"Question {i}: what is {i}+{i}?"}]


def provider(url: str, name: str = "openai_compatible") -> Provider:
    return Provider(name, url, "sk-test-0123456789", "TEST_KEY" if name != "openrouter" else "OPENROUTER_API_KEY")


def free_port() -> int:
    """A loopback port that nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------------------------
# provider faults are not the model's


@pytest.mark.timeout(20)
def test_null_content_without_reasoning_or_length_is_retried_then_infra_error() -> None:
    async def go(script: list[str], default: str) -> Any:
        async with running(script=script, default=default) as (fake, url):
            async with ChatClient(provider(url), "m", window=1, policy=FAST) as c:
                return await c.complete(msgs(1), SAMPLING), fake

    ok, fake = asyncio.run(go(["null_stop"], "ok"))
    assert ok.status == "ok" and ok.attempts == 2 and ok.text
    assert [r["action"] for r in fake.requests] == ["null_stop", "ok"]
    bad, fake = asyncio.run(go([], "null_stop"))
    assert bad.status == "infra_error" and bad.attempts == 3
    assert {h["type"] for h in bad.error["history"]} == {"empty_reply"}
    assert "no content and no reasoning text (finish_reason 'stop')" in bad.error["message"]
    # with finish_reason length the model ran out of tokens: its own outcome, recorded ok with no text
    length, _ = asyncio.run(go(["null_content"], "ok"))
    assert length.status == "ok" and length.text is None and length.finish_reason == "length"
    assert length.attempts == 1
    reasoning, _ = asyncio.run(go(["reasoning"], "ok"))
    assert reasoning.status == "ok" and reasoning.text is None and reasoning.reasoning
    # an empty string is what the model generated (it may stop at once): the model's, graded as such
    blank, _ = asyncio.run(go(["blank"], "ok"))
    assert blank.status == "ok" and blank.text == "" and blank.attempts == 1


# ---------------------------------------------------------------------------------------------------------------
# circuit breaker


@pytest.mark.timeout(30)
def test_breaker_stops_an_unreachable_job_and_records_none_of_its_failures(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.jsonl")
    url = f"http://127.0.0.1:{free_port()}/v1"

    async def go() -> None:
        async with ChatClient(provider(url), "m", window=3, policy=FAST, ledger=ledger, breaker=5) as c:
            await c.complete_many([(msgs(i), SAMPLING) for i in range(40)])

    with pytest.raises(CircuitOpen) as info:
        asyncio.run(go())
    message = str(info.value)
    assert message.startswith("stopped: 5 requests in a row could not reach http://127.0.0.1:")
    assert "\n" not in message and "run the same command again once the API is reachable" in message
    # the outage used up no re-ask: nothing was written
    assert not (tmp_path / "l.jsonl").exists()


@pytest.mark.timeout(30)
def test_transport_failures_between_successes_do_not_trip_and_are_recorded(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.jsonl")
    one = RetryPolicy(max_attempts=1)

    async def go() -> list[Any]:
        # one request at a time: reset, ok, reset, ok, ...; the streak never passes 1
        async with running(script=["reset", "ok"] * 10) as (_fake, url):
            async with ChatClient(provider(url), "m", window=1, policy=one, ledger=ledger, breaker=2) as c:
                return await c.complete_many([(msgs(i), SAMPLING) for i in range(20)])

    results = asyncio.run(go())
    assert [r.status for r in results] == ["infra_error", "ok"] * 10
    again = Ledger(tmp_path / "l.jsonl")
    assert len(again.completed) == 10 and sum(again.failures.values()) == 10


@pytest.mark.timeout(120)
def test_query_job_stopped_by_the_breaker_writes_nothing_and_resumes(tmp_path: Path) -> None:
    problems = generate(tmp_path, sizes=(2, 3), n=5)
    outs = [tmp_path / "out" / f"o{i}.jsonl" for i in range(2)]
    ledger = tmp_path / "ledger.jsonl"
    with FakeServerThread(log_path=tmp_path / "fake.jsonl", script=["ok"] * 3, default="reset") as srv:
        cmd = query_cmd("nl", srv.url, problems, outs, ledger, window=1, max_attempts=2) + ["--breaker", "4"]
        down = run_query(cmd)
        assert down.returncode == 1, down.stderr
        last = down.stderr.strip().splitlines()[-1]
        assert last.startswith("codenl query: stopped: 4 requests in a row could not reach"), down.stderr
        assert "Traceback" not in down.stderr
        assert not any(o.exists() for o in outs)
        kept = Ledger(ledger)
        assert len(kept.completed) == 3 and not kept.failures
        n_down = len(read_log(tmp_path / "fake.jsonl"))
        srv.fake.default = "ok"  # the API is back
        up = run_query(cmd)
    assert up.returncode == 0, up.stderr
    assert [r["status"] for o in outs for r in iter_records(o)] == ["ok"] * 10
    assert len(read_log(tmp_path / "fake.jsonl")) - n_down == 7  # only the requests without an answer


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    for _, rec in iter_jsonl(path):
        yield rec


# ---------------------------------------------------------------------------------------------------------------
# re-asking requests that ended infra_error, within retries.reask


@pytest.mark.timeout(120)
def test_failed_requests_are_asked_again_by_later_runs_until_reask_is_used_up(tmp_path: Path) -> None:
    problems = generate(tmp_path, sizes=(2,), n=4)
    out = [tmp_path / "o.jsonl"]
    ledger = tmp_path / "ledger.jsonl"
    assert reask_token(ledger, 1) == "0"
    with FakeServerThread(log_path=tmp_path / "fake.jsonl", script=["ok", "ok"], default="500") as srv:
        cmd = query_cmd("nl", srv.url, problems, out, ledger, window=1, max_attempts=1) + ["--reask", "1"]
        sent, stderr = [], []
        for _ in range(3):
            proc = run_query(cmd)
            assert proc.returncode == 0, proc.stderr
            stderr.append(proc.stderr)
            sent.append(len(read_log(tmp_path / "fake.jsonl")) - sum(sent))
            statuses = [r["status"] for r in iter_records(out[0])]
            assert statuses.count("ok") == 2 and statuses.count("infra_error") == 2
            # after run 1 two requests may be asked again (the workflow reruns the job); then it stays put
            assert reask_token(ledger, 1) == "2"
    # run 1 asks all 4, run 2 only the 2 failed ones, run 3 nothing (each failed in 1 + reask runs)
    assert sent == [4, 2, 0]
    log = read_log(tmp_path / "fake.jsonl")
    assert [e["action"] for e in log] == ["ok", "ok", "500", "500", "500", "500"]
    assert {e["key"] for e in log[4:]} == {e["key"] for e in log[2:4]}, "only the failed requests are asked again"
    assert "2 will be asked again by the next run" in stderr[0]
    assert "2 re-asked after infra_error (2 failed again)" in stderr[1]
    assert "2 kept as infra_error (retries.reask used up)" in stderr[2]
    summary = read_summary(ledger)
    assert summary is not None and summary["failures"] == {"2": 2}
    assert summary["last_run"] == {"reasked": 0, "reasked_failed": 0, "final": 2, "infra_error": 2, "pending": 0}
    for rec in iter_records(out[0]):
        if rec["status"] == "infra_error":
            assert rec["attempts"] == 1 and rec["error"]["type"] == "retries_exhausted"


def test_reask_weight_grows_only_while_a_request_may_be_asked_again() -> None:
    # key a failed once, key b twice, key c three times (some may have succeeded later: they still count)
    hist = {1: 1, 2: 1, 3: 1}
    assert reask_weight(hist, 0) == 0
    assert reask_weight(hist, 2) == 1 + 2 + 2
    # one more failure of c (already at the bound) changes nothing; one more of a changes the weight
    assert reask_weight({1: 1, 2: 1, 4: 1}, 2) == reask_weight(hist, 2)
    assert reask_weight({2: 2, 3: 1}, 2) > reask_weight(hist, 2)


# ---------------------------------------------------------------------------------------------------------------
# damaged ledgers


def _entry(key: str, text: str = "answer ✓") -> bytes:
    line = {"key": key, "status": "ok", "model": "m", "base_url": "u", "time": 1.0, "result": {"text": text}}
    return (json.dumps(line, ensure_ascii=False) + "\n").encode()


def test_damaged_lines_anywhere_are_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_bytes(
        _entry("a")
        + b"null\n"
        + b"\xff\xfe garbage\n"
        + b"[1, 2]\n"
        + b"{}\n"
        + _entry("b")
        + b'{"key": "c", "status": "ok", "result": {"text": "cut in the middle of \xe2\x9c'
    )
    led = Ledger(path)
    assert set(led.completed) == {"a", "b"}
    assert [n for n, _ in led.damaged] == [2, 3, 4, 5, 7]
    warnings = led.damage_warnings()
    assert f"{path}:3: skipped a damaged ledger line (not valid UTF-8 (byte 1))" in warnings[1]
    assert "expected a JSON object, got NoneType" in warnings[0]
    # the holder of the ledger repairs the torn last line before appending: cut off, nothing else touched
    held = Ledger(path, repair=True)
    assert held.repaired == f"{path}:7: cut off a partial last line (72 bytes)"
    assert path.read_bytes().endswith(_entry("b"))
    held.record("c", "ok", {"text": "y"}, model="m", base_url="u")
    assert set(Ledger(path).completed) == {"a", "b", "c"}


def test_shard_files_stay_strict_and_name_the_damaged_line(tmp_path: Path) -> None:
    from codenl.errors import RecordError

    path = tmp_path / "shard.jsonl"
    cases = (
        (b"\xe2\x9c\n", "not valid UTF-8 (byte 1)"),
        (b"null\n", "expected a JSON object, got NoneType"),
        (b'{"a": \n', "not valid JSON (Expecting value at column 7)"),
    )
    for bad, reason in cases:
        path.write_bytes(_entry("a") + bad)
        with pytest.raises(RecordError) as info:
            list(iter_jsonl(path))
        assert str(info.value) == f"{path}:2: {reason}"


def test_a_whole_last_record_without_its_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_bytes(_entry("a") + _entry("b")[:-1])
    assert repair_log_tail(path) == f"{path}: added the newline missing after the last record"
    assert path.read_bytes() == _entry("a") + _entry("b")
    assert repair_log_tail(path) is None


@pytest.mark.timeout(120)
def test_query_job_completes_on_a_damaged_ledger_and_names_the_lines(tmp_path: Path) -> None:
    problems = generate(tmp_path, sizes=(2,), n=4)
    out = [tmp_path / "o.jsonl"]
    ledger = tmp_path / "ledger.jsonl"
    with FakeServerThread(log_path=tmp_path / "fake.jsonl") as srv:
        cmd = query_cmd("nl", srv.url, problems, out, ledger, window=1)
        assert run_query(cmd).returncode == 0
        lines = ledger.read_bytes().splitlines(keepends=True)
        # line 2 cut inside a multi-byte character (a short write on a full disk), line 3 'null', tail torn
        ledger.write_bytes(lines[0] + lines[1][:40] + b"\xe2\x9c\n" + b"null\n" + lines[3] + lines[2][:30])
        out[0].unlink()
        n_before = len(read_log(tmp_path / "fake.jsonl"))
        proc = run_query(cmd)
    assert proc.returncode == 0, proc.stderr
    assert f"query: warning: {ledger}:2: skipped a damaged ledger line (not valid UTF-8" in proc.stderr
    assert f"query: warning: {ledger}:3: skipped a damaged ledger line (expected a JSON object" in proc.stderr
    assert f"query: warning: {ledger}:5: cut off a partial last line" in proc.stderr
    assert len(read_log(tmp_path / "fake.jsonl")) - n_before == 2  # lines 2 and 3 were lost, 1 and 4 kept
    assert [r["status"] for r in iter_records(out[0])] == ["ok"] * 4


# the property: damage at random byte positions never makes a valid entry be paid twice, and the job completes

N_KEYS = 8


@pytest.fixture(scope="module")
def healthy_server() -> Iterator[FakeServerThread]:
    with FakeServerThread() as srv:
        yield srv


def _ask_all(url: str, path: Path) -> list[Any]:
    async def go() -> list[Any]:
        async with ChatClient(provider(url), "m", window=2, policy=FAST, ledger=Ledger(path, repair=True)) as c:
            return await c.complete_many([(msgs(i), SAMPLING) for i in range(N_KEYS)])

    return asyncio.run(go())


damage = st.lists(
    st.one_of(
        st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
        st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=6)),
        st.tuples(st.just("truncate"), st.floats(0, 1), st.just(0)),
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.timeout(300)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=damage)
def test_property_damaged_ledger_never_pays_a_valid_entry_twice(
    healthy_server: FakeServerThread, tmp_path: Path, ops: list[tuple[str, float, Any]]
) -> None:
    srv = healthy_server
    path = tmp_path / "ledger.jsonl"
    path.unlink(missing_ok=True)
    keys = [request_key(srv.url, "m", msgs(i), SAMPLING.params()) for i in range(N_KEYS)]
    assert all(r.status == "ok" for r in _ask_all(srv.url, path))
    original = path.read_bytes()
    spans, start = [], 0
    for line in original.splitlines(keepends=True):
        spans.append((start, start + len(line), json.loads(line)["key"]))
        start += len(line)
    data = bytearray(original)
    touched: set[str] = set()
    # positions in the original file, applied from the end so that earlier positions stay valid
    for op, where, arg in sorted(ops, key=lambda o: -o[1]):
        pos = min(int(where * len(original)), len(data))
        if op == "flip" and pos < len(data):
            data[pos] = arg
        elif op == "insert":
            data[pos:pos] = arg
        elif op == "truncate":
            del data[pos:]
        touched |= {k for a, b, k in spans if (op == "truncate" and pos < b) or a <= pos < b}
        if op == "flip" and pos < len(original) and original[pos : pos + 1] == b"\n":  # joins the next line to it
            touched |= {k for a, b, k in spans if a == pos + 1}
    path.write_bytes(bytes(data))
    valid_in_damaged = set()
    for raw in bytes(data).split(b"\n"):
        try:
            entry = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(entry, dict) and entry.get("status") == "ok" and isinstance(entry.get("result"), dict):
            valid_in_damaged.add(entry.get("key"))
    before = len(srv.fake.requests)
    results = _ask_all(srv.url, path)
    asked = [request_key(srv.url, "m", e["messages"], e["params"]) for e in srv.fake.requests[before:]]
    # the job completes: every request has an answer, and the ledger now completes every key
    assert all(r.status == "ok" for r in results)
    assert set(Ledger(path).completed) >= set(keys)
    # no valid entry is paid twice; only entries the damage reached are asked again, each once
    assert not set(asked) & valid_in_damaged
    assert set(asked) <= touched
    assert len(asked) == len(set(asked))
    assert set(asked) == set(keys) - valid_in_damaged


# ---------------------------------------------------------------------------------------------------------------
# OpenRouter routing preferences


@pytest.mark.timeout(20)
def test_routing_is_sent_to_openrouter_and_is_part_of_the_key() -> None:
    routing = {"order": ["deepinfra"], "allow_fallbacks": False, "require_parameters": True, "quantizations": ["fp8"]}

    async def go() -> tuple[Any, Any, list[str], str]:
        async with running(script=["routed:DeepInfra"]) as (fake, url):
            keys = []
            async with ChatClient(provider(url, "openrouter"), "m", routing=routing) as c:
                result = await c.complete(msgs(1), SAMPLING)
                keys.append(c.key(msgs(1), SAMPLING))
            async with ChatClient(provider(url, "openrouter"), "m") as c:
                keys.append(c.key(msgs(1), SAMPLING))
            return result, fake, keys, url

    result, fake, keys, url = asyncio.run(go())
    assert fake.requests[0]["routing"] == routing
    assert result.answered_provider == "DeepInfra"
    assert keys[0] != keys[1]
    # without routing the key is what it always was (ledgers of earlier runs stay valid)
    assert keys[1] == request_key(url, "m", msgs(1), SAMPLING.params())


@pytest.mark.timeout(120)
def test_query_sends_the_configured_routing_and_records_who_answered(tmp_path: Path) -> None:
    import os

    problems = generate(tmp_path, sizes=(2,), n=2)
    out = [tmp_path / "o.jsonl"]
    routing = {"allow_fallbacks": False, "order": ["DeepInfra"], "quantizations": ["fp8"], "require_parameters": True}
    env = {**os.environ, "OPENROUTER_API_KEY": "sk-or-v1-test-0123456789abcdef"}
    with FakeServerThread(log_path=tmp_path / "fake.jsonl", default="routed:DeepInfra") as srv:
        cmd = query_cmd("nl", srv.url, problems, out, tmp_path / "l.jsonl", provider="openrouter")
        proc = run_query(cmd + ["--routing", json.dumps(routing)], env=env)
        assert proc.returncode == 0, proc.stderr
        wrong = run_query(
            query_cmd("nl", srv.url, problems, out, tmp_path / "l2.jsonl") + ["--routing", json.dumps(routing)]
        )
    assert [e["routing"] for e in read_log(tmp_path / "fake.jsonl")] == [routing, routing]
    assert [r["answered_provider"] for r in iter_records(out[0])] == ["DeepInfra", "DeepInfra"]
    assert wrong.returncode == 2 and "--routing applies only to provider openrouter" in wrong.stderr
