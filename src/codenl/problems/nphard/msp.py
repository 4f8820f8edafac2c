"""msp: meeting scheduling (optimisation; answer = a start hour per meeting, minimising the makespan).

Size = number of meetings. Each meeting has a duration of 1..4 whole hours and 2 or 3 participants drawn from
``size // 2 + 3`` people. Times are whole hours from the start of the day (hour 0); the day is ``day_length``
hours long, which is the sum of all durations, so every instance is feasible. A schedule gives every meeting a
start hour ``s`` with ``0 <= s`` and ``s + duration <= day_length``; two meetings that share a participant must
not overlap (intervals ``[s, s + duration)``, so one may start at the hour the other ends). The objective is the
makespan: the hour at which the last meeting ends, as small as possible. Every number (durations, participants,
day length) is in the statement.

Exact optimum: depth-first branch and bound over the order in which meetings are placed, each at the earliest hour
all its participants are free after the meetings placed before it. Some optimal schedule is always produced
this way (place the meetings of an optimal schedule in order of their start: by induction each starts no later
than in that schedule), so the search is exact; states (placed set, participants' free hours) are memoised and
branches are cut by a lower bound (each participant's free hour plus their remaining hours of meetings).

``data``: ``people`` (names), ``durations`` (hours, meeting i at index i), ``participants`` (for each meeting the
indices into ``people``, ascending), ``day_length``, ``makespan`` (the optimum; not shown to the model).
``answer``: one optimal schedule, the start hour of meeting i at index i (``list[int]``).
Grading: one integer per meeting, all within the day, no participant in two overlapping meetings, and a makespan
equal to the optimum; any optimal schedule is correct.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from codenl.problems.base import Kind, Problem, Verdict
from codenl.problems.nphard._common import CORRECT, FAMILY, int_list, wrong

NAMES = ("Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Niaj")
MAX_DURATION = 4


def list_schedule(
    durations: Sequence[int], participants: Sequence[Sequence[int]], order: Sequence[int], people: int
) -> list[int]:
    """Start hours when meetings are placed in ``order``, each as soon as all its participants are free."""
    free = [0] * people
    start = [0] * len(durations)
    for j in order:
        s = max(free[p] for p in participants[j])
        start[j] = s
        for p in participants[j]:
            free[p] = s + durations[j]
    return start


def longest_first(durations: Sequence[int]) -> list[int]:
    """Meetings by decreasing duration (ties: the lowest index): the order of the longest-first list schedule."""
    return sorted(range(len(durations)), key=lambda j: (-durations[j], j))


def makespan(durations: Sequence[int], start: Sequence[int]) -> int:
    return max((s + d for s, d in zip(start, durations)), default=0)


def optimal_schedule(
    durations: Sequence[int], participants: Sequence[Sequence[int]], people: int
) -> tuple[int, list[int]]:
    """``(minimum makespan, an optimal list of start hours)``, exact (branch and bound, see module doc)."""
    m = len(durations)
    greedy_order = sorted(range(m), key=lambda j: (-durations[j] * len(participants[j]), j))
    best_start = list_schedule(durations, participants, greedy_order, people)
    best = makespan(durations, best_start)
    load = [0] * people  # hours of unplaced meetings per participant
    for j in range(m):
        for p in participants[j]:
            load[p] += durations[j]
    lower_all = max(load, default=0)
    seen: set[tuple[int, tuple[int, ...]]] = set()
    free = [0] * people
    start = [0] * m
    order: list[int] = []

    def search(placed: int, current: int) -> None:
        nonlocal best, best_start
        if len(order) == m:
            if current < best:
                best, best_start = current, start[:]
            return
        state = (placed, tuple(free))
        if state in seen:
            return
        seen.add(state)
        bound = max(current, max(free[p] + load[p] for p in range(people)))
        if bound >= best:
            return
        for j in range(m):
            if placed >> j & 1:
                continue
            s = max(free[p] for p in participants[j])
            end = s + durations[j]
            if end >= best:
                continue
            saved = [free[p] for p in participants[j]]
            start[j] = s
            order.append(j)
            for p in participants[j]:
                free[p] = end
                load[p] -= durations[j]
            search(placed | 1 << j, max(current, end))
            for p, f in zip(participants[j], saved):
                free[p] = f
                load[p] += durations[j]
            order.pop()
            if best == lower_all:
                return

    if best > lower_all:
        search(0, 0)
    return best, best_start


def check_schedule(
    durations: Sequence[int], participants: Sequence[Sequence[int]], day_length: int, start: Sequence[int]
) -> str:
    """Empty when the schedule is feasible, else the reason."""
    for j, (s, d) in enumerate(zip(start, durations)):
        if s < 0 or s + d > day_length:
            return f"meeting {j} runs from hour {s} to hour {s + d}, outside the day 0..{day_length}"
    m = len(durations)
    for i in range(m):
        for j in range(i + 1, m):
            shared = set(participants[i]) & set(participants[j])
            if shared and start[i] < start[j] + durations[j] and start[j] < start[i] + durations[i]:
                return f"meetings {i} and {j} overlap and share a participant"
    return ""


class MeetingScheduling(Kind):
    name = "msp"
    family = FAMILY
    min_size = 2
    max_size = 10
    version = "1"
    size_meaning = "number of meetings"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        people = NAMES[: size // 2 + 3]
        durations = [rng.randint(1, MAX_DURATION) for _ in range(size)]
        participants = [sorted(rng.sample(range(len(people)), 3 if rng.random() < 0.3 else 2)) for _ in range(size)]
        day_length = sum(durations)
        best, start = optimal_schedule(durations, participants, len(people))
        lines = "\n".join(
            f"meeting {j}: lasts {d} hour{'s' if d > 1 else ''}; participants: "
            + ", ".join(people[p] for p in participants[j])
            for j, d in enumerate(durations)
        )
        statement = (
            f"{len(people)} people ({', '.join(people)}) must hold {size} meetings, numbered 0 to {size - 1}, "
            f"during one working day of {day_length} hours. Times are whole hours counted from the start of the "
            f"day (hour 0). The meetings are:\n{lines}\n"
            f"Every meeting starts at a whole hour s, lasts exactly its duration and must end by the end of the day: "
            f"0 <= s and s + duration <= {day_length}. A person cannot attend two meetings at the same time, so two "
            f"meetings that share a participant must not overlap (one may start at the very hour the other "
            f"ends); meetings without a common participant may run at the same time. Schedule all meetings so "
            f"that the last meeting ends as early as possible."
        )
        answer_format = (
            f"a JSON list of {size} integers: the start hour of meeting 0, then of meeting 1, and so on up to "
            f"meeting {size - 1}, e.g. [0, 2, 0, ...]"
        )
        return Problem(
            statement=statement,
            answer_format=answer_format,
            answer_type="list[int]",
            answer=start,
            data={
                "people": list(people),
                "durations": durations,
                "participants": participants,
                "day_length": day_length,
                "makespan": best,
            },
        )

    def grade(self, instance: Mapping[str, Any], answer: Any) -> Verdict:
        data = instance["data"]
        durations = data["durations"]
        start, reason = int_list(answer, len(durations))
        if start is None:
            return wrong(reason)
        reason = check_schedule(durations, data["participants"], data["day_length"], start)
        if reason:
            return wrong(reason)
        span = makespan(durations, start)
        if span != data["makespan"]:
            return wrong(f"the last meeting ends at hour {span}, the earliest possible is hour {data['makespan']}")
        return CORRECT

    def heuristics(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        data = instance["data"]
        durations, participants, people = data["durations"], data["participants"], len(data["people"])
        return {
            "list_schedule_in_order": list_schedule(durations, participants, range(len(durations)), people),
            "list_schedule_longest_first": list_schedule(durations, participants, longest_first(durations), people),
        }


KINDS = (MeetingScheduling(),)
