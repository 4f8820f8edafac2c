"""What every problem kind provides, and the instance record they all share.

An instance is made deterministically from ``(kind, size, seed, index)``: the random generator for one instance is
seeded from a hash of exactly those four values and the kind's generator version, so instance ``i`` is the same
whatever ``n`` is (growing ``n`` only adds instances) and different seeds give different instances.

Instance record (one JSON object per line in ``results/problems/{kind}/{size}/seed{seed}.jsonl``; JSON Schema in
``workflow/schemas/instance.schema.json``):

=================== =====================================================================================
``id``              stable content id: sha256 of kind, size, seed, index and generator version (16 hex)
``kind``            a kind of the registry (:data:`codenl.problems.REGISTRY`)
``family``          its family there: ``fine_grained``, ``clrs`` or ``nphard``
``algorithm``       the CLRS algorithm for ``clrs30``, else null
``size``            the kind's size parameter ("digits")
``seed``, ``index`` what the instance was generated from
``statement``       the complete problem text a prompt embeds, with every number needed
``answer_format``   prose for the prompt: the exact JSON type and shape of the expected answer
``answer_type``     the same, machine-readable (grammar below); answer extraction converts to it
``answer``          the gold answer, typed JSON (for optimisation kinds: one optimal solution)
``data``            the instance's parameters as JSON (what a grader needs)
``generator_version`` ``{kind}/{version}``
=================== =====================================================================================

Answer type grammar (``answer_type``)::

    T := "int" | "float" | "bool" | "str" | "list[" T "]" | "dict[str," T "]" | "any"

``list[list[int]]`` is a matrix; ``dict[str,int]`` maps string keys (e.g. vertex names) to ints; ``any`` means any
JSON value and leaves all checking to the grader.
"""

from __future__ import annotations

import hashlib
import random
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Problem:
    """What a kind's generator makes for one instance; the registry adds the ids around it."""

    statement: str
    answer_format: str
    answer_type: str
    answer: Any
    data: dict[str, Any] = field(default_factory=dict)
    algorithm: str | None = None


@dataclass(frozen=True)
class Verdict:
    """A grader's decision about one typed answer; ``reason`` says why it is wrong (empty when correct)."""

    correct: bool
    reason: str = ""


WRONG_TYPE = "answer has the wrong type or shape"

#: a step of an :attr:`Kind.unordered` pattern that matches every position of a list
ANY = "*"
#: a pattern of paths into an answer: list indices (int), dict keys (str) or :data:`ANY`; ``()`` is the answer itself
PathPattern = tuple[int | str, ...]


class Kind(ABC):
    """A problem kind: a deterministic generator and a pure grader.

    Subclasses set the class attributes and implement :meth:`make` and :meth:`grade`.  Both must be pure
    functions of their arguments (``make`` may only draw randomness from ``rng``).
    """

    name: ClassVar[str]
    family: ClassVar[str]
    min_size: ClassVar[int]
    max_size: ClassVar[int]
    #: bump when instances or gold answers change; it is part of every instance id
    version: ClassVar[str] = "1"
    #: what "size" means for this kind, for --help and error messages
    size_meaning: ClassVar[str] = "size"
    #: where the answer is an unordered collection: the lists (patterns of paths into the answer: ``()`` the answer
    #: itself, ``(ANY,)`` each of its elements) whose elements the grader accepts in every order.  A Python set
    #: that a program returns (it has no order) is graded there, and is wrong anywhere else.  The tests check
    #: every declaration against the grader (all orders of small lists, seeded shuffles of longer ones).
    unordered: ClassVar[tuple[PathPattern, ...]] = ()

    @property
    def generator_version(self) -> str:
        return f"{self.name}/{self.version}"

    @abstractmethod
    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        """Make one instance of the given size from ``rng`` (``index`` only for round-robin choices)."""

    def unordered_at(self, instance: Mapping[str, Any]) -> tuple[PathPattern, ...]:
        """:attr:`unordered` of ``instance`` (a kind whose answers differ per instance overrides this)."""
        return self.unordered

    @abstractmethod
    def grade(self, instance: Mapping[str, Any], answer: Any) -> Verdict:
        """Decide whether a typed ``answer`` (already converted to ``instance['answer_type']``) is correct.

        Optimisation kinds check feasibility and optimal value, so any optimal solution is correct.
        """

    def heuristics(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        """The kind's cheap strategies on one instance: ``{name: typed answer}``, the kind's standard heuristic
        first; empty when the kind has none.  The baselines stage grades each answer with :meth:`grade`."""
        return {}


def stable_hash(*parts: object) -> str:
    """sha256 hex of the parts joined by '|' (their ``str``)."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def instance_id(kind: str, size: int, seed: int, index: int, generator_version: str) -> str:
    return stable_hash("instance", kind, size, seed, index, generator_version)[:16]


def instance_rng(kind: str, size: int, seed: int, index: int, generator_version: str) -> random.Random:
    """The random generator for one instance; independent of ``n`` and of every other instance."""
    return random.Random(int(stable_hash("rng", kind, size, seed, index, generator_version), 16))
