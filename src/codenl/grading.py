"""The outcome taxonomy and grading of every arm (pure functions; the ``grade`` stage does the I/O).

Each (instance, model, seed, arm) ends in exactly one outcome of :data:`OUTCOMES`.

* ``nl``: response ``infra_error`` -> ``infra_error``.  No readable ``{"answer": ...}`` -> ``parse_error``.  Found
  but not convertible to the instance's ``answer_type`` -> ``wrong`` (the detail says why), as in every arm: stated
  answers and executed values are typed by one function, :func:`typed_answer`.  Else the kind's grader decides
  ``correct`` or ``wrong``.
* ``sim``: as ``nl``, except that (1) a response without a python block defining ``solution()`` is ``no_code``: the
  arm's protocol (write the code, then simulate it) was not followed, so its stated answer is not a simulation
  (the code is found by :func:`codenl.answers.extract_code`, exactly as the ``execute`` stage finds it); and
  (2) an ``{"answer": ...}`` inside a complete python block is code, not the stated answer.
* ``controlsim``: as ``sim`` for the stated answer; response ``no_code`` (the sim response had no code, so nothing
  was asked) -> ``no_code``; ``infra_error`` (its own request, or the sim request, failed) -> ``infra_error``.
* ``code``, from the execution record: ``no_code`` -> ``no_code``.  Sandbox ``syntax_error``, ``runtime_error``,
  ``timeout``, ``memory_limit``, ``output_limit`` -> the same.  ``crashed`` (killed by a signal) and ``no_output``
  (exit 0 without the harness's result: ``solution()`` never returned) -> ``runtime_error`` with the detail.
  ``sandbox_error`` and ``infra_error`` -> ``infra_error``.  ``ok`` without a value: the harness printed none ->
  ``runtime_error``; the returned value cannot be written as JSON (NaN, a generator, an object) -> ``wrong``.
  ``ok`` with a value -> converted to ``answer_type`` (not convertible, including ``null`` when the program
  printed instead of returning -> ``wrong`` with the reason), then graded by the kind's grader.  Where the value
  held a Python set (the record's ``value_sets``), it has no order: a set is graded (as its elements in the
  harness's canonical order) only where the kind declares the answer an unordered collection
  (:attr:`codenl.problems.base.Kind.unordered`: a set of cut vertices, the components of a partition, the items
  of a knapsack), and is ``wrong`` anywhere else (a sorted array, a tour, the shifts of a string matcher: even
  when it holds one element, and even when its canonical order happens to be a correct answer).

``infra_error`` is never a wrong answer: it says the API or the sandbox failed after its retries.

Only the message content (``text``) is searched for the answer and the code: a reasoning model's separate
``reasoning`` text is not (the prompts ask for the answer in the reply), so a reply whose content is null is
``parse_error`` (``no_code`` in sim) with the detail "content was null".

Simulation fidelity (``sim`` and ``controlsim``): the stated typed answer equals the executed typed value of the
same code (:func:`same_value`: exact for integers, booleans and strings, relative 1e-9 for floats); null when
either is missing (no parsable stated answer, or no executed value of the answer type).

A kind's grader that raises is a bug in that grader, not a property of the answer: it propagates as
:class:`GradingError` naming the instance, arm and answer, so that it is fixed rather than counted.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from codenl import problems
from codenl.answers import AnswerTypeError, coerce, extract_answer, find_code
from codenl.arms import ARM_REGISTRY, ARMS, ASKED_ARMS, OUTCOMES, executed_arm_of
from codenl.codehash import source_hash
from codenl.errors import CodenlError, RecordError
from codenl.harness import UNCONVERTIBLE_PREFIX, value_problem
from codenl.problems.base import ANY
from codenl.sandbox.result import STATUSES as SANDBOX_STATUSES

__all__ = [
    "ARMS",
    "GRADER_VERSION",
    "OUTCOMES",
    "Grade",
    "GradingError",
    "fidelity",
    "grade_answer",
    "grade_execution",
    "grade_instance",
    "grade_response",
    "graded_record",
    "grader_version",
    "same_value",
]

#: bump REVISION for a deliberate change of meaning.  The hash is over the source of this module and of every
#: codenl module it imports (answer extraction, the registry, ...): it changes with every edit of the grading code
#: that all kinds share, so that the workflow re-grades (no API cost) whenever grading may differ.
REVISION = "1"
GRADER_VERSION = f"grader/{REVISION}-{source_hash([__name__])}"


@cache
def grader_version(kind: str) -> str:
    """The version of the grading of ``kind``: :data:`GRADER_VERSION` and a hash over the source of the kind's own
    module and every codenl module it imports (its grader, and its generator whose gold the grader compares with),
    so an edit of one kind's ``grade()`` re-grades that kind, from stored responses, and no other."""
    spec = problems.spec_of(kind)
    modules = [spec.module, type(problems.get_kind(kind)).__module__]
    return f"{GRADER_VERSION}+{kind}-{source_hash(modules)}"


