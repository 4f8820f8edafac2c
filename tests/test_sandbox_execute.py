"""The execute stage end to end: sim response shards in, schema-valid execution records out, in order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from codenl.cli import main
from codenl.harness import HARNESS_VERSION
from codenl.records import read_jsonl

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "workflow/schemas/execution.schema.json").read_text())


def response(i: int, text: str | None, status: str = "ok", size: int = 3) -> dict:
    return {
        "instance_id": f"{i:016x}",
        "kind": "add",
        "size": size,
        "seed": 1,
        "model": "org/model",
        "provider": "local",
        "arm": "sim",
        "prompt_version": "p/1",
        "status": status,
        "request_key": None,
        "text": text,
        "reasoning": None,
        "finish_reason": "stop",
        "usage": {},
        "cost": None,
        "latency_s": 0.1,
        "attempts": 1,
        "answered_model": None,
        "system_fingerprint": None,
        "error": None,
        "code_sha256": None,
    }


def fenced(code: str) -> str:
    return f"Here is my code:\n```python\n{code}```\nIt returns the value."


CASES = [
    (fenced("def solution():\n    return 12 + 30\n"), "ok", 42),
    (fenced("def solution():\n    return sorted({3, 1, 2})\n"), "ok", [1, 2, 3]),
    (fenced("def solution():\n    return 1 / 0\n"), "runtime_error", None),
    (fenced("def solution(:\n    return 1\n"), "syntax_error", None),
    (fenced("def solution():\n    while True:\n        pass\n"), "timeout", None),
    (fenced("import os\ndef solution():\n    return os.fork()\n"), "runtime_error", None),
    (fenced("def solution():\n    print('x' * 3000000)\n    return 1\n"), "output_limit", None),
    (fenced("def solution():\n    return float('nan')\n"), "ok", None),
    ("I think the answer is 42.", "no_code", None),
    (None, "infra_error", None),
    # a syntax error is code that does not compile; a SyntaxError raised, or reported, as it runs is a runtime error
    (fenced("def solution():\n    return eval('(')\n"), "runtime_error", None),
    (fenced("def solution():\n    raise SyntaxError('made up')\n"), "runtime_error", None),
    (
        fenced(
            "import os\ndef solution():\n"
            '    os.write(3, b\'{"exception_type": "IndentationError", "exception_message": "x"}\\n\')\n'
            "    os._exit(1)\n"
        ),
        "runtime_error",
        None,
    ),
    (fenced("def solution():\nreturn 1\n"), "syntax_error", None),
    (fenced("def solution():\n    return 1 # \x00\n"), "syntax_error", None),
    # deeper than the compiler goes at the default recursion limit, not at the harness's: it runs
    (fenced("def solution():\n    return " + "+".join(["1"] * 4000) + "\n"), "ok", 4000),
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("execute")
    sims, outs = [tmp / "sim3.jsonl", tmp / "sim4.jsonl"], [tmp / "out" / "3.jsonl", tmp / "out" / "4.jsonl"]
    rows = [response(i, text, "infra_error" if text is None else "ok") for i, (text, _, _) in enumerate(CASES)]
    sims[0].write_text("".join(json.dumps(r) + "\n" for r in rows))
    sims[1].write_text(json.dumps(response(99, fenced("def solution():\n    return [[1, 2], [3]]\n"), size=4)) + "\n")
    code = main(
        [
            "execute",
            "--sim",
            *map(str, sims),
            "--out",
            *map(str, outs),
            "--workers",
            "2",
            "--timeout",
            "1",
            "--memory-mb",
            "256",
        ]
    )
    assert code == 0
    return [list(read_jsonl(p)) for p in outs]


def test_records_are_schema_valid_and_in_order(executed):
    first, second = executed
    assert [r["instance_id"] for r in first] == [f"{i:016x}" for i in range(len(CASES))]
    assert [r["instance_id"] for r in second] == [f"{99:016x}"]
    for rec in first + second:
        jsonschema.validate(rec, SCHEMA)
        assert rec["harness_version"] == HARNESS_VERSION and rec["sandbox_version"].startswith("sandbox/")
        assert rec["model"] == "org/model" and rec["kind"] == "add"


@pytest.mark.parametrize("i", range(len(CASES)))
def test_each_case(executed, i):
    rec = executed[0][i]
    _, status, value = CASES[i]
    assert rec["status"] == status, rec
    assert rec["value"] == value
    if status in ("no_code", "infra_error"):
        assert rec["code_sha256"] is None and rec["layers"] == [] and rec["value_error"]
    else:
        assert len(rec["code_sha256"]) == 64 and "seccomp" in rec["layers"]


def test_value_errors_say_why(executed):
    nan = executed[0][7]
    assert nan["value"] is None and "cannot be written as JSON" in nan["value_error"]
    assert executed[0][4]["timeout_kind"] in ("cpu", "wall")  # which comes first depends on the load
    assert executed[0][2]["exception_type"] == "ZeroDivisionError"
    assert executed[1][0]["value"] == [[1, 2], [3]]
    syntax = executed[0][3]
    assert syntax["exception_type"] == "SyntaxError" and "invalid syntax" in syntax["exception_message"]
    assert executed[0][13]["exception_type"] == "IndentationError"
    assert executed[0][14]["exception_type"] == "SyntaxError" and "null" in executed[0][14]["exception_message"]
    assert executed[0][10]["exception_type"] == "SyntaxError"  # raised as it ran: kept, but a runtime error


def test_mismatched_file_lists_are_a_usage_error(tmp_path, capsys):
    sim = tmp_path / "s.jsonl"
    sim.write_text(json.dumps(response(1, None, "infra_error")) + "\n")
    assert main(["execute", "--sim", str(sim), "--out", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert "aligned by position" in capsys.readouterr().err


def test_malformed_sim_record_names_file_and_line(tmp_path, capsys):
    sim = tmp_path / "s.jsonl"
    bad = response(1, "x")
    del bad["seed"]
    sim.write_text(json.dumps(response(0, "y")) + "\n" + json.dumps(bad) + "\n")
    out = tmp_path / "o.jsonl"
    assert main(["execute", "--sim", str(sim), "--out", str(out)]) == 1
    assert f"{sim}:2: missing field 'seed'" in capsys.readouterr().err
    assert not out.exists()


def test_sandbox_command_prints_one_json_object(tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("print(sum(range(10)))\n")
    proc = subprocess.run(
        [sys.executable, "-m", "codenl", "sandbox", str(prog), "--timeout", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] == "ok" and result["stdout"] == "45\n"
    assert {"hygiene", "rlimits", "seccomp", "landlock", "bwrap"} <= set(result["layers"])
    check = subprocess.run(
        [sys.executable, "-m", "codenl", "sandbox", "--self-check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert check.returncode == 0 and json.loads(check.stdout)["ok"] is True
