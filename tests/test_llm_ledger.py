"""Request keys and the append-only ledger."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from codenl.llm.ledger import Ledger, request_key

MSG = [{"role": "user", "content": "What is 2+2?"}]
PARAMS = {"temperature": 0.0, "top_p": 1.0, "max_tokens": 64, "seed": 1}


def test_key_is_stable_and_ignores_dict_order_and_trailing_slash() -> None:
    k = request_key("http://h/v1", "m", MSG, PARAMS)
    reordered = [{"content": "What is 2+2?", "role": "user"}]
    assert k == request_key("http://h/v1/", "m", reordered, dict(reversed(PARAMS.items())))
    assert len(k) == 64 and int(k, 16) >= 0


@given(field=st.sampled_from(["base_url", "model", "message", "temperature", "top_p", "max_tokens", "seed"]))
def test_key_changes_with_everything_that_changes_the_answer(field: str) -> None:
    base = {"base_url": "http://h/v1", "model": "m", "messages": MSG, "params": dict(PARAMS)}
    changed = {**base, "params": dict(PARAMS)}
    if field == "base_url":
        changed["base_url"] = "http://other/v1"
    elif field == "model":
        changed["model"] = "m2"
    elif field == "message":
        changed["messages"] = [{"role": "user", "content": "What is 2+3?"}]
    else:
        changed["params"][field] = PARAMS[field] + 1
    assert request_key(**base) != request_key(**changed)


def test_ledger_serves_ok_entries_and_forgets_infra_errors(tmp_path: Path) -> None:
    path = tmp_path / "ledger" / "l.jsonl"
    led = Ledger(path)
    led.record("a", "ok", {"text": "4", "attempts": 1}, model="m", base_url="u")
    led.record("b", "infra_error", {"text": None, "attempts": 3}, model="m", base_url="u")
    again = Ledger(path)
    assert again.get("a") == {"text": "4", "attempts": 1}
    assert again.get("b") is None
    assert again.failed_before == {"b"}
    assert again.lines == 2


def test_ledger_skips_a_partial_last_line_left_by_a_kill(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    led = Ledger(path)
    led.record("a", "ok", {"text": "x"}, model="m", base_url="u")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"key": "b", "status": "ok", "res')  # killed mid-write
    again = Ledger(path)
    assert set(again.completed) == {"a"}
    again.record("c", "ok", {"text": "y"}, model="m", base_url="u")
    third = Ledger(path)
    assert set(third.completed) == {"a", "c"}