RESPONSE_STATUSES = ("ok", "infra_error", "no_code")
#: what the sandbox reports, and the two statuses the execute stage gives without running anything
EXECUTION_STATUSES = (*SANDBOX_STATUSES, "no_code", "infra_error")
_SAME_NAME = ("syntax_error", "runtime_error", "timeout", "memory_limit", "output_limit")


class GradingError(CodenlError):
    """A kind's grader failed on an answer (a bug to fix, never an outcome)."""


@dataclass(frozen=True)
class Grade:
    """One arm's outcome, the typed answer that was graded (None when none) and why it is not correct."""

    outcome: str
    answer: Any = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    @property
    def correct(self) -> bool:
        return self.outcome == "correct"


def _instance_where(instance: Mapping[str, Any], arm: str) -> str:
    return f"instance {instance.get('id')} ({instance.get('kind')}, arm {arm})"


def grade_answer(instance: Mapping[str, Any], answer: Any, arm: str = "?") -> Grade:
    """``correct`` or ``wrong`` for a typed answer, by the kind's grader."""
    try:
        verdict = problems.grade(instance, answer)
    except Exception as exc:
        raise GradingError(
            f"{_instance_where(instance, arm)}: the {instance.get('kind')} grader raised "
            f"{type(exc).__name__}: {exc} on the answer {answer!r:.200}"
        ) from exc
    if verdict.correct:
        return Grade("correct", answer, "")
    return Grade("wrong", answer, verdict.reason or "the grader rejected the answer")


def _infra_detail(error: Any) -> str:
    if isinstance(error, Mapping):
        kind = error.get("type") or "error"
        message = error.get("message") or ""
        return f"{kind}: {message}" if message else str(kind)
    return "the request failed after its retries"


def typed_answer(value: Any, answer_type: str) -> Any:
    """The one typing of every arm: a stated answer (nl, sim, controlsim) and an executed value (code) are
    converted to ``answer_type`` by this function alone, so that a value of the wrong type is the same outcome
    (``wrong``) in every arm.  A string holding a lone surrogate is no text (and could not be stored)."""
    typed = coerce(value, answer_type)
    problem = value_problem(typed)
    if problem is not None:
        raise AnswerTypeError(f"answer: {problem}")
    return typed


def _not_of_type(answer_type: str, exc: Exception) -> str:
    return f"answer not of type {answer_type}: {exc}"


def _stated_typed(instance: Mapping[str, Any], text: str | None, arm: str) -> tuple[Any, Grade | None]:
    """The stated answer typed, or the grade that says why there is none (``parse_error``: no readable answer;
    ``wrong``: an answer of the wrong type)."""
    got = extract_answer(text, "any", outside_code=ARM_REGISTRY[arm].answer_outside_code)
    if not got.ok:
        return None, Grade("parse_error", None, got.error or "")
    try:
        return typed_answer(got.value, instance["answer_type"]), None
    except AnswerTypeError as exc:
        return None, Grade("wrong", None, _not_of_type(instance["answer_type"], exc))


