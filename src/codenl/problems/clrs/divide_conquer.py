"""Divide and conquer (CLRS chapter 4): the maximum subarray (FIND-MAXIMUM-SUBARRAY; Kadane's scan in the tests)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from codenl.problems.base import WRONG_TYPE, Problem, Verdict
from codenl.problems.clrs.common import CORRECT, Algo, as_int_list, dumps, wrong

CATEGORY = "divide_conquer"


def _max_crossing(a: list[int], low: int, mid: int, high: int) -> tuple[int, int, int]:
    left_sum, total, max_left = None, 0, mid
    for i in range(mid, low - 1, -1):
        total += a[i]
        if left_sum is None or total > left_sum:
            left_sum, max_left = total, i
    right_sum, total, max_right = None, 0, mid + 1
    for j in range(mid + 1, high + 1):
        total += a[j]
        if right_sum is None or total > right_sum:
            right_sum, max_right = total, j
    return max_left, max_right, left_sum + right_sum  # type: ignore[operator]


def find_maximum_subarray(a: list[int], low: int = 0, high: int | None = None) -> tuple[int, int, int]:
    """CLRS FIND-MAXIMUM-SUBARRAY: (low, high, sum) of a non-empty subarray a[low..high] of maximum sum."""
    if high is None:
        high = len(a) - 1
    if low == high:
        return low, high, a[low]
    mid = (low + high) // 2
    left = find_maximum_subarray(a, low, mid)
    right = find_maximum_subarray(a, mid + 1, high)
    cross = _max_crossing(a, low, mid, high)
    if left[2] >= right[2] and left[2] >= cross[2]:
        return left
    if right[2] >= left[2] and right[2] >= cross[2]:
        return right
    return cross


def make(n: int, rng: random.Random) -> Problem:
    a = [rng.randint(-15, 15) for _ in range(n)]
    low, high, total = find_maximum_subarray(a)
    statement = (
        f"Find a maximum subarray of the array A of {n} integers (CLRS FIND-MAXIMUM-SUBARRAY): a non-empty "
        "contiguous block A[low..high] (0-based, both ends included) whose sum is as large as possible.\n"
        f"A = {dumps(a)}\n"
        "Return [low, high, sum]: the 0-based first and last index of the block and its sum. If several blocks "
        "have the maximum sum, any of them is accepted."
    )
    return Problem(
        statement=statement,
        answer_format="a JSON list of three integers [low, high, sum], e.g. [2, 5, 17]",
        answer_type="list[int]",
        answer=[low, high, total],
        data={"array": a},
        algorithm="find_maximum_subarray",
    )


def grade(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    """Any block with the maximum sum is correct, provided the stated sum is that maximum."""
    a = list(data["array"])
    best = gold[2]
    values = as_int_list(answer, 3)
    if values is None:
        return wrong(f"{WRONG_TYPE}: expected a list of three integers [low, high, sum]")
    low, high, total = values
    if not 0 <= low <= high < len(a):
        return wrong(f"need 0 <= low <= high <= {len(a) - 1}, got low={low}, high={high}")
    actual = sum(a[low : high + 1])
    if actual != best:
        return wrong(f"A[{low}..{high}] sums to {actual}, the maximum is {best}")
    if total != best:
        return wrong(f"stated sum {total}, the maximum is {best}")
    return CORRECT


ALGOS = (Algo("find_maximum_subarray", CATEGORY, make, grade),)
