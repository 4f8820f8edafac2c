"""Sorting (CLRS chapters 2, 6, 7): insertion sort, bubble sort, heapsort, quicksort.

The answer of every sorting algorithm is the sorted array (the output of the CLRS benchmark); the gold comes from
an implementation of the named CLRS procedure and is cross-checked against ``sorted`` in the tests.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from codenl.problems.base import Problem, Verdict
from codenl.problems.clrs.common import Algo, dumps, grade_int_list

CATEGORY = "sorting"
ANSWER_FORMAT = "a JSON list of integers: the sorted array, e.g. [-3, 1, 1, 7]"


def insertion_sort(a: list[int]) -> list[int]:
    """CLRS INSERTION-SORT on a copy of ``a``."""
    a = list(a)
    for j in range(1, len(a)):
        key = a[j]
        i = j - 1
        while i >= 0 and a[i] > key:
            a[i + 1] = a[i]
            i -= 1
        a[i + 1] = key
    return a


def bubble_sort(a: list[int]) -> list[int]:
    """CLRS BUBBLESORT (problem 2-2) on a copy of ``a``."""
    a = list(a)
    n = len(a)
    for i in range(n - 1):
        for j in range(n - 1, i, -1):
            if a[j] < a[j - 1]:
                a[j], a[j - 1] = a[j - 1], a[j]
    return a


def _max_heapify(a: list[int], i: int, heap_size: int) -> None:
    while True:
        left, right = 2 * i + 1, 2 * i + 2
        largest = i
        if left < heap_size and a[left] > a[largest]:
            largest = left
        if right < heap_size and a[right] > a[largest]:
            largest = right
        if largest == i:
            return
        a[i], a[largest] = a[largest], a[i]
        i = largest


def heapsort(a: list[int]) -> list[int]:
    """CLRS HEAPSORT (BUILD-MAX-HEAP, then repeated extraction) on a copy of ``a``."""
    a = list(a)
    n = len(a)
    for i in range(n // 2 - 1, -1, -1):
        _max_heapify(a, i, n)
    for end in range(n - 1, 0, -1):
        a[0], a[end] = a[end], a[0]
        _max_heapify(a, 0, end)
    return a


def _partition(a: list[int], p: int, r: int) -> int:
    """CLRS PARTITION (Lomuto, pivot a[r])."""
    x = a[r]
    i = p - 1
    for j in range(p, r):
        if a[j] <= x:
            i += 1
            a[i], a[j] = a[j], a[i]
    a[i + 1], a[r] = a[r], a[i + 1]
    return i + 1


def quicksort(a: list[int]) -> list[int]:
    """CLRS QUICKSORT with Lomuto partition, iterative (explicit stack), on a copy of ``a``."""
    a = list(a)
    stack = [(0, len(a) - 1)]
    while stack:
        p, r = stack.pop()
        if p < r:
            q = _partition(a, p, r)
            stack.append((p, q - 1))
            stack.append((q + 1, r))
    return a


SOLVERS = {
    "insertion_sort": (insertion_sort, "insertion sort (CLRS INSERTION-SORT)"),
    "bubble_sort": (bubble_sort, "bubble sort (CLRS BUBBLESORT, repeatedly swapping adjacent out-of-order elements)"),
    "heapsort": (heapsort, "heapsort (CLRS HEAPSORT: build a max-heap, then repeatedly move the maximum to the end)"),
    "quicksort": (quicksort, "quicksort (CLRS QUICKSORT with the Lomuto PARTITION, pivot = last element)"),
}


def random_array(n: int, rng: random.Random) -> list[int]:
    """``n`` integers in -99..99 (repeats possible)."""
    return [rng.randint(-99, 99) for _ in range(n)]


def _maker(name: str):
    solver, description = SOLVERS[name]

    def make(n: int, rng: random.Random) -> Problem:
        a = random_array(n, rng)
        statement = (
            f"Sort the array A of {n} integers into non-decreasing order using {description}.\n"
            f"A = {dumps(a)}\n"
            "Return the sorted array (all elements, repeats kept)."
        )
        return Problem(
            statement=statement,
            answer_format=ANSWER_FORMAT,
            answer_type="list[int]",
            answer=solver(a),
            data={"array": a},
            algorithm=name,
        )

    return make


def grade_sorted(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    return grade_int_list(gold, answer)


ALGOS = tuple(Algo(name, CATEGORY, _maker(name), grade_sorted) for name in SOLVERS)