def grade_response(instance: Mapping[str, Any], response: Mapping[str, Any], arm: str) -> Grade:
    """Grade the response record of an asked arm (``nl``, ``sim``, ``controlsim``) against ``instance``."""
    spec = ARM_REGISTRY[arm]
    status = response.get("status")
    if status == "infra_error":
        return Grade("infra_error", None, _infra_detail(response.get("error")))
    if status == "no_code":
        if spec.code_of is None:
            showing = [a for a in ASKED_ARMS if ARM_REGISTRY[a].code_of is not None]
            raise RecordError(
                f"{_instance_where(instance, arm)}: response status 'no_code' is only for {', '.join(showing)}"
            )
        return Grade(
            "no_code", None, f"the {spec.code_of} response had no code defining solution(), so nothing was asked"
        )
    if status != "ok":
        raise RecordError(f"{_instance_where(instance, arm)}: unknown response status {status!r}")
    text = response.get("text")
    if spec.requires_code:
        found = find_code(text)
        if found.code is None:
            return Grade("no_code", None, found.note)
    value, failed = _stated_typed(instance, text, arm)
    if failed is not None:
        return failed
    return grade_answer(instance, value, arm)


SetPath = tuple[int | str, ...]


def _set_paths(execution: Mapping[str, Any]) -> list[SetPath]:
    raw = execution.get("value_sets") or []
    if not isinstance(raw, list) or not all(isinstance(p, list) for p in raw):
        raise RecordError(f"execution record of instance {execution.get('instance_id')}: malformed value_sets")
    return [tuple(p) for p in raw]


def _at(value: Any, path: SetPath) -> Any:
    for step in path:
        if (isinstance(value, list) and type(step) is int and 0 <= step < len(value)) or (
            isinstance(value, dict) and isinstance(step, str) and step in value
        ):
            value = value[step]
        else:
            return None
    return value


def _rearranged(value: Any, sets: list[SetPath], arrange: Any) -> Any:
    """A deep copy of ``value`` whose lists at ``sets`` are rearranged (innermost first, so that the paths of
    sets inside sets still hold when their container moves)."""
    import copy

    out = copy.deepcopy(value)
    for path in sorted(sets, key=len, reverse=True):
        node = _at(out, path)
        if isinstance(node, list):
            node[:] = arrange(node)
    return out


def _canonical_key(item: Any) -> str:
    import json

    return json.dumps(item, sort_keys=True)


def _matches(path: SetPath, pattern: tuple[int | str, ...]) -> bool:
    return len(path) == len(pattern) and all(
        (step == ANY and type(at) is int) or (type(at) is type(step) and at == step) for at, step in zip(path, pattern)
    )


def ordered_sets(instance: Mapping[str, Any], sets: list[SetPath]) -> list[SetPath]:
    """The paths of ``sets`` (where the executed value held a Python set) at which ``instance``'s answer is not an
    unordered collection: a set there has no order where the answer needs one (pure)."""
    patterns = problems.unordered(instance)
    return [path for path in sets if not any(_matches(path, pattern) for pattern in patterns)]


def executed_value(instance: Mapping[str, Any], execution: Mapping[str, Any]) -> tuple[Any, str | None]:
    """The executed value converted to ``answer_type`` (by :func:`typed_answer`) and None, or None and why there
    is no such value."""
    if execution.get("status") != "ok":
        return None, f"execution status {execution.get('status')}"
    if execution.get("value_error"):
        return None, str(execution["value_error"])
    value = execution.get("value")
    try:
        return typed_answer(value, instance["answer_type"]), None
    except AnswerTypeError as exc:
        hint = " (solution() returned None: did it print instead of returning?)" if value is None else ""
        return None, _not_of_type(instance["answer_type"], exc) + hint


def _exception_detail(execution: Mapping[str, Any]) -> str:
    etype, message = execution.get("exception_type"), execution.get("exception_message")
    if etype:
        return f"{etype}: {message}" if message else str(etype)
    tail = (execution.get("stderr_tail") or "").strip().splitlines()
    return tail[-1] if tail else ""


