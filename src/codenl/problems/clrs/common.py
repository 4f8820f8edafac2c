"""What every CLRS algorithm module provides, and the small pure helpers their graders share.

Each algorithm is an :class:`Algo`: a generator ``make(n, rng) -> Problem`` (``n`` is the input length) and a
grader ``grade(data, gold, answer) -> Verdict``.  Graders receive the answer already converted to the instance's
``answer_type`` but never trust it: a wrong shape, a bool where an int is due, an out-of-range vertex id and the
like give ``Verdict(False, reason)``, never an exception.  ``data`` and ``gold`` may have been through JSON (tuples
become lists), so graders only index them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from codenl.problems.base import WRONG_TYPE, PathPattern, Problem, Verdict

Maker = Callable[[int, random.Random], Problem]
Grader = Callable[[Mapping[str, Any], Any, Any], Verdict]

CORRECT = Verdict(True)


@dataclass(frozen=True)
class Algo:
    """One CLRS algorithm: its name, category (the module it lives in), generator and grader, and where its
    answer is an unordered collection (:attr:`codenl.problems.base.Kind.unordered`)."""

    name: str
    category: str
    make: Maker
    grade: Grader
    unordered: tuple[PathPattern, ...] = ()


def wrong(reason: str) -> Verdict:
    return Verdict(False, reason)


def dumps(value: Any) -> str:
    """Compact JSON for statements: ``[3, 1, 2]``, ``[[0, 1, 5], [1, 2, 3]]``."""
    return json.dumps(value, separators=(", ", ": "))


# ---------------------------------------------------------------------------------------------- answer checks
def is_int(x: Any) -> bool:
    """An int that is not a bool (JSON true must not pass for 1)."""
    return isinstance(x, int) and not isinstance(x, bool)


def as_int(x: Any) -> int | None:
    """``x`` as an int when it is one (or an integral float such as 3.0), else None."""
    if is_int(x):
        return int(x)
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return None


def as_int_list(x: Any, length: int | None = None) -> list[int] | None:
    """``x`` as a list of ints (of the given length), else None."""
    if not isinstance(x, list) or (length is not None and len(x) != length):
        return None
    out = [as_int(v) for v in x]
    if any(v is None for v in out):
        return None
    return out  # type: ignore[return-value]


def as_int_matrix(x: Any, rows: int | None = None, cols: int | None = None) -> list[list[int]] | None:
    """``x`` as a list of lists of ints (``rows`` x ``cols`` when given), else None."""
    if not isinstance(x, list) or (rows is not None and len(x) != rows):
        return None
    out = [as_int_list(r, cols) for r in x]
    if any(r is None for r in out):
        return None
    return out  # type: ignore[return-value]


def as_bool_list(x: Any, length: int | None = None) -> list[bool] | None:
    if not isinstance(x, list) or (length is not None and len(x) != length):
        return None
    if not all(isinstance(v, bool) for v in x):
        return None
    return list(x)


def grade_int(gold: Any, answer: Any) -> Verdict:
    value = as_int(answer)
    if value is None:
        return wrong(f"{WRONG_TYPE}: expected an integer")
    if value != gold:
        return wrong(f"expected {gold}, got {value}")
    return CORRECT


def grade_int_list(gold: Sequence[int], answer: Any) -> Verdict:
    """Exact comparison of a list of ints; the reason names the first differing position."""
    values = as_int_list(answer)
    if values is None:
        return wrong(f"{WRONG_TYPE}: expected a list of integers")
    if len(values) != len(gold):
        return wrong(f"expected a list of length {len(gold)}, got length {len(values)}")
    for i, (g, v) in enumerate(zip(gold, values)):
        if g != v:
            return wrong(f"position {i}: expected {g}, got {v}")
    return CORRECT


def grade_int_set(gold: Sequence[int], answer: Any, what: str) -> Verdict:
    """The answer lists the same ints as ``gold`` (any order, no repeats)."""
    values = as_int_list(answer)
    if values is None:
        return wrong(f"{WRONG_TYPE}: expected a list of integers")
    if len(set(values)) != len(values):
        return wrong(f"the list of {what} repeats an entry")
    missing = sorted(set(gold) - set(values))
    extra = sorted(set(values) - set(gold))
    if missing or extra:
        return wrong(f"{what}: missing {missing}, not expected {extra}")
    return CORRECT


def grade_int_matrix(gold: Sequence[Sequence[int]], answer: Any) -> Verdict:
    rows = len(gold)
    cols = len(gold[0]) if rows else 0
    values = as_int_matrix(answer, rows, cols)
    if values is None:
        return wrong(f"{WRONG_TYPE}: expected a {rows} x {cols} matrix of integers")
    for i in range(rows):
        for j in range(cols):
            if values[i][j] != gold[i][j]:
                return wrong(f"entry [{i}][{j}]: expected {gold[i][j]}, got {values[i][j]}")
    return CORRECT
