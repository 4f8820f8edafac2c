"""Helpers shared by the NP-hard kinds: robust checks of typed answers and text formatting for statements.

Graders receive answers already converted to the kind's ``answer_type``, but they must never raise on a
malformed one (a bool where an int is expected, a nested list, ``None`` ...): these helpers turn every such case
into a :class:`~codenl.problems.base.Verdict` with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codenl.problems.base import WRONG_TYPE, Verdict

FAMILY = "nphard"

CORRECT = Verdict(True)


def wrong(reason: str) -> Verdict:
    return Verdict(False, reason)


def is_int(value: Any) -> bool:
    """A JSON integer: ``int`` but not ``bool`` (``True`` is an ``int`` in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def int_list(answer: Any, length: int | None = None) -> tuple[list[int] | None, str]:
    """``(answer, "")`` when ``answer`` is a list of ints (of ``length`` when given), else ``(None, reason)``."""
    if not isinstance(answer, list):
        return None, f"{WRONG_TYPE}: expected a list of integers, got {type(answer).__name__}"
    for position, item in enumerate(answer):
        if not is_int(item):
            return None, f"{WRONG_TYPE}: element {position} is {item!r}, not an integer"
    if length is not None and len(answer) != length:
        return None, f"expected {length} elements, got {len(answer)}"
    return answer, ""


def check_int(answer: Any) -> str:
    """Empty when ``answer`` is a JSON integer, else the reason."""
    if is_int(answer):
        return ""
    return f"{WRONG_TYPE}: expected an integer, got {answer!r}"


def check_bool(answer: Any) -> str:
    if isinstance(answer, bool):
        return ""
    return f"{WRONG_TYPE}: expected true or false, got {answer!r}"


def bool_verdict(answer: Any, gold: bool) -> Verdict:
    reason = check_bool(answer)
    if reason:
        return wrong(reason)
    if answer is gold:
        return CORRECT
    return wrong(f"answered {str(answer).lower()}, the correct answer is {str(gold).lower()}")


def int_verdict(answer: Any, gold: int) -> Verdict:
    reason = check_int(answer)
    if reason:
        return wrong(reason)
    if answer == gold:
        return CORRECT
    return wrong(f"answered {answer}, the correct answer is {gold}")


def matrix_lines(matrix: Sequence[Sequence[int]]) -> str:
    """Rows of a matrix as text, one row a line, prefixed with its index."""
    return "\n".join(f"row {i}: " + " ".join(str(x) for x in row) for i, row in enumerate(matrix))


def weighted_edge_lines(edges: Sequence[Sequence[int]]) -> str:
    return "\n".join(f"{u} - {v}: weight {w}" for u, v, w in edges)


def edge_lines(edges: Sequence[Sequence[int]]) -> str:
    return ", ".join(f"{u}-{v}" for u, v in edges)
