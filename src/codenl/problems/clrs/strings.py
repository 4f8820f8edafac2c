"""String matching (CLRS chapter 32): the naive matcher and Knuth-Morris-Pratt; the answer is every valid shift."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from codenl.problems.base import Problem, Verdict
from codenl.problems.clrs.common import Algo, grade_int_list

CATEGORY = "strings"
ALPHABET = "ab"


def naive_string_matcher(text: str, pattern: str) -> list[int]:
    """CLRS NAIVE-STRING-MATCHER: every shift s (0-based) with text[s:s+m] == pattern."""
    n, m = len(text), len(pattern)
    return [s for s in range(n - m + 1) if all(text[s + i] == pattern[i] for i in range(m))]


def prefix_function(pattern: str) -> list[int]:
    """CLRS COMPUTE-PREFIX-FUNCTION, 0-based: pi[q] = length of the longest proper prefix of P[:q+1] that is a
    suffix."""
    pi = [0] * len(pattern)
    k = 0
    for q in range(1, len(pattern)):
        while k > 0 and pattern[k] != pattern[q]:
            k = pi[k - 1]
        if pattern[k] == pattern[q]:
            k += 1
        pi[q] = k
    return pi


def kmp_matcher(text: str, pattern: str) -> list[int]:
    """CLRS KMP-MATCHER: every shift (0-based) at which the pattern occurs, overlapping occurrences included."""
    pi = prefix_function(pattern)
    m = len(pattern)
    shifts = []
    q = 0
    for i, c in enumerate(text):
        while q > 0 and pattern[q] != c:
            q = pi[q - 1]
        if pattern[q] == c:
            q += 1
        if q == m:
            shifts.append(i - m + 1)
            q = pi[q - 1]
    return shifts


def random_text_and_pattern(n: int, rng: random.Random) -> tuple[str, str]:
    """A text of length ``n`` over {a, b} and a pattern of length 1..max(2, n//4), copied from the text 70% of the
    time."""
    text = "".join(rng.choice(ALPHABET) for _ in range(n))
    m = rng.randint(1, max(2, n // 4))
    if rng.random() < 0.7:
        s = rng.randint(0, n - m)
        pattern = text[s : s + m]
    else:
        pattern = "".join(rng.choice(ALPHABET) for _ in range(m))
    return text, pattern


SOLVERS = {
    "naive_string_matcher": (
        naive_string_matcher,
        "the naive string matcher (CLRS NAIVE-STRING-MATCHER: try every shift and compare character by character)",
    ),
    "kmp_matcher": (kmp_matcher, "the Knuth-Morris-Pratt algorithm (CLRS KMP-MATCHER, with the prefix function)"),
}


def _maker(name: str):
    solver, description = SOLVERS[name]

    def make(n: int, rng: random.Random) -> Problem:
        text, pattern = random_text_and_pattern(n, rng)
        statement = (
            f"String matching with {description}.\n"
            f'T = "{text}"  (length {n})\n'
            f'P = "{pattern}"  (length {len(pattern)})\n'
            "Return every shift s (0-based) at which P occurs in T, i.e. T[s], ..., T[s+len(P)-1] equals P, in "
            "increasing order; overlapping occurrences count, and the list is empty when P does not occur."
        )
        return Problem(
            statement=statement,
            answer_format="a JSON list of integers (0-based shifts, increasing), e.g. [0, 3, 4]",
            answer_type="list[int]",
            answer=solver(text, pattern),
            data={"text": text, "pattern": pattern},
            algorithm=name,
        )

    return make


def grade_shifts(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    return grade_int_list(gold, answer)


ALGOS = tuple(Algo(name, CATEGORY, _maker(name), grade_shifts) for name in SOLVERS)
