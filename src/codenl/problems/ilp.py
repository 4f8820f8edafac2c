"""Fine-grained integer-programming kinds: ``ilp_assign``, ``ilp_prod``, ``ilp_partition``.  Answers are optimal
values (one integer), so any optimal solution a model finds is graded correct.

``ilp_assign`` (size = n, the side of the cost matrix)
    ``cost[i][j]`` uniform in 1..99 is the cost of worker i doing job j.  Answer: the minimum total cost of a
    one-to-one assignment.  Gold: ``scipy.optimize.linear_sum_assignment``, its total recomputed in integers.
``ilp_prod`` (size = n, the number of products)
    A production plan with ``m = 3`` resources.  ``data`` keys: ``profit`` (n ints, 1..30, profit per unit of
    product j), ``usage`` (m x n ints, 0..9, units of resource i used per unit of product j), ``capacity``
    (m ints, units of resource i available) and ``demand`` (n ints, 1..6, the most units of product j that can
    be sold).  ``capacity[i]`` is a fraction, uniform in [0.3, 0.6], of the resource that producing every
    product up to its demand would use, and at least the largest single-unit usage of that resource, so one unit
    of any product is always feasible and the answer is never 0 (the earlier system's capacities made 95% of its
    answers 0).  Answer: the maximum total profit with whole-number quantities.  Gold: ``scipy.optimize.milp``
    (HiGHS) with a zero relative gap; the solution is rounded, re-checked for feasibility in integers, its
    profit recomputed in integers, and HiGHS's dual bound must prove that no integer profit above it exists.
``ilp_partition`` (size = n, the count of numbers)
    ``numbers`` uniform in ``1..R`` with ``R = min(10**6, max(20, 2**n))``: the range grows with n so that
    perfectly balanced partitions stay the exception rather than the rule at the plan's sizes (the number
    partitioning phase transition is near ``log2(R) = n``).  Answer: the sum of the smaller part of a split into
    two parts whose sums are as close as possible, i.e. the largest subset sum not above half the total; for
    n >= 2 it is never 0.  Gold: exact subset sums, by meet in the middle or a bitset
    dynamic programme, whichever is cheaper for the instance.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import random
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from codenl.problems.arithmetic import IntAnswerKind
from codenl.problems.base import Problem
from codenl.problems.dp import format_list

# --------------------------------------------------------------------------------------------------- solvers


def assignment_min_cost(cost: Sequence[Sequence[int]]) -> int:
    """Minimum total cost of a perfect assignment of rows to columns of a square integer matrix."""
    from scipy.optimize import linear_sum_assignment

    n = len(cost)
    if any(len(row) != n for row in cost):
        raise ValueError("cost matrix must be square")
    if n == 0:
        return 0
    rows, cols = linear_sum_assignment(np.array(cost, dtype=np.int64))
    if sorted(cols.tolist()) != list(range(n)):
        raise AssertionError("linear_sum_assignment did not return a permutation")
    return sum(int(cost[r][c]) for r, c in zip(rows.tolist(), cols.tolist()))


def production_plan(
    profit: Sequence[int], usage: Sequence[Sequence[int]], capacity: Sequence[int], demand: Sequence[int]
) -> tuple[int, list[int]]:
    """Optimal integer production plan: (maximum total profit, quantities).  Verified in exact integers."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(profit)
    with _native_stdout_silenced():  # HiGHS's C++ code prints a debug line to fd 1 on some instances
        res = milp(
            c=-np.array(profit, dtype=float),
            constraints=LinearConstraint(np.array(usage, dtype=float), -np.inf, np.array(capacity, dtype=float)),
            integrality=np.ones(n),
            bounds=Bounds(np.zeros(n), np.array(demand, dtype=float)),
            options={"mip_rel_gap": 0.0, "presolve": False},
        )
    if res.status != 0 or res.x is None:
        raise AssertionError(f"milp failed: status {res.status}: {res.message}")
    x = [int(round(v)) for v in res.x]  # noqa: RUF046 - numpy scalars: int() makes them Python ints
    if any(abs(v - xv) > 1e-6 for v, xv in zip(res.x, x)):
        raise AssertionError(f"milp returned a non-integral solution {res.x}")
    if not production_feasible(usage, capacity, demand, x):
        raise AssertionError(f"milp solution {x} is infeasible")
    best = sum(p * q for p, q in zip(profit, x))
    # integer profits: an optimum of best + 1 or more would need a dual bound <= -(best + 1)
    bound = getattr(res, "mip_dual_bound", None)
    if bound is not None and bound <= -(best + 1) + 1e-6:
        raise AssertionError(f"milp did not prove optimality: profit {best}, dual bound {-bound}")
    return best, x


