"""The async client against the fake OpenAI-compatible server: faults, retries, window, dedupe, ledger."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from codenl.llm.client import ChatClient, ChatResult, FatalAPIError, MalformedResponse, Sampling, parse_completion
from codenl.llm.ledger import Ledger
from codenl.llm.providers import Provider
from codenl.llm.retry import MAX_CONSECUTIVE_REJECTED, RetryPolicy
from tests.fake_openai import running

T = TypeVar("T")
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, max_retry_after=5.0)
SAMPLING = Sampling(temperature=0.0, top_p=1.0, max_tokens=32, seed=7)
KEY = "sk-test-secret-0123456789"


def msgs(i: int = 0) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"Question {i}: what is {i}+{i}?"}]


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def provider(url: str, key: str | None = KEY) -> Provider:
    return Provider("openai_compatible", url, key, "TEST_KEY_ENV" if key else None)


async def one(
    script: list[str], *, policy: RetryPolicy = FAST, timeout: float = 5.0, **kw: Any
) -> tuple[ChatResult, Any]:
    async with running(script=script, **kw) as (fake, url):
        async with ChatClient(provider(url), "fake/model", window=2, policy=policy, request_timeout=timeout) as c:
            result = await c.complete(msgs(), SAMPLING)
        return result, fake


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "fault", ["429:0", "500", "502", "503", "408", "reset", "malformed", "empty_choices", "error_body:502", "slow:1.5"]
)
def test_each_transient_fault_is_retried_to_success(fault: str) -> None:
    result, fake = run(one([fault], timeout=0.5))
    assert result.status == "ok", result.error
    assert result.attempts == 2
    assert result.text and '{"answer": ' in result.text
    assert [r["action"] for r in fake.requests] == [fault, "ok"]
    assert result.usage["prompt_tokens"] and result.usage["completion_tokens"]
    assert result.cost is not None and result.cost > 0
    assert result.answered_model == "fake/model" and result.answered_provider == "fake"
    assert result.system_fingerprint == "fake-1"


@pytest.mark.timeout(20)
@pytest.mark.parametrize("fault", ["500", "reset", "malformed", "slow:1.5"])
def test_a_persistent_fault_ends_in_infra_error_with_history(fault: str) -> None:
    policy = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)
    result, fake = run(one([fault] * 3, policy=policy, timeout=0.4))
    assert result.status == "infra_error"
    assert result.attempts == 3 and len(fake.requests) == 3
    assert result.error is not None and result.error["type"] == "retries_exhausted"
    assert [h["attempt"] for h in result.error["history"]] == [1, 2, 3]
    assert result.text is None


@pytest.mark.timeout(20)
def test_retry_after_is_honoured_and_pauses_the_whole_job() -> None:
    async def go() -> tuple[list[ChatResult], float, Any]:
        async with running(script=["429:1"]) as (fake, url):
            async with ChatClient(provider(url), "m", window=4, policy=FAST) as c:
                t0 = time.monotonic()
                first = asyncio.create_task(c.complete(msgs(0), SAMPLING))
                await asyncio.sleep(0.2)  # the 429 has arrived; a new request must wait for Retry-After too
                second = asyncio.create_task(c.complete(msgs(1), SAMPLING))
                results = [await first, await second]
                return results, time.monotonic() - t0, fake

    results, elapsed, fake = run(go())
    assert [r.status for r in results] == ["ok", "ok"]
    assert results[0].attempts == 2
    assert elapsed >= 1.0
    times = [r["time"] for r in fake.requests]
    # every request after the 429 arrived at least 1 s after it
    assert all(t - times[0] >= 0.95 for t in times[1:])


@pytest.mark.timeout(20)
@pytest.mark.parametrize("status,words", [("401", "refused"), ("403", "refused"), ("402", "credit"), ("404", "model")])
def test_fatal_statuses_stop_with_a_message_naming_the_variable_not_the_key(status: str, words: str) -> None:
    with pytest.raises(FatalAPIError) as info:
        run(one([status]))
    msg = str(info.value)
    assert words in msg and f"HTTP {status}" in msg
    assert "TEST_KEY_ENV" in msg or status == "404"
    assert KEY not in msg


@pytest.mark.timeout(20)
def test_fatal_error_cancels_the_job_and_keeps_completed_requests_in_the_ledger(tmp_path: Path) -> None:
    async def go() -> Any:
        async with running(script=["ok", "ok", "401"], default="401") as (fake, url):
            async with ChatClient(provider(url), "m", window=1, policy=FAST, ledger=Ledger(tmp_path / "l.jsonl")) as c:
                with pytest.raises(FatalAPIError):
                    await c.complete_many([(msgs(i), SAMPLING) for i in range(10)])
            return fake

    fake = run(go())
    assert len(fake.requests) == 3
    assert len(Ledger(tmp_path / "l.jsonl").completed) == 2


@pytest.mark.timeout(20)
@pytest.mark.parametrize("status", ["400", "422"])
def test_bad_request_is_not_retried_and_becomes_infra_error_with_the_api_message(status: str) -> None:
    result, fake = run(one([status]))
    assert result.status == "infra_error" and result.attempts == 1 and len(fake.requests) == 1
    assert result.error is not None and result.error["type"] == "rejected"
    assert "request" in result.error["message"]


@pytest.mark.timeout(20)
def test_a_streak_of_rejections_stops_the_job() -> None:
    async def go() -> Any:
        async with running(default="400") as (fake, url):
            async with ChatClient(provider(url), "m", window=1, policy=FAST) as c:
                with pytest.raises(FatalAPIError, match="in a row"):
                    await c.complete_many([(msgs(i), SAMPLING) for i in range(MAX_CONSECUTIVE_REJECTED + 5)])
            return fake

    assert len(run(go()).requests) == MAX_CONSECUTIVE_REJECTED


@pytest.mark.timeout(20)
def test_null_content_and_separate_reasoning_are_recorded_without_crash() -> None:
    result, _ = run(one(["null_content"]))
    assert result.status == "ok" and result.text is None and result.finish_reason == "length"
    result, _ = run(one(["reasoning"]))
    assert result.status == "ok" and result.text is None and result.reasoning and "answer" in result.reasoning


def test_parse_completion_reads_reasoning_tokens_and_content_parts() -> None:
    body = {
        "choices": [{"message": {"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
                                 "reasoning_content": "think"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 5, "completion_tokens_details": {"reasoning_tokens": 2},
                  "cost": 0.25},
        "model": "x/y",
    }  # fmt: skip
    r = parse_completion(body)
    assert (r.text, r.reasoning, r.usage["reasoning_tokens"], r.cost) == ("ab", "think", 2, 0.25)
    upstream = {"choices": [{"error": {"message": "provider down"}, "message": {"content": ""}}]}
    for bad in ({}, {"choices": []}, {"choices": [{}]}, [], {"choices": [{"message": {"content": 3}}]}, upstream):
        with pytest.raises(MalformedResponse):
            parse_completion(bad)


@pytest.mark.timeout(30)
def test_sliding_window_bounds_requests_in_flight_and_fills_it() -> None:
    async def go() -> tuple[Any, int]:
        async with running(latency=0.05, jitter=0.04, seed=3) as (fake, url):
            async with ChatClient(provider(url), "m", window=5, policy=FAST) as c:
                results = await c.complete_many([(msgs(i), SAMPLING) for i in range(60)])
                assert all(r.status == "ok" for r in results)
                return fake, c.peak_in_flight

    fake, peak = run(go())
    assert fake.max_in_flight == 5 and peak == 5
    # sliding, not batched: most requests arrive while 4 others are still in flight
    assert sum(1 for r in fake.requests if r["in_flight"] == 5) >= 40


@pytest.mark.timeout(20)
def test_identical_requests_in_flight_are_sent_once() -> None:
    async def go() -> tuple[Any, list[ChatResult]]:
        async with running(latency=0.1) as (fake, url):
            async with ChatClient(provider(url), "m", window=4, policy=FAST) as c:
                results = await c.complete_many([(msgs(1), SAMPLING)] * 5 + [(msgs(2), SAMPLING)])
                return fake, results

    fake, results = run(go())
    assert len(fake.requests) == 2
    assert results[0].text == results[4].text and all(r.status == "ok" for r in results)


@pytest.mark.timeout(20)
def test_ledger_serves_completed_requests_and_retries_failed_ones(tmp_path: Path) -> None:
    ledger_path = tmp_path / "ledger.jsonl"
    policy = RetryPolicy(max_attempts=1)

    async def go(script: list[str]) -> tuple[Any, list[ChatResult]]:
        async with running(script=script) as (fake, url):
            # the same base URL both times would be the real case; keys use provider.ledger_url
            p = Provider("openai_compatible", url, None, None, key_url="http://stable/v1")
            async with ChatClient(p, "m", window=2, policy=policy, ledger=Ledger(ledger_path)) as c:
                return fake, await c.complete_many([(msgs(i), SAMPLING) for i in range(4)])

    _fake1, first = run(go(["ok", "ok", "500", "ok"]))
    assert sorted(r.status for r in first) == ["infra_error", "ok", "ok", "ok"]
    fake2, second = run(go([]))
    assert len(fake2.requests) == 1  # only the failed one is asked again
    assert all(r.status == "ok" for r in second)
    assert sum(r.from_ledger for r in second) == 3
    assert [r.text for r in second] == [r.text if r.status == "ok" else second[i].text for i, r in enumerate(first)]


@pytest.mark.timeout(20)
def test_request_body_carries_sampling_parameters_and_seed() -> None:
    _result, fake = run(one(["ok"]))
    assert fake.requests[0]["params"] == {"temperature": 0.0, "top_p": 1.0, "max_tokens": 32, "seed": 7}
    assert fake.requests[0]["model"] == "fake/model"


@pytest.mark.timeout(20)
def test_an_error_inside_a_200_body_is_classified_by_its_code() -> None:
    with pytest.raises(FatalAPIError, match="HTTP 402"):
        run(one(["error_body:402"]))
    result, fake = run(one(["error_body:503"]))
    assert result.status == "ok" and result.attempts == 2 and len(fake.requests) == 2
