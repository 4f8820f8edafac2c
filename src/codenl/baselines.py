"""Cheap strategies for every instance, graded by the project's own grader (pure functions; I/O in the CLI).

An accuracy means little without what a trivial strategy scores on the same instances.  For one instance the
strategies are, in this order:

* the kind's own heuristics (:meth:`codenl.problems.base.Kind.heuristics`), its standard heuristic first
  (nearest-neighbour tour, largest-degree-first colouring, value-per-weight greedy, ...);
* constant answers: ``0`` and ``1`` where the answer is an integer, ``true`` and ``false`` where it is a boolean;
* ``first_number``, ``last_number``, ``largest_number``: the first, last and largest integer written in the
  statement, where the answer is an integer;
* ``majority``: the most frequent gold answer of the same (kind, algorithm, size) among training instances of
  *other* seeds (out of sample; ties go to the smallest answer in canonical JSON).

Every answer is graded with :func:`codenl.grading.grade_answer`, exactly like a model's.  An instance is
**heuristic-easy** when an *informative* strategy solves it: the kind's standard heuristic, the numbers of the
statement, and the constants and the majority answer where the answer is not a boolean (on booleans they only guess
a class).  The kind's further heuristics (e.g. DSATUR beside the largest-degree-first colouring) are graded and
reported but do not make an instance easy.  Otherwise it is **heuristic-hard**.

Baseline record (one per instance, ``results/baselines/{kind}/{size}/seed{seed}.jsonl`` beside the instance shard
``results/problems/{kind}/{size}/seed{seed}.jsonl``, in its order):

================== ============================================================================================
``id``             the instance id (joins the graded records' ``instance_id``)
``kind``, ``algorithm``, ``size``, ``seed``, ``index``   as in the instance
``solved``         ``{strategy: bool}``: whether the strategy's answer is graded correct, in the order above
``answers``        ``{strategy: typed answer}``
``heuristic``      the name of the kind's standard heuristic, or null when the kind has none
``heuristic_solved`` whether it solved the instance (null without one)
``easy``           heuristic-easy (see above)
``baselines_version`` :data:`BASELINES_VERSION`
================== ============================================================================================
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from codenl.codehash import source_hash
from codenl.grading import grade_answer
from codenl.problems import get_kind

#: follows the code: a hash over this module and the codenl modules it imports, so an edit of a strategy or of the
#: definition of "easy" re-runs the baselines rule (a kind's own heuristics are covered by its grader version)
BASELINES_VERSION = f"baselines/1-{source_hash([__name__])}"
CONSTANTS: dict[str, dict[str, Any]] = {
    "int": {"constant_0": 0, "constant_1": 1},
    "bool": {"constant_true": True, "constant_false": False},
}
NUMBER_STRATEGIES = ("first_number", "last_number", "largest_number")
MAJORITY = "majority"
# an integer not glued to a word, another number or a decimal point ("u-v" edges give u and v, not u and -v)
_NUMBER = re.compile(r"(?<![\w.])(-?\d+)(\.\d+)?")

MajorityKey = tuple[str, str | None, int]


def canonical(answer: Any) -> str:
    """Canonical JSON of a typed answer (equal answers, equal strings)."""
    return json.dumps(answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def statement_numbers(statement: str) -> list[int]:
    """The integers written in ``statement``, in order (decimals like ``0.5`` are skipped)."""
    return [int(m.group(1)) for m in _NUMBER.finditer(statement) if m.group(2) is None]


def majority_key(instance: Mapping[str, Any]) -> MajorityKey:
    return instance["kind"], instance.get("algorithm"), int(instance["size"])


def majority_answers(train: Iterable[Mapping[str, Any]]) -> dict[MajorityKey, Any]:
    """Per (kind, algorithm, size): the most frequent gold answer of the training instances (ties: the smallest
    canonical JSON)."""
    counts: dict[MajorityKey, Counter[str]] = {}
    for inst in train:
        counts.setdefault(majority_key(inst), Counter())[canonical(inst["answer"])] += 1
    return {key: json.loads(min(c, key=lambda a: (-c[a], a))) for key, c in counts.items()}


def strategies(instance: Mapping[str, Any], majority: Mapping[MajorityKey, Any]) -> dict[str, Any]:
    """``{strategy: typed answer}`` for one instance, in the documented order."""
    out: dict[str, Any] = dict(get_kind(instance["kind"]).heuristics(instance))
    answer_type = instance["answer_type"]
    out.update(CONSTANTS.get(answer_type, {}))
    if answer_type == "int":
        numbers = statement_numbers(instance["statement"])
        if numbers:
            out.update(zip(NUMBER_STRATEGIES, (numbers[0], numbers[-1], max(numbers)), strict=True))
    key = majority_key(instance)
    if key in majority:
        out[MAJORITY] = majority[key]
    return out


def uninformative(answer_type: str, heuristics: Iterable[str]) -> frozenset[str]:
    """Strategies that do not make an instance easy: the kind's further heuristics (all but its first), and on
    booleans the constants and the majority answer (they only guess a class)."""
    skip = set(list(heuristics)[1:])
    if answer_type == "bool":
        skip |= set(CONSTANTS["bool"]) | {MAJORITY}
    return frozenset(skip)


def evaluate(instance: Mapping[str, Any], majority: Mapping[MajorityKey, Any]) -> dict[str, Any]:
    """The baseline record of one instance (fields in the module docstring)."""
    answers = strategies(instance, majority)
    solved = {name: grade_answer(instance, answer, arm=f"baseline {name}").correct for name, answer in answers.items()}
    own = list(get_kind(instance["kind"]).heuristics(instance))
    heuristic = own[0] if own else None
    skip = uninformative(instance["answer_type"], own)
    return {
        "id": instance["id"],
        "kind": instance["kind"],
        "algorithm": instance.get("algorithm"),
        "size": instance["size"],
        "seed": instance["seed"],
        "index": instance["index"],
        "solved": solved,
        "answers": answers,
        "heuristic": heuristic,
        "heuristic_solved": None if heuristic is None else solved[heuristic],
        "easy": any(ok for name, ok in solved.items() if name not in skip),
        "baselines_version": BASELINES_VERSION,
    }
