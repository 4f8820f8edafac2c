"""Greedy algorithms (CLRS chapter 16): activity selection, unit-task scheduling with deadlines and penalties."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from codenl.problems.base import WRONG_TYPE, Problem, Verdict
from codenl.problems.clrs.common import CORRECT, Algo, as_int_list, dumps, grade_int, wrong

CATEGORY = "greedy"


def activity_selector(start: list[int], finish: list[int]) -> list[int]:
    """CLRS GREEDY-ACTIVITY-SELECTOR after sorting by finish time (ties by index); indices in increasing order."""
    order = sorted(range(len(start)), key=lambda i: (finish[i], i))
    chosen: list[int] = []
    last_finish = None
    for i in order:
        if last_finish is None or start[i] >= last_finish:
            chosen.append(i)
            last_finish = finish[i]
    return sorted(chosen)


def compatible(start: list[int], finish: list[int], i: int, j: int) -> bool:
    """Activities occupy half-open intervals [start, finish): compatible when one ends no later than the other
    starts."""
    return finish[i] <= start[j] or finish[j] <= start[i]


def early_set_is_independent(deadlines: list[int], tasks: list[int]) -> bool:
    """CLRS lemma 16.12: a set of unit tasks can all be on time iff for every t at most t of them have deadline <= t."""
    counts = sorted(deadlines[i] for i in tasks)
    return all(d >= k for k, d in enumerate(counts, start=1))


def task_scheduling(deadlines: list[int], penalties: list[int]) -> int:
    """CLRS 16.5 greedy (a matroid): take tasks by decreasing penalty while the on-time set stays independent.

    Returns the minimum total penalty of the late tasks.
    """
    order = sorted(range(len(deadlines)), key=lambda i: (-penalties[i], i))
    early: list[int] = []
    for i in order:
        if early_set_is_independent(deadlines, early + [i]):
            early.append(i)
    return sum(penalties) - sum(penalties[i] for i in early)


def make_activity(n: int, rng: random.Random) -> Problem:
    start = [rng.randint(0, 2 * n) for _ in range(n)]
    finish = [s + rng.randint(1, 5) for s in start]
    listing = "\n".join(f"activity {i}: start {s}, finish {f}" for i, (s, f) in enumerate(zip(start, finish)))
    statement = (
        f"Activity selection (CLRS GREEDY-ACTIVITY-SELECTOR). There are {n} activities numbered 0 to {n - 1}; "
        "activity i occupies the half-open time interval [start_i, finish_i). Two activities are compatible when "
        "one finishes no later than the other starts (finish_i <= start_j or finish_j <= start_i).\n"
        f"start = {dumps(start)}\n"
        f"finish = {dumps(finish)}\n"
        f"{listing}\n"
        "Return the indices of a largest set of pairwise compatible activities, in increasing order of index. If "
        "several largest sets exist, any of them is accepted."
    )
    return Problem(
        statement=statement,
        answer_format="a JSON list of distinct integers (activity indices), e.g. [0, 3, 7]",
        answer_type="list[int]",
        answer=activity_selector(start, finish),
        data={"start": start, "finish": finish},
        algorithm="activity_selector",
    )


def grade_activity(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    """Any set of pairwise compatible activities of the maximum size is correct (order ignored)."""
    start, finish = list(data["start"]), list(data["finish"])
    n = len(start)
    chosen = as_int_list(answer)
    if chosen is None:
        return wrong(f"{WRONG_TYPE}: expected a list of activity indices")
    if any(not 0 <= i < n for i in chosen):
        return wrong(f"activity index out of range 0..{n - 1}")
    if len(set(chosen)) != len(chosen):
        return wrong("an activity is listed twice")
    for a_pos, i in enumerate(chosen):
        for j in chosen[a_pos + 1 :]:
            if not compatible(start, finish, i, j):
                return wrong(f"activities {i} and {j} overlap")
    if len(chosen) != len(gold):
        return wrong(f"{len(chosen)} compatible activities, the maximum is {len(gold)}")
    return CORRECT


def make_task_scheduling(n: int, rng: random.Random) -> Problem:
    deadlines = [rng.randint(1, max(2, n // 2)) for _ in range(n)]
    penalties = [rng.randint(1, 50) for _ in range(n)]
    statement = (
        f"Scheduling unit-time tasks with deadlines and penalties (CLRS section 16.5). There are {n} tasks numbered "
        f"0 to {n - 1}; each takes one unit of time, and one machine runs them one at a time in time slots "
        f"1, 2, ..., {n} (the task in slot t finishes at time t). Task i has deadline d_i and penalty w_i: if it "
        "finishes after its deadline it is late and its penalty is paid; a task that finishes by its deadline costs "
        "nothing.\n"
        f"d = {dumps(deadlines)}\n"
        f"w = {dumps(penalties)}\n"
        "Return the minimum possible total penalty of the late tasks over all schedules."
    )
    return Problem(
        statement=statement,
        answer_format="a single JSON integer (the total penalty), e.g. 57",
        answer_type="int",
        answer=task_scheduling(deadlines, penalties),
        data={"deadlines": deadlines, "penalties": penalties},
        algorithm="task_scheduling",
    )


def grade_task_scheduling(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    return grade_int(gold, answer)


ALGOS = (
    Algo("activity_selector", CATEGORY, make_activity, grade_activity, ((),)),
    Algo("task_scheduling", CATEGORY, make_task_scheduling, grade_task_scheduling),
)
