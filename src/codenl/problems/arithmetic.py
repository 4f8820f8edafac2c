"""Fine-grained arithmetic kinds: ``add``, ``sub``, ``mul`` on integers of exactly ``size`` digits.

Both operands are drawn uniformly from the integers with exactly ``size`` decimal digits (``0..9`` for size 1,
``10**(size-1) .. 10**size - 1`` otherwise), independently.  Gold is computed with Python integers, never floats,
so it is exact at any size: ``sub`` is exactly ``a - b`` and is negative when ``b > a``.

This module also holds :func:`exact_int_verdict`, the grader shared by every kind whose answer is one integer.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from codenl.problems.base import WRONG_TYPE, Kind, Problem, Verdict


def is_int(value: Any) -> bool:
    """A JSON integer: ``int`` but not ``bool`` (``True == 1`` must not pass for an answer of 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def exact_int_verdict(gold: int, answer: Any) -> Verdict:
    """Pure grader of single-integer answers: correct iff ``answer`` is an int equal to ``gold``."""
    if not is_int(answer):
        return Verdict(False, f"{WRONG_TYPE}: expected an integer, got {type(answer).__name__}")
    if answer != gold:
        return Verdict(False, f"expected {gold}, got {answer}")
    return Verdict(True)


class IntAnswerKind(Kind):
    """A kind whose gold is one integer, graded by exact equality with the stored gold."""

    def grade(self, instance: Mapping[str, Any], answer: Any) -> Verdict:
        return exact_int_verdict(instance["answer"], answer)


def draw_digits(rng: random.Random, digits: int) -> int:
    """An integer with exactly ``digits`` decimal digits, uniformly (size 1 includes 0)."""
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return rng.randint(low, 10**digits - 1)


class ArithmeticKind(IntAnswerKind):
    family = "fine_grained"
    min_size = 1
    max_size = 100
    size_meaning = "digits of each operand"
    symbol: ClassVar[str]
    noun: ClassVar[str]
    op: ClassVar[Callable[[int, int], int]]
    note: ClassVar[str] = ""

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        a = draw_digits(rng, size)
        b = draw_digits(rng, size)
        gold = type(self).op(a, b)
        statement = (
            f"Compute the {self.noun} a {self.symbol} b of the integers\n"
            f"a = {a}\n"
            f"b = {b}\n"
            f"Give the exact value{self.note}."
        )
        answer_format = (
            f"a JSON integer: the exact value of a {self.symbol} b with all of its digits"
            f"{' (negative when b > a)' if self.note else ''}, written as a bare number "
            "(no quotes, no digit separators, no decimal point, no exponent)"
        )
        return Problem(statement, answer_format, "int", gold, {"a": a, "b": b})


class Add(ArithmeticKind):
    name = "add"
    symbol = "+"
    noun = "sum"
    op = staticmethod(lambda a, b: a + b)


class Sub(ArithmeticKind):
    name = "sub"
    symbol = "-"
    noun = "difference"
    op = staticmethod(lambda a, b: a - b)
    note = "; the result is negative when b is larger than a"


class Mul(ArithmeticKind):
    name = "mul"
    symbol = "*"
    noun = "product"
    op = staticmethod(lambda a, b: a * b)


KINDS = (Add(), Sub(), Mul())
