"""ksp: 0/1 knapsack (optimisation; answer = the chosen items).

Size = number of items. Weights are integers 1..30, values 1..50, and the capacity is 35..60% of the total
weight (so neither "take everything" nor "take nothing" is an answer, and the capacity is never the item count).
The exact optimum comes from dynamic programming over capacities.

``data``: ``weights``, ``values`` (lists, item i at index i), ``capacity``, ``optimum`` (the largest total value
that fits; not shown to the model).
``answer``: one optimal selection, the 0-based indices of the chosen items in increasing order (``list[int]``).
Grading: distinct valid indices (in any order), total weight at most ``capacity`` and total value equal to
``optimum``; any optimal selection is correct.

Standard heuristic (:meth:`Kind.heuristics`): the value-per-weight greedy (:func:`greedy_by_ratio`). Odd-indexed
instances are redrawn until it is not optimal (22-41% of draws qualify at the plan's levels, docs/baselines.md);
even-indexed ones are drawn as they come, so it solves about a third of each level.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from codenl.problems.base import Kind, Problem, Verdict
from codenl.problems.nphard._common import CORRECT, FAMILY, int_list, wrong

MAX_WEIGHT = 30
MAX_VALUE = 50
#: fewer items than this: odd-indexed instances are not redrawn (the greedy is optimal on almost every one)
HARD_MIN_ITEMS = 3


def knapsack(weights: Sequence[int], values: Sequence[int], capacity: int) -> tuple[int, list[int]]:
    """``(optimal value, chosen indices ascending)`` by dynamic programming over (items, capacity)."""
    n = len(weights)
    # best[i][c]: best value using items 0..i-1 within capacity c
    best = [[0] * (capacity + 1)]
    for i in range(n):
        prev = best[-1]
        w, v = weights[i], values[i]
        row = prev[:]
        for c in range(w, capacity + 1):
            if prev[c - w] + v > row[c]:
                row[c] = prev[c - w] + v
        best.append(row)
    chosen = []
    c = capacity
    for i in range(n, 0, -1):
        if best[i][c] != best[i - 1][c]:
            chosen.append(i - 1)
            c -= weights[i - 1]
    return best[n][capacity], sorted(chosen)


def greedy_by_ratio(weights: Sequence[int], values: Sequence[int], capacity: int) -> list[int]:
    """The standard greedy: items by decreasing value per weight (ties: the lowest index), each taken when it still
    fits; the chosen indices ascending."""
    order = sorted(range(len(weights)), key=lambda i: (-Fraction(values[i], weights[i]), i))
    chosen, room = [], capacity
    for i in order:
        if weights[i] <= room:
            chosen.append(i)
            room -= weights[i]
    return sorted(chosen)


def draw_items(size: int, rng: random.Random) -> tuple[list[int], list[int], int]:
    weights = [rng.randint(1, MAX_WEIGHT) for _ in range(size)]
    values = [rng.randint(1, MAX_VALUE) for _ in range(size)]
    capacity = max(max(weights), round(sum(weights) * rng.uniform(0.35, 0.60)))
    return weights, values, capacity


def brute_force_knapsack(weights: Sequence[int], values: Sequence[int], capacity: int) -> int:
    """Optimal value by trying every subset (a second method, for tests on small sizes)."""
    n = len(weights)
    best = 0
    for r in range(n + 1):
        for subset in itertools.combinations(range(n), r):
            if sum(weights[i] for i in subset) <= capacity:
                best = max(best, sum(values[i] for i in subset))
    return best


class Knapsack(Kind):
    name = "ksp"
    family = FAMILY
    min_size = 3
    max_size = 40
    # 2: odd-indexed instances are redrawn until the value-per-weight greedy is not optimal (1: it was optimal on
    # 63-70% of instances)
    version = "2"
    size_meaning = "number of items"
    unordered = ((),)  # the items taken, in any order

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        while True:
            weights, values, capacity = draw_items(size, rng)
            optimum, chosen = knapsack(weights, values, capacity)
            greedy = sum(values[i] for i in greedy_by_ratio(weights, values, capacity))
            if index % 2 == 0 or size < HARD_MIN_ITEMS or greedy < optimum:
                break
        items = "\n".join(f"item {i}: weight {w}, value {v}" for i, (w, v) in enumerate(zip(weights, values)))
        statement = (
            f"There are {size} items, numbered 0 to {size - 1}, each with a weight and a value:\n{items}\n"
            f"The knapsack can carry a total weight of at most {capacity}. Each item can be taken at most once. "
            f"Choose the items to take so that their total weight is at most {capacity} and their total value "
            f"is as large as possible."
        )
        answer_format = (
            "a JSON list of integers: the numbers of the items you take, each at most once, "
            "in increasing order, e.g. [0, 3, 4]"
        )
        return Problem(
            statement=statement,
            answer_format=answer_format,
            answer_type="list[int]",
            answer=chosen,
            data={"weights": weights, "values": values, "capacity": capacity, "optimum": optimum},
        )

    def grade(self, instance: Mapping[str, Any], answer: Any) -> Verdict:
        data = instance["data"]
        weights, values = data["weights"], data["values"]
        n = len(weights)
        chosen, reason = int_list(answer)
        if chosen is None:
            return wrong(reason)
        bad = [i for i in chosen if not 0 <= i < n]
        if bad:
            return wrong(f"item {bad[0]} does not exist (items are 0..{n - 1})")
        if len(set(chosen)) != len(chosen):
            return wrong("an item is taken more than once")
        weight = sum(weights[i] for i in chosen)
        if weight > data["capacity"]:
            return wrong(f"total weight {weight} exceeds the capacity {data['capacity']}")
        value = sum(values[i] for i in chosen)
        if value != data["optimum"]:
            return wrong(f"total value {value}, the best possible is {data['optimum']}")
        return CORRECT

    def heuristics(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        data = instance["data"]
        return {"greedy_value_per_weight": greedy_by_ratio(data["weights"], data["values"], data["capacity"])}


KINDS = (Knapsack(),)
