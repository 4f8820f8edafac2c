"""Property tests: whatever a program puts on any channel (stdout, the exception report, stderr), the value parser,
the execution record, grading and the record writer never raise, and every record they produce is storable
(valid JSON of valid Unicode text: what JSONL and Parquet accept)."""

from __future__ import annotations

import json
import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from codenl.grading import grade_execution, graded_record
from codenl.harness import SENTINEL, parse_output, value_problem
from codenl.problems import generate
from codenl.records import dumps
from codenl.sandbox.execute import execution_record
from codenl.sandbox.result import SandboxResult

#: every code point, lone surrogates included
ANY_CHAR = st.characters(blacklist_categories=())
TEXT = st.text(ANY_CHAR, max_size=40)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(TEXT, inner, max_size=5)),
    max_leaves=30,
)
PATHS = st.lists(st.lists(st.one_of(st.integers(-2, 6), TEXT, st.booleans()), max_size=3), max_size=4)
INSTANCE = generate("add", 3, 1, 1)[0]
RESPONSE = {"instance_id": INSTANCE["id"], "kind": "add", "size": 3, "seed": 1, "model": "org/model"}


def storable(obj: object) -> None:
    """What the record writer and Parquet need: JSON without NaN, valid UTF-8."""
    dumps(obj).encode("utf-8")  # type: ignore[arg-type]


def result(stdout: str, message: str | None, stderr: str, status: str = "ok") -> SandboxResult:
    return SandboxResult(
        status=status,
        exit_code=0 if status == "ok" else 1,
        exception_type="E\ud800",
        exception_message=message,
        stdout=stdout,
        stderr_tail=stderr,
        layers=["x\udc00"],
    )


def check_record(stdout: str, message: str | None = None, stderr: str = "") -> dict:
    for status in ("ok", "runtime_error"):
        record = execution_record(
            RESPONSE,
            "def solution(): pass\ud800",
            result(stdout, message, stderr, status),
            "h",
            "s",
            allowed_packages=["numpy"],
            attempts=1,
        )
        storable(record)
        grade = grade_execution(INSTANCE, record)
        storable(graded_record(INSTANCE, "org/model", "code", grade, harness_version="h"))
    return record


@settings(max_examples=300)
@given(st.binary(max_size=3000))
def test_random_bytes_on_stdout(data):
    stdout = data.decode("utf-8", errors="replace")  # as the worker decodes it
    out = parse_output(stdout)
    assert out.found or isinstance(out.error, str)
    check_record(stdout)
    check_record(f"\n{SENTINEL}\n" + stdout)


@settings(max_examples=300)
@given(VALUES, st.one_of(st.none(), PATHS), TEXT, TEXT)
def test_hostile_values_behind_the_sentinel(value, sets, message, stderr):
    payload = {"value": value} if sets is None else {"value": value, "sets": sets}
    for line in (json.dumps(payload, allow_nan=True), json.dumps(payload, allow_nan=True, ensure_ascii=False)):
        stdout = f"noise\n{SENTINEL}\n{line}\n"
        out = parse_output(stdout)
        if out.found:
            assert value_problem(out.value) is None
            assert not any(isinstance(x, float) and not math.isfinite(x) for x in _leaves(out.value))
        record = check_record(stdout, message, stderr)
        assert (record["value"] is not None) <= out.found


@example(201)
@example(202)
@example(5000)
@given(st.integers(min_value=1, max_value=20000))
def test_deep_nesting_is_refused_not_raised(depth):
    stdout = f"{SENTINEL}\n" + '{"value": ' + "[" * depth + "]" * depth + "}\n"
    out = parse_output(stdout)
    assert out.found is (depth <= 201)  # the value and 200 levels inside it, as the harness writes at most
    check_record(stdout)


def _leaves(value):
    stack = [value]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
        else:
            yield x
