"""Fine-grained dynamic-programming kinds: ``lcs``, ``knap``, ``rod``.  Gold is exact (integer DP).

Generators (``size`` in parentheses):

``lcs`` (length of both strings)
    ``s`` and ``t`` are independent uniform strings over a small alphabet: ``ab`` up to length 3, ``abc`` up to
    length 6, ``abcd`` beyond.  A small alphabet keeps the answer informative (rarely 0 at short lengths, never
    equal to the length at long ones).  Answer: the length of a longest common subsequence.
``knap`` (number of items)
    weights uniform in 1..20, values uniform in 1..50; the capacity is a fraction, uniform in [0.35, 0.65], of the
    total weight (rounded down), and at least the lightest item's weight, so that some item always fits and the
    answer is never 0.  Answer: the maximum total value of a 0/1 selection within the capacity.
``rod`` (rod length n)
    ``prices[i]`` is the price of a piece of length ``i + 1``: ``prices[0]`` uniform in 1..10, each next price
    higher by 1..10 (increasing, as in CLRS's table).  The price per unit length then varies without a ceiling
    that a common piece length reaches, so the optimum mixes piece lengths and no one rule ("sell it whole", "cut
    it into unit pieces") solves most instances.  Answer: the maximum revenue.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from codenl.problems.arithmetic import IntAnswerKind
from codenl.problems.base import Problem

# --------------------------------------------------------------------------------------------------- solvers


def lcs_length(s: str, t: str) -> int:
    """Length of a longest common subsequence (row-by-row DP, O(len(s) * len(t)) time, O(len(t)) space)."""
    prev = [0] * (len(t) + 1)
    for ch in s:
        cur = [0]
        for j, tj in enumerate(t):
            cur.append(prev[j] + 1 if ch == tj else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def knapsack_max_value(weights: Sequence[int], values: Sequence[int], capacity: int) -> int:
    """Maximum total value of a subset of items with total weight <= capacity (0/1 knapsack DP over capacity)."""
    if len(weights) != len(values):
        raise ValueError("weights and values differ in length")
    if capacity < 0:
        raise ValueError("capacity must be non-negative")
    best = [0] * (capacity + 1)
    for w, v in zip(weights, values):
        if w < 0:
            raise ValueError("weights must be non-negative")
        for c in range(capacity, w - 1, -1):
            cand = best[c - w] + v
            if cand > best[c]:
                best[c] = cand
    return best[capacity]


def rod_max_revenue(prices: Sequence[int], length: int) -> int:
    """Maximum revenue from cutting a rod of ``length``; ``prices[i]`` is the price of a piece of length i+1."""
    if length > len(prices):
        raise ValueError("need a price for every length up to the rod length")
    best = [0] * (length + 1)
    for n in range(1, length + 1):
        best[n] = max(prices[i] + best[n - i - 1] for i in range(n))
    return best[length]


def greedy_knapsack_value(weights: Sequence[int], values: Sequence[int], capacity: int) -> int:
    """Total value of the value-per-weight greedy: items by decreasing value/weight (ties: the lowest index), each
    taken when it still fits (a cheap strategy, not the optimum)."""
    total, room = 0, capacity
    for i in sorted(range(len(weights)), key=lambda i: (-Fraction(values[i], max(weights[i], 1)), i)):
        if weights[i] <= room:
            total += values[i]
            room -= weights[i]
    return total


# ------------------------------------------------------------------------------------------------ generators


def lcs_alphabet(length: int) -> str:
    return "ab" if length <= 3 else "abc" if length <= 6 else "abcd"


def format_list(values: Sequence[int]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


class LCS(IntAnswerKind):
    name = "lcs"
    family = "fine_grained"
    min_size = 1
    max_size = 200
    size_meaning = "length of each string"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        alphabet = lcs_alphabet(size)
        s = "".join(rng.choice(alphabet) for _ in range(size))
        t = "".join(rng.choice(alphabet) for _ in range(size))
        statement = (
            f"Two strings over the alphabet {{{', '.join(alphabet)}}}:\n"
            f's = "{s}"\n'
            f't = "{t}"\n'
            "A subsequence of a string is what remains after deleting zero or more of its characters, without "
            "changing the order of the others. What is the length of the longest common subsequence of s and t "
            "(the longest string that is a subsequence of both)?"
        )
        answer_format = "a JSON integer: the length of a longest common subsequence of s and t"
        return Problem(statement, answer_format, "int", lcs_length(s, t), {"s": s, "t": t})


class Knapsack(IntAnswerKind):
    name = "knap"
    family = "fine_grained"
    min_size = 1
    max_size = 200
    size_meaning = "number of items"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        weights = [rng.randint(1, 20) for _ in range(size)]
        values = [rng.randint(1, 50) for _ in range(size)]
        capacity = max(min(weights), int(sum(weights) * rng.uniform(0.35, 0.65)))
        statement = (
            f"There are {size} items; item i has weight weights[i] and value values[i] (i = 0..{size - 1}):\n"
            f"weights = {format_list(weights)}\n"
            f"values = {format_list(values)}\n"
            f"capacity = {capacity}\n"
            "Choose a set of items, each item at most once, whose total weight is at most the capacity and whose "
            "total value is as large as possible. What is that maximum total value?"
        )
        answer_format = "a JSON integer: the maximum total value of items that fit within the capacity"
        gold = knapsack_max_value(weights, values, capacity)
        data = {"weights": weights, "values": values, "capacity": capacity}
        return Problem(statement, answer_format, "int", gold, data)

    def heuristics(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        data = instance["data"]
        return {"greedy_value_per_weight": greedy_knapsack_value(data["weights"], data["values"], data["capacity"])}


class Rod(IntAnswerKind):
    name = "rod"
    family = "fine_grained"
    version = "2"  # 1 drew prices[i] from (i+1)..3(i+1): 3n was the answer of most instances
    min_size = 1
    max_size = 200
    size_meaning = "rod length"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        prices = [rng.randint(1, 10)]
        for _ in range(size - 1):
            prices.append(prices[-1] + rng.randint(1, 10))
        statement = (
            f"A rod of length {size} can be cut into pieces of whole-number lengths (or sold uncut). A piece of "
            f"length L sells for prices[L-1], where\n"
            f"prices = {format_list(prices)}\n"
            f"(prices[0] is the price of a piece of length 1, prices[{size - 1}] the price of the uncut rod). "
            f"What is the maximum total revenue obtainable by cutting the rod of length {size} and selling all "
            "the pieces?"
        )
        answer_format = "a JSON integer: the maximum total revenue"
        return Problem(statement, answer_format, "int", rod_max_revenue(prices, size), {"prices": prices})

    def heuristics(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        prices = instance["data"]["prices"]
        return {"uncut": prices[-1], "unit_pieces": len(prices) * prices[0]}


KINDS = (LCS(), Knapsack(), Rod())
