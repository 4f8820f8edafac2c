"""Outcome taxonomy, grading of every arm, fidelity, and the ``grade`` stage (codenl.grading, codenl.commands.grade).

The corpus under tests/corpus/ holds realistic responses per arm with the outcome each must get; code-arm cases
run the sim code through the harness in a plain subprocess (the sandbox adds limits, not semantics).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from codenl import problems
from codenl.answers import extract_code
from codenl.cli import main
from codenl.errors import RecordError
from codenl.grading import (
    GRADER_VERSION,
    OUTCOMES,
    Grade,
    GradingError,
    grade_execution,
    grade_instance,
    grade_response,
    grader_version,
    same_value,
)
from codenl.harness import HARNESS_VERSION, build_program, parse_output
from codenl.problems.base import Verdict
from codenl.records import read_jsonl, write_jsonl_atomic

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "corpus"
SCHEMA = json.loads((ROOT / "workflow/schemas/graded.schema.json").read_text())
MODEL = "test-org/test-model"


# ------------------------------------------------------------------------------------------------ helpers


def instance_for(kind: str, size: int, seed: int = 0, index: int = 0) -> dict[str, Any]:
    try:
        return problems.make_instance(kind, size, seed, index)
    except ImportError as exc:  # another engineer's kind module has not landed
        pytest.skip(f"kind {kind} does not import yet: {exc}")


def py_literal(value: Any) -> str:
    """A Python literal of a JSON value, lists written as tuples (to exercise the harness's conversions)."""
    if isinstance(value, list):
        return "(" + "".join(py_literal(v) + ", " for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {py_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def wrong_answer(instance: dict[str, Any]) -> Any:
    """An answer of the instance's type that its grader rejects."""
    gold = instance["answer"]
    if isinstance(gold, bool):
        candidates: list[Any] = [not gold]
    elif isinstance(gold, int):
        candidates = [gold + 1, gold - 1]
    elif isinstance(gold, list):
        candidates = [gold[:-1], gold + gold[:1], []]
    else:
        raise AssertionError(f"no wrong-answer rule for {gold!r}")
    for cand in candidates:
        if not problems.grade(instance, cand).correct:
            return cand
    raise AssertionError(f"every candidate wrong answer is correct for {instance['id']}")


def fill(text: str | None, instance: dict[str, Any]) -> str | None:
    if text is None:
        return None
    gold = instance["answer"]
    text = text.replace("<<GOLD>>", json.dumps(gold)).replace("<<GOLD_PY>>", py_literal(gold))
    if "<<GOLD_COMMAS>>" in text:
        assert isinstance(gold, int) and abs(gold) >= 1000, "GOLD_COMMAS needs an integer gold >= 1000"
        text = text.replace("<<GOLD_COMMAS>>", f"{gold:,}")
    if "<<WRONG>>" in text:
        text = text.replace("<<WRONG>>", json.dumps(wrong_answer(instance)))
    for key, value in instance["data"].items():
        text = text.replace(f"<<DATA:{key}>>", json.dumps(value))
    assert not re.search(r"<<[A-Z_]+(:\w+)?>>", text), f"unfilled placeholder in {text!r}"
    return text


def execute(code: str | None, timeout: float = 20.0) -> dict[str, Any]:
    """A minimal execute stage: the harness in a plain subprocess, classified as the sandbox classifies."""
    base: dict[str, Any] = {
        "value": None,
        "value_error": None,
        "exception_type": None,
        "exception_message": None,
        "timeout_kind": None,
        "signal": None,
        "harness_version": HARNESS_VERSION,
        "code_sha256": None,
    }
    if code is None:
        return {**base, "status": "no_code"}
    base["code_sha256"] = hashlib.sha256(code.encode("utf-8")).hexdigest()
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-c", build_program(code)],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return {**base, "status": "timeout", "timeout_kind": "wall"}
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
        etype, _, message = last.partition(": ")
        status = "syntax_error" if etype in ("SyntaxError", "IndentationError", "TabError") else "runtime_error"
        return {
            **base,
            "status": status,
            "exception_type": etype,
            "exception_message": message,
            "stderr_tail": proc.stderr[-2048:],
        }
    if not proc.stdout:
        return {**base, "status": "no_output"}
    out = parse_output(proc.stdout)
    return {
        **base,
        "status": "ok",
        "value": out.value,
        "value_error": out.error,
        "value_sets": [list(p) for p in out.sets] or None,
    }


def response(arm: str, instance: dict[str, Any], text: str | None, status: str = "ok", **extra: Any) -> dict:
    record = {
        "instance_id": instance["id"],
        "kind": instance["kind"],
        "size": instance["size"],
        "seed": instance["seed"],
        "model": MODEL,
        "provider": "test",
        "arm": arm,
        "prompt_version": f"{arm}/1-00000000",
        "status": status,
        "request_key": None,
        "text": text,
        "reasoning": None,
        "finish_reason": "stop",
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "reasoning_tokens": None},
        "cost": 0.001,
        "latency_s": 1.5,
        "attempts": 1,
        "answered_model": MODEL,
        "system_fingerprint": None,
        "error": None,
        "code_sha256": None,
    }
    if status == "infra_error":
        record["error"] = {
            "type": "http_error",
            "message": "HTTP 503 Service Unavailable after 6 attempts",
            "history": [],
        }
        record["text"] = None
    record.update(extra)
    return record


# ------------------------------------------------------------------------------------------------ the corpus


def load_corpus() -> list[Any]:
    params = []
    for name in ("nl", "sim", "controlsim", "code"):
        for case in yaml.safe_load((CORPUS / f"{name}.yaml").read_text()):
            assert case["arm"] == name and case["expect"] in OUTCOMES, case["name"]
            params.append(pytest.param(case, id=f"{name}: {case['name']}"))
    return params


CORPUS_CASES = load_corpus()


def test_corpus_covers_every_arm_and_family() -> None:
    cases = [p.values[0] for p in CORPUS_CASES]
    assert len(cases) >= 45
    for arm in ("nl", "sim", "controlsim", "code"):
        outcomes = {c["expect"] for c in cases if c["arm"] == arm}
        assert "correct" in outcomes and len(outcomes) >= 4, (arm, outcomes)
    families = {problems.get_kind(c["kind"]).family for c in cases}
    assert families == {"fine_grained", "clrs", "nphard"}


@pytest.mark.parametrize("case", CORPUS_CASES)
def test_corpus_case(case: dict[str, Any]) -> None:
    instance = instance_for(case["kind"], case["size"], case.get("seed", 0), case.get("index", 0))
    text = fill(case["text"], instance)
    arm = case["arm"]
    execution = None
    if arm == "code":
        execution = execute(extract_code(text), timeout=case.get("timeout", 20.0))
        grade = grade_execution(instance, execution)
    else:
        grade = grade_response(instance, response(arm, instance, text, case.get("status", "ok")), arm)
    assert grade.outcome == case["expect"], grade
    assert grade.correct is (case["expect"] == "correct")
    if "detail" in case:
        assert case["detail"] in grade.detail, grade.detail
    if grade.correct:
        assert grade.detail == "" and same_value(grade.answer, instance["answer"])
    if grade.outcome not in ("correct", "wrong"):
        assert grade.answer is None and grade.detail
    if "fidelity" in case:
        from codenl.grading import fidelity

        code = fill(case.get("code"), instance) if arm == "controlsim" else extract_code(text)
        execution = execute(code)
        got = fidelity(instance, response(arm, instance, text, case.get("status", "ok")), execution, arm)
        assert got is case["fidelity"]


# ------------------------------------------------------------------------------------------------ every kind


def reference_cases() -> list[Any]:
    out = []
    for kind in problems.KIND_NAMES:
        out.append(pytest.param(kind, id=kind))
    return out


@pytest.mark.parametrize("kind_name", reference_cases())
def test_reference_solution_of_every_kind_is_correct_through_the_harness(kind_name: str) -> None:
    try:
        kind = problems.get_kind(kind_name)
    except ImportError as exc:
        pytest.skip(f"kind {kind_name} does not import yet: {exc}")
    sizes = sorted({kind.min_size, min(kind.max_size, kind.min_size + 3)})
    instances = [problems.make_instance(kind_name, s, 1, i) for s in sizes for i in range(2)]
    # one program returns every gold (as Python tuples), so one interpreter start serves the kind
    code = "def solution():\n    return " + py_literal([inst["answer"] for inst in instances]) + "\n"
    execution = execute(code)
    assert execution["status"] == "ok" and execution["value_error"] is None, execution
    values = execution["value"]
    for inst, value in zip(instances, values):
        grade = grade_execution(inst, {**execution, "value": value})
        assert grade.outcome == "correct", (inst["id"], grade)
        # the stated-answer path agrees: the gold written as JSON in prose is correct too
        text = f"Reasoning...\n```json\n{json.dumps({'answer': inst['answer']})}\n```\nDone."
        assert grade_response(inst, response("nl", inst, text), "nl").outcome == "correct"


# ------------------------------------------------------------------------------------------------ unit rules


@pytest.fixture
def add_instance() -> dict[str, Any]:
    return instance_for("add", 3)


@pytest.mark.parametrize(
    "record, outcome, detail",
    [
        ({"status": "no_code"}, "no_code", "no code"),
        ({"status": "infra_error"}, "infra_error", "sim request failed"),
        ({"status": "sandbox_error", "exception_message": "bwrap failed"}, "infra_error", "sandbox failed"),
        (
            {"status": "syntax_error", "exception_type": "SyntaxError", "exception_message": "invalid syntax"},
            "syntax_error",
            "SyntaxError: invalid syntax",
        ),
        (
            {"status": "runtime_error", "exception_type": "ZeroDivisionError", "exception_message": "division by zero"},
            "runtime_error",
            "ZeroDivisionError",
        ),
        ({"status": "runtime_error", "stderr_tail": "Traceback...\nKeyError: 3\n"}, "runtime_error", "KeyError: 3"),
        ({"status": "timeout", "timeout_kind": "cpu"}, "timeout", "cpu time limit"),
        ({"status": "memory_limit", "exception_type": "MemoryError"}, "memory_limit", "MemoryError"),
        ({"status": "output_limit"}, "output_limit", "output limit"),
        ({"status": "crashed", "signal": 11}, "runtime_error", "signal 11"),
        ({"status": "no_output"}, "runtime_error", "did not return"),
        ({"status": "ok", "value": None, "value_error": "the harness printed no result"}, "runtime_error", "no result"),
        (
            {"status": "ok", "value": None, "value_error": "solution() returned float that cannot be written"},
            "wrong",
            "cannot be written",
        ),
        ({"status": "ok", "value": [1]}, "wrong", "expected an integer"),
        ({"status": "ok", "value": True}, "wrong", "boolean"),
    ],
)
def test_execution_status_mapping(add_instance: dict, record: dict, outcome: str, detail: str) -> None:
    grade = grade_execution(add_instance, record)
    assert grade.outcome == outcome
    assert detail in grade.detail
    assert grade.answer is None


def test_execution_ok_is_graded_by_the_kind(add_instance: dict) -> None:
    gold = add_instance["answer"]
    assert grade_execution(add_instance, {"status": "ok", "value": gold}) == Grade("correct", gold, "")
    wrong = grade_execution(add_instance, {"status": "ok", "value": gold + 1})
    assert wrong.outcome == "wrong" and wrong.answer == gold + 1 and wrong.detail


def test_unknown_statuses_are_record_errors(add_instance: dict) -> None:
    with pytest.raises(RecordError, match="unknown execution status 'exploded'"):
        grade_execution(add_instance, {"status": "exploded"})
    with pytest.raises(RecordError, match="unknown response status"):
        grade_response(add_instance, response("nl", add_instance, "x", status="weird"), "nl")
    with pytest.raises(RecordError, match="only for controlsim"):
        grade_response(add_instance, response("nl", add_instance, None, status="no_code"), "nl")


def test_infra_error_is_never_wrong(add_instance: dict) -> None:
    # even with a correct-looking text, an infra_error response stays infra_error
    rec = response("nl", add_instance, None, status="infra_error")
    rec["text"] = json.dumps({"answer": add_instance["answer"]})
    grade = grade_response(add_instance, rec, "nl")
    assert grade.outcome == "infra_error" and "HTTP 503" in grade.detail


def test_grader_bug_is_loud(add_instance: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(instance: Any, answer: Any) -> Verdict:
        raise KeyError("weights")

    monkeypatch.setattr(problems, "grade", broken)
    with pytest.raises(GradingError, match=rf"instance {add_instance['id']} \(add, arm nl\).*KeyError"):
        grade_response(add_instance, response("nl", add_instance, '{"answer": 1}'), "nl")


def test_grader_version_names_revision_and_source_hash() -> None:
    import re

    assert re.fullmatch(r"grader/\d+-[0-9a-f]{8}", GRADER_VERSION)


def test_unknown_outcome_rejected() -> None:
    with pytest.raises(ValueError):
        Grade("almost")


@pytest.mark.parametrize(
    "a, b, same",
    [
        (1, 1, True),
        (1, True, False),
        (True, True, True),
        (1.0, 1.0 + 1e-12, True),
        (1.0, 1.1, False),
        ([1, [2]], [1, [2]], True),
        ([1, 2], [2, 1], False),
        ({"a": 1}, {"a": 1}, True),
        ({"a": 1}, {"b": 1}, False),
        ("1", 1, False),
        (None, None, True),
        (10**30, 10**30 + 1, False),
    ],
)
def test_same_value(a: Any, b: Any, same: bool) -> None:
    assert same_value(a, b) is same


# ------------------------------------------------------------------------------------------------ one instance


def four_records(instance: dict[str, Any], sim_answer: Any, control_answer: Any) -> list[dict[str, Any]]:
    code = f"def solution():\n    return {py_literal(instance['answer'])}\n"
    sim_text = f"```python\n{code}```\nSimulating...\n" + json.dumps({"answer": sim_answer})
    execution = {
        "instance_id": instance["id"],
        "kind": instance["kind"],
        "size": instance["size"],
        "seed": instance["seed"],
        "model": MODEL,
        **execute(extract_code(sim_text)),
    }
    sha = execution["code_sha256"]
    return [
        response("nl", instance, "no idea"),
        response("sim", instance, sim_text),
        response("controlsim", instance, json.dumps({"answer": control_answer}), code_sha256=sha),
        execution,
    ]


def arm_records(
    nl: dict[str, Any], sim: dict[str, Any], ctrl: dict[str, Any], execution: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    return {"nl": nl, "sim": sim, "controlsim": ctrl, "code": execution}


def test_grade_instance_gives_four_schema_valid_records() -> None:
    inst = instance_for("tsp_d", 4)
    gold = inst["answer"]
    nl, sim, ctrl, execution = four_records(inst, gold, not gold)
    records = grade_instance(inst, arm_records(nl, sim, ctrl, execution))
    assert [r["arm"] for r in records] == ["nl", "sim", "controlsim", "code"]
    by_arm = {r["arm"]: r for r in records}
    assert by_arm["nl"]["outcome"] == "parse_error" and by_arm["nl"]["fidelity"] is None
    assert by_arm["sim"]["outcome"] == "correct" and by_arm["sim"]["fidelity"] is True
    assert by_arm["controlsim"]["outcome"] == "wrong" and by_arm["controlsim"]["fidelity"] is False
    assert by_arm["code"]["outcome"] == "correct" and by_arm["code"]["answer"] is gold
    assert by_arm["code"]["prompt_tokens"] is None and by_arm["code"]["cost"] is None
    assert by_arm["code"]["harness_version"] == HARNESS_VERSION
    assert by_arm["nl"]["prompt_tokens"] == 100 and by_arm["nl"]["cost"] == 0.001
    for rec in records:
        jsonschema.validate(rec, SCHEMA)
        assert rec["grader_version"] == grader_version("tsp_d") and rec["gold"] == gold
        assert rec["model"] == MODEL and rec["instance_id"] == inst["id"]


def test_grade_instance_rejects_records_that_do_not_belong_together() -> None:
    inst = instance_for("tsp_d", 4)
    nl, sim, ctrl, execution = four_records(inst, True, True)
    with pytest.raises(RecordError, match="model is 'other'"):
        grade_instance(inst, arm_records({**nl, "model": "other"}, sim, ctrl, execution))
    with pytest.raises(RecordError, match="arm is 'sim', expected 'nl'"):
        grade_instance(inst, arm_records({**nl, "arm": "sim"}, sim, ctrl, execution))
    with pytest.raises(RecordError, match="field 'size'"):
        grade_instance(inst, arm_records(nl, sim, ctrl, {**execution, "size": 99}))
    with pytest.raises(RecordError, match="stale shard"):
        grade_instance(inst, arm_records(nl, sim, {**ctrl, "code_sha256": "0" * 64}, execution))


def test_grade_instance_rejects_executions_and_controlsim_of_other_code_than_the_sim_reply_holds() -> None:
    """Execute and controlsim extracted the code when they ran; grading extracts it again from the sim reply.

    After an edit of the code extraction, stale execution or controlsim shards of the old extraction would be graded
    beside a sim arm judged by the new one (the code arm scoring a program the sim reply no longer yields, or
    controlsim `no_code` beside a sim arm with code), silently: both must name the code the sim reply holds now.
    """
    inst = instance_for("tsp_d", 4)
    nl, sim, ctrl, execution = four_records(inst, True, True)
    grade_instance(inst, arm_records(nl, sim, ctrl, execution))  # consistent
    other = hashlib.sha256(b"def solution():\n    return False").hexdigest()
    with pytest.raises(RecordError, match="stale"):  # both ran another program, consistently with each other
        grade_instance(inst, arm_records(nl, sim, {**ctrl, "code_sha256": other}, {**execution, "code_sha256": other}))
    with pytest.raises(RecordError, match="stale"):  # execute found no code where the sim reply has some
        grade_instance(inst, arm_records(nl, sim, ctrl, {**execution, "status": "no_code", "code_sha256": None}))
    with pytest.raises(RecordError, match="stale"):  # controlsim was not asked although the sim reply has code
        grade_instance(inst, arm_records(nl, sim, {**ctrl, "status": "no_code", "code_sha256": None}, execution))
    no_code_sim = {**sim, "text": "I cannot write code. " + json.dumps({"answer": True})}
    with pytest.raises(RecordError, match="stale"):  # a program ran although the sim reply holds none
        grade_instance(inst, arm_records(nl, no_code_sim, ctrl, execution))
    records = grade_instance(
        inst,
        arm_records(
            nl,
            no_code_sim,
            {**ctrl, "status": "no_code", "code_sha256": None},
            {**execution, "status": "no_code", "code_sha256": None, "value": None},
        ),
    )
    assert [r["outcome"] for r in records[1:]] == ["no_code", "no_code", "no_code"]


def test_schema_rejects_inconsistent_records() -> None:
    inst = instance_for("add", 2)
    nl, sim, ctrl, execution = four_records(inst, inst["answer"], inst["answer"])
    record = grade_instance(inst, arm_records(nl, sim, ctrl, execution))[1]
    for bad in (
        {"correct": False},
        {"outcome": "exploded"},
        {"arm": "code", "fidelity": True},
        {"outcome": "parse_error", "correct": False, "answer": 5},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**record, **bad}, SCHEMA)


# ------------------------------------------------------------------------------------------------ the stage


def write_shard(tmp: Path, kind: str, size: int, n: int, drop: str | None = None) -> dict[str, Path]:
    instances = [instance_for(kind, size, 0, i) for i in range(n)]
    files = {name: tmp / f"{name}-{kind}-{size}.jsonl" for name in ("problems", "nl", "sim", "controlsim", "exec")}
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in files}
    for i, inst in enumerate(instances):
        nl, sim, ctrl, execution = four_records(inst, inst["answer"], wrong_answer(inst) if i % 2 else inst["answer"])
        nl["text"] = json.dumps({"answer": inst["answer"]})
        rows["problems"].append(inst)
        for name, rec in (("nl", nl), ("sim", sim), ("controlsim", ctrl), ("exec", execution)):
            rows[name].append(rec)
    if drop:
        rows[drop].pop()
    for name, path in files.items():
        write_jsonl_atomic(path, rows[name])
    return files


def grade_argv(shards: list[dict[str, Path]], outs: list[Path]) -> list[str]:
    argv = ["grade"]
    for flag, name in (
        ("--problems", "problems"),
        ("--nl", "nl"),
        ("--sim", "sim"),
        ("--controlsim", "controlsim"),
        ("--executions", "exec"),
    ):
        argv += [flag, *(str(s[name]) for s in shards)]
    return argv + ["--out", *(str(o) for o in outs)]


def test_grade_stage_end_to_end(tmp_path: Path) -> None:
    shards = [write_shard(tmp_path, "add", 2, 2), write_shard(tmp_path, "gcp_d", 4, 3)]
    outs = [tmp_path / "graded" / "a.jsonl", tmp_path / "graded" / "b.jsonl"]
    assert main(grade_argv(shards, outs)) == 0
    for out, n, shard in zip(outs, (2, 3), shards):
        records = list(read_jsonl(out))
        assert len(records) == 4 * n
        ids = [r["id"] for r in read_jsonl(shard["problems"])]
        assert [r["instance_id"] for r in records] == [i for i in ids for _ in range(4)]
        for rec in records:
            jsonschema.validate(rec, SCHEMA)
        outcomes = [(r["arm"], r["outcome"]) for r in records]
        assert outcomes[:4] == [("nl", "correct"), ("sim", "correct"), ("controlsim", "correct"), ("code", "correct")]
        assert outcomes[6] == ("controlsim", "wrong")
    # a second run rewrites the same content
    before = [o.read_bytes() for o in outs]
    assert main(grade_argv(shards, outs)) == 0
    assert [o.read_bytes() for o in outs] == before


@pytest.mark.parametrize("drop", ["nl", "sim", "controlsim", "exec"])
def test_missing_record_is_an_error_naming_file_and_instance(
    tmp_path: Path, drop: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shard = write_shard(tmp_path, "add", 2, 2, drop=drop)
    missing = list(read_jsonl(shard["problems"]))[-1]["id"]
    out = tmp_path / "out.jsonl"
    assert main(grade_argv([shard], [out])) == 1
    err = capsys.readouterr().err
    assert str(shard[drop]) in err and missing in err
    assert not out.exists()


def test_foreign_and_duplicate_records_are_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shard = write_shard(tmp_path, "add", 2, 2)
    lines = shard["nl"].read_text().splitlines()
    shard["nl"].write_text("\n".join(lines + [lines[0]]) + "\n")
    assert main(grade_argv([shard], [tmp_path / "o.jsonl"])) == 1
    assert "a second nl response" in capsys.readouterr().err
    (tmp_path / "x").mkdir()
    other = write_shard(tmp_path / "x", "add", 3, 1)
    shard["nl"].write_text("\n".join(lines[:1] + other["nl"].read_text().splitlines()) + "\n")
    assert main(grade_argv([shard], [tmp_path / "o.jsonl"])) == 1
    assert "not in the problem file" in capsys.readouterr().err


def test_misaligned_lists_are_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shard = write_shard(tmp_path, "add", 2, 1)
    argv = grade_argv([shard], [tmp_path / "a.jsonl"]) + [str(tmp_path / "b.jsonl")]
    assert main(argv) == 2
    assert "aligned" in capsys.readouterr().err


def test_grade_help_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "codenl", "grade", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert proc.returncode == 0 and "--executions" in proc.stdout


def test_every_kind_module_imports_or_is_reported() -> None:
    # not a skip: tells which kinds the reference test could not cover
    missing = []
    for kind in problems.KIND_NAMES:
        try:
            importlib.import_module(problems.KIND_MODULES[kind])
        except ImportError:
            missing.append(kind)
    if missing:
        pytest.skip(f"kinds whose module does not import yet: {' '.join(missing)}")


# ------------------------------------------------------------------------------------------------ the real sandbox


@pytest.fixture(scope="module")
def sandbox() -> Any:
    """The project's sandbox in pool mode (degraded layers allowed: CI machines may lack bwrap or cgroups)."""
    try:
        from codenl.sandbox.limits import Limits
        from codenl.sandbox.pool import Sandbox, SandboxConfig
    except ImportError as exc:
        pytest.skip(f"codenl.sandbox does not import: {exc}")
    # numpy allowed: the corpus checks how numpy values are converted (by default only the standard library is)
    config = SandboxConfig(limits=Limits(cpu_s=1.0, memory_mb=1024), allow_degraded=True, packages=("numpy",))
    try:
        sb = Sandbox(config, workers=1, mode="pool").__enter__()
    except Exception as exc:
        pytest.skip(f"the sandbox cannot start here: {type(exc).__name__}: {exc}")
    yield sb
    sb.__exit__(None, None, None)


def sandboxed(sb: Any, code: str | None) -> dict[str, Any]:
    from codenl.sandbox.execute import execution_record
    from codenl.sandbox.pool import SANDBOX_VERSION

    if code is None:
        return {"status": "no_code", "value": None, "value_error": None}
    return execution_record({}, code, sb.run(build_program(code), solution=code), HARNESS_VERSION, SANDBOX_VERSION)


def test_code_corpus_in_the_sandbox(sandbox: Any) -> None:
    """The same code-arm outcomes with the sandbox's classification instead of the subprocess stand-in."""
    got, want = [], []
    for case in yaml.safe_load((CORPUS / "code.yaml").read_text()):
        instance = instance_for(case["kind"], case["size"])
        record = sandboxed(sandbox, extract_code(fill(case["text"], instance)))
        grade = grade_execution(instance, record)
        got.append((case["name"], grade.outcome))
        want.append((case["name"], case["expect"]))
    assert got == want


def test_reference_solutions_in_the_sandbox(sandbox: Any) -> None:
    for kind_name in problems.KIND_NAMES:
        try:
            kind = problems.get_kind(kind_name)
        except ImportError:
            continue  # reported by test_every_kind_module_imports_or_is_reported
        instances = [problems.make_instance(kind_name, kind.min_size, 2, i) for i in range(2)]
        code = "def solution():\n    return " + py_literal([inst["answer"] for inst in instances]) + "\n"
        record = sandboxed(sandbox, code)
        assert record["status"] == "ok" and record["value_error"] is None, (kind_name, record)
        for inst, value in zip(instances, record["value"]):
            assert grade_execution(inst, {**record, "value": value}).outcome == "correct", kind_name


# ------------------------------------------------------------------------------------------------ sets have no order


def clrs_instance(algorithm: str, size: int = 8) -> dict[str, Any]:
    return next(i for i in problems.generate("clrs30", size, 1, 30) if i["algorithm"] == algorithm)


@pytest.mark.parametrize("algorithm", ["insertion_sort", "bubble_sort", "heapsort", "quicksort"])
def test_a_frozenset_does_not_pass_a_sorting_instance(algorithm: str) -> None:
    instance = clrs_instance(algorithm)
    array = instance["data"]["array"]
    as_set = execute(f"def solution():\n    return frozenset({array!r})\n")
    assert as_set["value"] == sorted(set(array)) and as_set["value_sets"] == [[]]
    grade = grade_execution(instance, as_set)
    if len(set(array)) == len(array):
        assert grade.outcome == "wrong" and "order" in grade.detail
    assert grade_execution(instance, execute(f"def solution():\n    return sorted({array!r})\n")).correct


def test_sets_pass_where_the_grader_ignores_order() -> None:
    instance = clrs_instance("articulation_points")
    cut = instance["answer"]
    assert grade_execution(instance, execute(f"def solution():\n    return set({cut!r})\n")).correct
    bridges = clrs_instance("bridges")
    nested = f"{{frozenset(e) for e in {bridges['answer']!r}}}"
    record = execute(f"def solution():\n    return [sorted(e) for e in {nested}]\n")
    assert grade_execution(bridges, record).correct


def test_a_set_of_components_of_sets_passes_a_partition() -> None:
    scc = clrs_instance("strongly_connected_components")
    record = execute(f"def solution():\n    return {{frozenset(c) for c in {scc['answer']!r}}}\n")
    assert record["value_sets"] is not None and len(record["value_sets"]) == 1 + len(scc["answer"])
    assert grade_execution(scc, record).correct


def test_a_set_is_wrong_where_the_answer_is_ordered_even_when_its_order_would_pass() -> None:
    """The shifts of a string matcher are an ordered list: a set of them is wrong, also when it holds one shift
    or none (where every order of its elements is the same list, so that trying other orders cannot tell)."""
    for algorithm in ("kmp_matcher", "naive_string_matcher"):
        short = [
            i
            for size in (4, 8)
            for seed in (1, 2, 3)
            for i in problems.generate("clrs30", size, seed, 60)
            if i["algorithm"] == algorithm and len(i["answer"]) <= 1
        ]
        assert short, algorithm
        for instance in short:
            as_set = {"status": "ok", "value": list(instance["answer"]), "value_sets": [[]]}
            grade = grade_execution(instance, as_set)
            assert grade.outcome == "wrong" and "no order" in grade.detail, (instance["answer"], grade)
            assert grade_execution(instance, {**as_set, "value_sets": None}).correct


def _unordered_examples() -> list[tuple[str, dict[str, Any]]]:
    """Instances of every kind (and CLRS algorithm) that declares an unordered answer somewhere."""
    out = []
    for kind_name, spec in problems.REGISTRY.items():
        for size in spec.default_sizes[:2]:
            for seed in (1, 2):
                for inst in problems.generate(kind_name, size, seed, 30 if kind_name == "clrs30" else 4):
                    if problems.unordered(inst):
                        out.append((f"{kind_name}/{inst['algorithm'] or ''}", inst))
    return out


def test_unordered_declarations_agree_with_the_graders() -> None:
    """Where a kind declares its answer unordered, its grader accepts the gold answer's elements in every order
    (every permutation of up to 6 elements, else 30 seeded shuffles) at every declared position at once."""
    import itertools
    import random as _random

    from codenl.grading import _matches

    examples = _unordered_examples()
    assert {name for name, _ in examples} >= {
        "ksp/",
        "clrs30/articulation_points",
        "clrs30/bridges",
        "clrs30/strongly_connected_components",
        "clrs30/mst_kruskal",
        "clrs30/activity_selector",
    }
    for name, inst in examples:
        patterns = problems.unordered(inst)

        def lists(value: Any, patterns: tuple, path: tuple = ()) -> list[tuple]:  # the lists the patterns name
            found = [path] if isinstance(value, list) and any(_matches(path, p) for p in patterns) else []
            if isinstance(value, list):
                for i, x in enumerate(value):
                    found += lists(x, patterns, (*path, i))
            return found

        def at(value: Any, path: tuple) -> Any:
            for step in path:
                value = value[step]
            return value

        paths = lists(inst["answer"], patterns)
        assert paths, name
        rng = _random.Random(f"{name}|{inst['id']}")
        for path in paths:
            node = at(inst["answer"], path)
            orders = (
                list(itertools.permutations(node))
                if len(node) <= 6
                else [rng.sample(node, len(node)) for _ in range(30)]
            )
            for order in orders:
                answer = json.loads(json.dumps(inst["answer"]))
                at(answer, path)[:] = list(order)
                verdict = problems.grade(inst, answer)
                assert verdict.correct, (name, path, order, verdict.reason)
        for _ in range(10):  # every declared list shuffled at once, innermost first
            answer = json.loads(json.dumps(inst["answer"]))
            for path in sorted(paths, key=len, reverse=True):
                node = at(answer, path)
                node[:] = rng.sample(node, len(node))
            assert problems.grade(inst, answer).correct, (name, answer)


def test_sets_inside_sets_are_rearranged_innermost_first() -> None:
    record = execute("def solution():\n    return {'a': [{3, 1, 2}, frozenset({frozenset({5, 4}), frozenset({6})})]}\n")
    assert record["value"] == {"a": [[1, 2, 3], [[4, 5], [6]]]}
    assert sorted(record["value_sets"]) == [["a", 0], ["a", 1], ["a", 1, 0], ["a", 1, 1]]


def test_fidelity_compares_a_set_as_a_set(add_instance: dict) -> None:
    from codenl.grading import fidelity

    instance = clrs_instance("articulation_points")
    cut = instance["answer"]
    execution = execute(f"def solution():\n    return set({cut!r})\n")
    stated = response("controlsim", instance, json.dumps({"answer": list(reversed(cut))}))
    assert fidelity(instance, stated, execution, "controlsim") is True
    as_list = execute(f"def solution():\n    return {cut!r}\n")
    assert fidelity(instance, stated, as_list, "controlsim") is (list(reversed(cut)) == cut)


def test_a_wrong_type_is_wrong_in_every_arm(add_instance: dict) -> None:
    text = '{"answer": "forty-two"}'
    code = "def solution():\n    return 'forty-two'\n"
    nl = grade_response(add_instance, response("nl", add_instance, text), "nl")
    sim = grade_response(add_instance, response("sim", add_instance, f"```python\n{code}```\n{text}"), "sim")
    executed = grade_execution(add_instance, execute(code))
    assert nl.outcome == sim.outcome == executed.outcome == "wrong"
    assert "not of type int" in nl.detail and "not of type int" in executed.detail
