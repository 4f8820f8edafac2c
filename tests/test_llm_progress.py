"""Progress line and cost estimates."""

from __future__ import annotations

import pytest

from codenl.llm.pricing import Price, estimate_cost, estimate_tokens, price_of
from codenl.llm.progress import Progress, format_eta


def test_format_eta() -> None:
    assert [format_eta(s) for s in (None, -1, 0, 12.4, 245, 3725)] == ["?", "?", "0s", "12s", "4m05s", "1h02m"]


def test_progress_line_counts_and_eta_exclude_ledger_hits() -> None:
    p = Progress(total=100, started=0.0)
    p.done, p.cached, p.in_flight, p.failed, p.retries = 30, 10, 4, 1, 7
    p.add_usage({"prompt_tokens": 100, "completion_tokens": 50}, 0.25)
    p.add_usage({"prompt_tokens": None, "completion_tokens": 5}, None)
    line = p.line(now=40.0)
    assert line == (
        "query: 30/100 done (10 from ledger), 4 in flight, 1 failed, 7 retries, tokens 100 in / 55 out, "
        "cost $0.2500, ETA 2m20s"
    )  # 20 sent in 40 s -> 2 s per request, 70 left


def test_cost_estimates() -> None:
    assert estimate_cost("google/gemini-2.0-flash-001", 1_000_000, 1_000_000) == pytest.approx(0.5)
    assert estimate_cost("unknown/model", 10, 10) is None
    assert estimate_cost("anything", 10, 10, provider="local") == 0.0
    assert price_of("x/y", overrides={"x/y": Price(1, 2)}) == Price(1, 2)
    assert estimate_tokens("") == 0 and estimate_tokens("abcd" * 10) == 10
