"""Searching (CLRS chapters 2, 9): minimum, binary search, quickselect (RANDOMIZED-SELECT, made deterministic)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from codenl.problems.base import Problem, Verdict
from codenl.problems.clrs.common import Algo, dumps, grade_int

CATEGORY = "searching"
INDEX_FORMAT = "a single JSON integer (a 0-based index), e.g. 3"


def minimum_index(a: list[int]) -> int:
    """0-based index of the first occurrence of the minimum (CLRS MINIMUM, scanning left to right)."""
    best = 0
    for i in range(1, len(a)):
        if a[i] < a[best]:
            best = i
    return best


def lower_bound(a: list[int], x: int) -> int:
    """Binary search: the smallest index i with a[i] >= x (len(a) when there is none); ``a`` is sorted."""
    lo, hi = 0, len(a)
    while lo < hi:
        mid = (lo + hi) // 2
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def quickselect(a: list[int], k: int) -> int:
    """The k-th smallest element (1-based, repeats counted) by CLRS SELECT with Lomuto partition, pivot = last."""
    a = list(a)
    p, r, i = 0, len(a) - 1, k
    while True:
        if p == r:
            return a[p]
        x = a[r]
        s = p - 1
        for j in range(p, r):
            if a[j] <= x:
                s += 1
                a[s], a[j] = a[j], a[s]
        a[s + 1], a[r] = a[r], a[s + 1]
        q = s + 1
        rank = q - p + 1
        if i == rank:
            return a[q]
        if i < rank:
            r = q - 1
        else:
            p, i = q + 1, i - rank


def make_minimum(n: int, rng: random.Random) -> Problem:
    # values from a small range so that the minimum often repeats and "first occurrence" matters
    a = [rng.randint(0, max(3, n // 2)) for _ in range(n)]
    statement = (
        f"Find the minimum of the array A of {n} integers (CLRS MINIMUM: scan from left to right).\n"
        f"A = {dumps(a)}\n"
        "Return the 0-based index of the minimum element; if the minimum value occurs several times, return the "
        "lowest such index (its first occurrence)."
    )
    return Problem(
        statement=statement,
        answer_format=INDEX_FORMAT,
        answer_type="int",
        answer=minimum_index(a),
        data={"array": a},
        algorithm="minimum",
    )


def make_binary_search(n: int, rng: random.Random) -> Problem:
    a = sorted(rng.sample(range(0, 4 * n + 1), n))
    if rng.random() < 0.5:
        x = rng.choice(a)
    else:
        present = set(a)
        absent = [v for v in range(-2, 4 * n + 3) if v not in present]
        x = rng.choice(absent)
    statement = (
        f"Use binary search on the sorted array A of {n} distinct integers to locate x.\n"
        f"A = {dumps(a)}\n"
        f"x = {x}\n"
        "Return the smallest 0-based index i such that A[i] >= x: this is the index of x when x is in A, and "
        f"otherwise the position where x would be inserted to keep A sorted ({n} if every element is smaller "
        "than x)."
    )
    return Problem(
        statement=statement,
        answer_format=INDEX_FORMAT,
        answer_type="int",
        answer=lower_bound(a, x),
        data={"array": a, "x": x},
        algorithm="binary_search",
    )


def make_quickselect(n: int, rng: random.Random) -> Problem:
    a = [rng.randint(0, 99) for _ in range(n)]
    k = rng.randint(1, n)
    statement = (
        f"Use quickselect (CLRS SELECT by repeated partitioning) to find the k-th smallest element of the array A of "
        f"{n} integers, with k = {k} (1-based: k = 1 is the minimum, k = {n} the maximum; repeated values count "
        "separately, so the answer is the element at position k of A sorted in non-decreasing order).\n"
        f"A = {dumps(a)}\n"
        "Return that element's value."
    )
    return Problem(
        statement=statement,
        answer_format="a single JSON integer (the element's value), e.g. 42",
        answer_type="int",
        answer=quickselect(a, k),
        data={"array": a, "k": k},
        algorithm="quickselect",
    )


def grade_exact_int(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    return grade_int(gold, answer)


ALGOS = (
    Algo("quickselect", CATEGORY, make_quickselect, grade_exact_int),
    Algo("minimum", CATEGORY, make_minimum, grade_exact_int),
    Algo("binary_search", CATEGORY, make_binary_search, grade_exact_int),
)