@contextlib.contextmanager
def _native_stdout_silenced() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null for the duration (output of native code that ignores sys.stdout).

    Process-wide: meant for the single-threaded generator.  Does nothing when fd 1 is not open.
    """
    if sys.stdout is not None:
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def production_feasible(
    usage: Sequence[Sequence[int]], capacity: Sequence[int], demand: Sequence[int], x: Sequence[int]
) -> bool:
    """Whole-number quantities within demand that use no more of any resource than is available."""
    if len(x) != len(demand) or any(not 0 <= q <= d for q, d in zip(x, demand)):
        return False
    return all(sum(a * q for a, q in zip(row, x)) <= cap for row, cap in zip(usage, capacity))


def partition_smaller_sum(numbers: Sequence[int]) -> int:
    """Sum of the smaller part of a most balanced split into two parts (largest subset sum <= total // 2).

    Both methods are exact; the cheaper one runs: meet in the middle (time ~ 2**(n/2)) for few large numbers,
    the bitset DP (time ~ n * total / word size) otherwise.
    """
    if any(v < 0 for v in numbers):
        raise ValueError("numbers must be non-negative")
    total = sum(numbers)
    if (1 << (len(numbers) // 2)) * 512 < total:
        return best_subset_sum_mitm(numbers, total // 2)
    return best_subset_sum_bitset(numbers, total // 2)


def best_subset_sum_bitset(numbers: Sequence[int], limit: int) -> int:
    """Largest subset sum <= limit: DP over reachable sums kept as the bits of one integer."""
    mask = (1 << (limit + 1)) - 1
    reach = 1
    for v in numbers:
        reach = (reach | (reach << v)) & mask
    return reach.bit_length() - 1


def all_subset_sums(numbers: Sequence[int]) -> list[int]:
    sums = [0]
    for v in numbers:
        sums += [s + v for s in sums]
    return sums


def best_subset_sum_mitm(numbers: Sequence[int], limit: int) -> int:
    """Largest subset sum <= limit: subset sums of each half, each left sum paired with the best right sum."""
    mid = len(numbers) // 2
    left = all_subset_sums(numbers[:mid])
    right = sorted(set(all_subset_sums(numbers[mid:])))
    best = 0
    for s in left:
        if s <= limit:
            k = bisect.bisect_right(right, limit - s) - 1  # right[0] == 0, so k >= 0
            best = max(best, s + right[k])
    return best


# ------------------------------------------------------------------------------------------------ generators


def format_matrix(rows: Sequence[Sequence[int]]) -> str:
    return "[\n" + ",\n".join("  " + format_list(r) for r in rows) + "\n]"


class Assignment(IntAnswerKind):
    name = "ilp_assign"
    family = "fine_grained"
    min_size = 1
    max_size = 100
    size_meaning = "side of the cost matrix (workers = jobs)"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        cost = [[rng.randint(1, 99) for _ in range(size)] for _ in range(size)]
        statement = (
            f"There are {size} workers and {size} jobs (numbered 0..{size - 1}). cost[i][j] is the cost of "
            f"worker i doing job j:\n"
            f"cost = {format_matrix(cost)}\n"
            "Assign every worker to exactly one job so that every job gets exactly one worker and the total "
            "cost is as small as possible. What is the minimum total cost?"
        )
        answer_format = "a JSON integer: the minimum total cost of a one-to-one assignment of workers to jobs"
        return Problem(statement, answer_format, "int", assignment_min_cost(cost), {"cost": cost})

    def heuristics(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        """Workers in order, each taking its cheapest free job."""
        cost = instance["data"]["cost"]
        free = set(range(len(cost)))
        total = 0
        for row in cost:
            job = min(free, key=lambda j: (row[j], j))
            free.remove(job)
            total += row[job]
        return {"greedy_cheapest_free_job": total}


PROD_RESOURCES = 3


class Production(IntAnswerKind):
    name = "ilp_prod"
    family = "fine_grained"
    min_size = 1
    max_size = 40
    size_meaning = "number of products"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        m = PROD_RESOURCES
        profit = [rng.randint(1, 30) for _ in range(size)]
        usage = [[rng.randint(0, 9) for _ in range(size)] for _ in range(m)]
        demand = [rng.randint(1, 6) for _ in range(size)]
        capacity = [
            max(max(row), int(rng.uniform(0.3, 0.6) * sum(a * d for a, d in zip(row, demand)))) for row in usage
        ]
        statement = (
            f"A factory makes {size} products (numbered 0..{size - 1}) from {m} resources (numbered 0..{m - 1}). "
            "Each unit of product j earns profit[j] and uses usage[i][j] units of resource i; only capacity[i] "
            "units of resource i are available, and at most demand[j] units of product j can be sold.\n"
            f"profit = {format_list(profit)}\n"
            f"usage = {format_matrix(usage)}\n"
            f"capacity = {format_list(capacity)}\n"
            f"demand = {format_list(demand)}\n"
            "Choose how many units of each product to make (a whole number from 0 to demand[j]) so that no "
            "resource is used beyond its capacity and the total profit is as large as possible. What is the "
            "maximum total profit?"
        )
        answer_format = "a JSON integer: the maximum total profit of a feasible whole-number production plan"
        gold, _plan = production_plan(profit, usage, capacity, demand)
        data = {"profit": profit, "usage": usage, "capacity": capacity, "demand": demand}
        return Problem(statement, answer_format, "int", gold, data)


def partition_range(size: int) -> int:
    return min(10**6, max(20, 2**size))


class Partition(IntAnswerKind):
    name = "ilp_partition"
    family = "fine_grained"
    min_size = 2
    max_size = 100
    size_meaning = "count of numbers"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        high = partition_range(size)
        numbers = [rng.randint(1, high) for _ in range(size)]
        statement = (
            f"Split these {size} numbers into two groups, every number in exactly one group, so that the "
            "difference between the two group sums is as small as possible:\n"
            f"numbers = {format_list(numbers)}\n"
            "What is the sum of the group with the smaller sum (if the two sums are equal, that common sum)?"
        )
        answer_format = (
            "a JSON integer: the smaller of the two group sums in a split whose sums are as close as possible"
        )
        return Problem(statement, answer_format, "int", partition_smaller_sum(numbers), {"numbers": numbers})

    def heuristics(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        """floor(sum / 2), and the greedy split (largest first, each number to the group with the smaller sum)."""
        numbers = instance["data"]["numbers"]
        groups = [0, 0]
        for x in sorted(numbers, reverse=True):
            groups[groups[1] < groups[0]] += x
        return {"half_sum": sum(numbers) // 2, "greedy_largest_first": min(groups)}


KINDS = (Assignment(), Production(), Partition())
