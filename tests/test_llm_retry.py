"""Retry policy: which statuses are retried, Retry-After parsing, backoff bounds."""

from __future__ import annotations

import email.utils
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codenl.llm.retry import RetryPolicy, classify_status, parse_ratelimit_reset, parse_retry_after


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 599])
def test_transient_statuses_are_retried(status: int) -> None:
    assert classify_status(status) == "retry"


@pytest.mark.parametrize("status", [401, 402, 403, 404])
def test_key_credit_and_model_errors_are_fatal(status: int) -> None:
    assert classify_status(status) == "fatal"


@pytest.mark.parametrize("status", [400, 422, 413])
def test_bad_requests_are_rejected_without_retry(status: int) -> None:
    assert classify_status(status) == "rejected"


def test_retry_after_seconds_and_date() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after(" 2.5 ", now) == 2.5
    assert parse_retry_after("-3", now) == 0.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(date, now) == pytest.approx(30.0, abs=1.0)
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("", now) is None
    assert parse_retry_after("soon", now) is None


@given(
    attempt=st.integers(1, 30),
    retry_after=st.none() | st.floats(0, 10_000, allow_nan=False),
    seed=st.integers(0, 2**32),
)
def test_delay_is_bounded_and_honours_retry_after(attempt: int, retry_after: float | None, seed: int) -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=20.0, max_retry_after=60.0)
    d = policy.delay(attempt, retry_after, random.Random(seed))
    assert 0.0 <= d <= max(20.0, min(retry_after or 0.0, 60.0))
    if retry_after is not None:
        assert d >= min(retry_after, 60.0)


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(0)
    highs = [max(policy.delay(a, None, rng) for _ in range(400)) for a in (1, 2, 3, 4, 6)]
    assert highs[0] <= 1.0 < highs[1] <= 2.0 < highs[2] <= 4.0 < highs[3] <= 8.0
    assert highs[4] <= 8.0


def test_policy_rejects_a_zero_budget() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


def test_ratelimit_reset_in_milliseconds_or_seconds() -> None:
    now = 1_700_000_000.0
    assert parse_ratelimit_reset(str(int((now + 12) * 1000)), now) == pytest.approx(12.0, abs=0.01)
    assert parse_ratelimit_reset(str(now + 5), now) == pytest.approx(5.0)
    assert parse_ratelimit_reset(str(int((now - 5) * 1000)), now) == 0.0
    assert parse_ratelimit_reset("x", now) is None and parse_ratelimit_reset(None, now) is None