def grade_execution(instance: Mapping[str, Any], execution: Mapping[str, Any]) -> Grade:
    """Grade the ``code`` arm from an execution record."""
    status = execution.get("status")
    where = _instance_where(instance, "code")
    if status not in EXECUTION_STATUSES:
        raise RecordError(f"{where}: unknown execution status {status!r}")
    if status == "no_code":
        return Grade("no_code", None, "the sim response has no code defining solution()")
    if status in ("infra_error", "sandbox_error"):
        reason = _exception_detail(execution) or execution.get("value_error") or ""
        what = "the sim request failed" if status == "infra_error" else "the sandbox failed"
        return Grade("infra_error", None, f"{what}: {reason}" if reason else what)
    if status in _SAME_NAME:
        detail = _exception_detail(execution)
        if status == "timeout":
            kind = execution.get("timeout_kind")
            detail = f"{kind} time limit" + (f"; {detail}" if detail else "") if kind else detail
        return Grade(status, None, detail or status.replace("_", " "))
    if status == "crashed":
        sig = execution.get("signal")
        detail = f"the program crashed (signal {sig})" if sig is not None else "the program crashed"
        extra = _exception_detail(execution)
        return Grade("runtime_error", None, f"{detail}; {extra}" if extra else detail)
    if status == "no_output":
        return Grade("runtime_error", None, "the program exited normally without a result: solution() did not return")
    # status ok
    value_error = execution.get("value_error")
    if value_error:
        outcome = "wrong" if str(value_error).startswith(UNCONVERTIBLE_PREFIX) else "runtime_error"
        return Grade(outcome, None, str(value_error))
    value, error = executed_value(instance, execution)
    if error is not None:
        return Grade("wrong", None, error)
    misplaced = ordered_sets(instance, _set_paths(execution))
    if misplaced:
        where = "the answer itself" if not misplaced[0] else "position " + json_path(misplaced[0])
        return Grade(
            "wrong", value, f"solution() returned a set (which has no order) as {where}, where the answer is a sequence"
        )
    return grade_answer(instance, value, "code")


def json_path(path: SetPath) -> str:
    return "".join(f"[{step!r}]" for step in path)


def same_value(a: Any, b: Any) -> bool:
    """Equality of two typed answers: exact, except floats (relative 1e-9); 1 is not True."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return False
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def fidelity(
    instance: Mapping[str, Any], response: Mapping[str, Any], execution: Mapping[str, Any], arm: str
) -> bool | None:
    """Does the response's stated answer equal the executed value of the same code?  None when either is missing."""
    if response.get("status") != "ok":
        return None
    stated, failed = _stated_typed(instance, response.get("text"), arm)
    if failed is not None:
        return None
    executed, error = executed_value(instance, execution)
    if error is not None:
        return None
    sets = _set_paths(execution)
    if sets:  # a set equals a list of the same elements in any order

        def canonical(xs: list[Any]) -> list[Any]:
            return sorted(xs, key=_canonical_key)

        stated, executed = _rearranged(stated, sets, canonical), _rearranged(executed, sets, canonical)
    return same_value(stated, executed)


