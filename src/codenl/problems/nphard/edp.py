"""edp: edit distance (answer = the minimum number of single-character edits turning ``s`` into ``t``).

Size = length of ``s``. ``s`` is a random string over the letters ``a``-``e``; ``t`` is ``s`` after a random
number (between ``size // 4 + 1`` and ``size // 2 + 1``) of random insertions, deletions and substitutions,
redrawn until the distance is at least 2 (at least 1 for strings shorter than 4), so the answer is moderate and
never 0. The edits are insertion, deletion and substitution of one character, each costing 1 (Levenshtein
distance), computed by the Wagner-Fischer dynamic programme.

``data``: ``s``, ``t``.
``answer``: the edit distance (``int``).
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from typing import Any

from codenl.problems.base import Kind, Problem, Verdict
from codenl.problems.nphard._common import FAMILY, int_verdict

ALPHABET = string.ascii_lowercase[:5]


def edit_distance(s: str, t: str) -> int:
    """Levenshtein distance (unit costs) by dynamic programming over prefixes, two rows at a time."""
    prev = list(range(len(t) + 1))
    for i, a in enumerate(s, 1):
        row = [i]
        for j, b in enumerate(t, 1):
            row.append(min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a != b)))
        prev = row
    return prev[-1]


def mutate(s: str, edits: int, rng: random.Random) -> str:
    """``s`` after ``edits`` random single-character edits (never empty)."""
    chars = list(s)
    for _ in range(edits):
        op = rng.choice(("insert", "delete", "substitute"))
        if op == "delete" and len(chars) > 1:
            del chars[rng.randrange(len(chars))]
        elif op == "substitute" and chars:
            i = rng.randrange(len(chars))
            chars[i] = rng.choice([c for c in ALPHABET if c != chars[i]])
        else:
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(ALPHABET))
    return "".join(chars)


class EditDistance(Kind):
    name = "edp"
    family = FAMILY
    min_size = 2
    max_size = 60
    version = "1"
    size_meaning = "string length"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        s = "".join(rng.choice(ALPHABET) for _ in range(size))
        while True:
            t = mutate(s, rng.randint(size // 4 + 1, size // 2 + 1), rng)
            distance = edit_distance(s, t)
            if distance >= min(2, size // 2):
                break
        statement = (
            f'String A is "{s}" ({len(s)} characters) and string B is "{t}" ({len(t)} characters). '
            f"One edit operation inserts one character, deletes one character, or replaces one character by "
            f"another. What is the minimum number of edit operations that transforms string A into string B?"
        )
        answer_format = "a JSON integer: the minimum number of edit operations"
        return Problem(
            statement=statement,
            answer_format=answer_format,
            answer_type="int",
            answer=distance,
            data={"s": s, "t": t},
        )

    def grade(self, instance: Mapping[str, Any], answer: Any) -> Verdict:
        data = instance["data"]
        return int_verdict(answer, edit_distance(data["s"], data["t"]))

    def heuristics(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        """The length difference (a lower bound that is exact when only insertions or deletions were made)."""
        data = instance["data"]
        return {"length_difference": abs(len(data["s"]) - len(data["t"]))}


KINDS = (EditDistance(),)