def _usage(response: Mapping[str, Any] | None, field: str) -> int | None:
    if response is None:
        return None
    usage = response.get("usage") or {}
    value = usage.get(field) if isinstance(usage, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def graded_record(
    instance: Mapping[str, Any],
    model: str,
    arm: str,
    grade: Grade,
    *,
    fidelity_value: bool | None = None,
    response: Mapping[str, Any] | None = None,
    prompt_version: str | None = None,
    harness_version: str | None = None,
    answered_provider: str | None = None,
) -> dict[str, Any]:
    """One graded record (fields of docs/records.md).  ``answered_provider``: the upstream provider that served
    the reply graded (default: the response's own)."""
    if answered_provider is None and response is not None:
        answered_provider = response.get("answered_provider")
    return {
        "instance_id": instance["id"],
        "kind": instance["kind"],
        "family": instance["family"],
        "algorithm": instance.get("algorithm"),
        "size": instance["size"],
        "seed": instance["seed"],
        "index": instance["index"],
        "model": model,
        "arm": arm,
        "outcome": grade.outcome,
        "correct": grade.correct,
        "answer": grade.answer,
        "gold": instance["answer"],
        "detail": grade.detail,
        "fidelity": fidelity_value,
        "prompt_tokens": _usage(response, "prompt_tokens"),
        "completion_tokens": _usage(response, "completion_tokens"),
        "reasoning_tokens": _usage(response, "reasoning_tokens"),
        "cost": response.get("cost") if response is not None else None,
        "latency_s": response.get("latency_s") if response is not None else None,
        "prompt_version": prompt_version,
        "generator_version": instance["generator_version"],
        "grader_version": grader_version(instance["kind"]),
        "harness_version": harness_version,
        "answered_provider": answered_provider,
    }


def _check_join(instance: Mapping[str, Any], record: Mapping[str, Any], what: str, model: str | None) -> None:
    where = f"{what} for instance {instance['id']}"
    if record.get("instance_id") != instance["id"]:
        raise RecordError(f"{where}: instance_id is {record.get('instance_id')!r}")
    for field in ("kind", "size", "seed"):
        if field in record and record[field] != instance[field]:
            raise RecordError(f"{where}: field {field!r} is {record[field]!r}, the instance has {instance[field]!r}")
    if model is not None and record.get("model") != model:
        raise RecordError(f"{where}: model is {record.get('model')!r}, expected {model!r}")


def _code_name(sha: str | None) -> str:
    return f"code {sha[:12]}" if sha else "no code"


def _sha_of_code(response: Mapping[str, Any]) -> str | None:
    """sha256 of the code this version's extraction finds in an ok reply; None when there is none."""
    code = find_code(response.get("text")).code if response.get("status") == "ok" else None
    return hashlib.sha256(code.encode("utf-8")).hexdigest() if code is not None else None


def grade_instance(instance: Mapping[str, Any], records: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The graded records of one instance, one per arm in the order of :data:`codenl.arms.ARMS`.

    ``records`` maps each arm to its record: the response of an asked arm, the execution record of an executed one.
    Checks that the records belong together: same instance and model, each the record of its own arm, and every
    arm that shows or runs another arm's code shows or ran the code that arm's reply holds by this version's code
    extraction.
    """
    missing = [arm for arm in ARMS if arm not in records]
    if missing:
        raise RecordError(f"instance {instance['id']}: no record of arm(s) {', '.join(missing)}")
    # the model is the one of the arm whose code other arms show or run (sim)
    owner = next((ARM_REGISTRY[a].code_of for a in ARMS if ARM_REGISTRY[a].code_of), ASKED_ARMS[0])
    model = records[owner].get("model")
    if not isinstance(model, str) or not model:
        raise RecordError(f"{owner} response for instance {instance['id']}: missing field 'model'")
    for arm in ARMS:
        record = records[arm]
        what = f"{arm} response" if ARM_REGISTRY[arm].asked else "execution record"
        _check_join(instance, record, what, model)
        if ARM_REGISTRY[arm].asked and record.get("arm", arm) != arm:
            raise RecordError(f"{what} for instance {instance['id']}: arm is {record.get('arm')!r}, expected {arm!r}")
    # every arm that shows (controlsim) or runs (code) another arm's code must hold the code that arm's reply holds
    # by this version's extraction; else both are stale (made by another extraction) and would be graded beside a
    # sim arm judged by this one
    for arm in ARMS:
        source = ARM_REGISTRY[arm].code_of
        if source is None:
            continue
        shown = _sha_of_code(records[source])
        record = records[arm]
        if record.get("code_sha256") != shown:
            what = f"{arm} response" if ARM_REGISTRY[arm].asked else "execution record"
            raise RecordError(
                f"instance {instance['id']}: the {what} is of {_code_name(record.get('code_sha256'))} but the "
                f"{source} response holds {_code_name(shown)} by this version's code extraction; a stale shard: "
                f"run execute and the queries that show code of this shard again"
            )
    out = []
    try:
        for arm in ARMS:
            spec, record = ARM_REGISTRY[arm], records[arm]
            executed = executed_arm_of(arm)
            execution = records[executed] if executed is not None else None
            harness_version = execution.get("harness_version") if execution is not None else None
            if spec.asked:
                out.append(
                    graded_record(
                        instance,
                        model,
                        arm,
                        grade_response(instance, record, arm),
                        fidelity_value=(
                            fidelity(instance, record, execution, arm)
                            if spec.fidelity and execution is not None
                            else None
                        ),
                        response=record,
                        prompt_version=record.get("prompt_version"),
                        harness_version=harness_version if spec.fidelity else None,
                    )
                )
            else:
                source = records[spec.code_of] if spec.code_of is not None else {}
                out.append(
                    graded_record(
                        instance,
                        model,
                        arm,
                        grade_execution(instance, record),
                        prompt_version=source.get("prompt_version"),
                        harness_version=record.get("harness_version"),
                        answered_provider=source.get("answered_provider"),
                    )
                )
    except ValueError as exc:  # a malformed answer_type in the instance
        raise RecordError(f"instance {instance['id']}: {exc}") from None
    return out
