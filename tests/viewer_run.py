"""A small finished run for the results browser's tests: real instances, schema-valid responses and execution
records written here (some of them hostile), graded and aggregated by the pipeline's own code.

Per model and seed: ``add`` size 2 (3 instances) and ``tsp_d`` size 5 (2 instances); models ``org/model-a``
(seeds 0 and 1) and ``local-b`` (seed 0).  Instance ``i`` of each shard follows pattern ``i % 3``:

0. NL wrong (its reply is :data:`HOSTILE`), Sim correct, Code correct, ControlSim wrong (fidelity false);
1. NL correct, Sim correct, Code ``runtime_error`` (hostile exception and stderr, and fields the execution
   schema does not know yet), ControlSim ``parse_error``;
2. NL ``infra_error``, Sim ``no_code`` (hostile prose), ControlSim and Code ``no_code``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema

from codenl.analysis.aggregate import collect, write_parquet_atomic
from codenl.answers import extract_code
from codenl.arms import ARMS
from codenl.commands.grade import grade_shard
from codenl.naming import model_slug
from codenl.problems import generate
from codenl.prompts import PROMPT_VERSIONS
from codenl.records import write_jsonl_atomic

from .conftest import ROOT

MODELS = {"org/model-a": (0, 1), "local-b": (0,)}
SHARDS = (("add", 2, 3), ("tsp_d", 5, 2))
HOSTILE = (
    "Let me think. <script>window.__pwned = 'script';</script> then </script><script>window.__pwned = 'close'"
    "</script> and <img src=x onerror=\"window.__pwned = 'img'\"> and [click me](javascript:window.__pwned='js') "
    "<a href=\"javascript:window.__pwned='a'\">link</a> <!-- not a comment --> line\u2028separator\u2029end "
    '<iframe src="https://example.invalid/"></iframe> <style>body{display:none}</style>\n'
)
HOSTILE_CODE = (
    "```python\ndef solution():\n    s = \"</script><img src=x onerror=window.__pwned='code'>\"\n    return {v}\n```\n"
)
SCHEMAS = ROOT / "workflow" / "schemas"


def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text())


def _answer(value: Any) -> str:
    return f'\n```json\n{{"answer": {json.dumps(value)}}}\n```\n'


def _response(inst: dict[str, Any], model: str, arm: str, text: str | None, status: str = "ok") -> dict[str, Any]:
    key = hashlib.sha256(f"{model}|{arm}|{inst['id']}".encode()).hexdigest()
    asked = status != "no_code"
    rec = {
        "instance_id": inst["id"],
        "kind": inst["kind"],
        "size": inst["size"],
        "seed": inst["seed"],
        "model": model,
        "provider": "openrouter" if "/" in model else "local",
        "arm": arm,
        "prompt_version": PROMPT_VERSIONS[arm],
        "status": status,
        "request_key": key if status == "ok" else None,
        "text": text if status == "ok" else None,
        "reasoning": None,
        "finish_reason": "stop" if status == "ok" else None,
        "usage": {
            "prompt_tokens": 120 if asked else None,
            "completion_tokens": 80 if asked else None,
            "reasoning_tokens": None,
        },
        "cost": 0.00042 if status == "ok" else None,
        "latency_s": 1.5 if status == "ok" else None,
        "attempts": 1 if status == "ok" else (3 if asked else 0),
        "answered_model": model if status == "ok" else None,
        "answered_provider": "Upstream<b>Inc</b>" if status == "ok" and "/" in model else None,
        "system_fingerprint": None,
        "error": None,
        "code_sha256": None,
    }
    if status == "infra_error":
        rec["error"] = {
            "type": "retries_exhausted",
            "message": "HTTP 503 <script>window.__pwned='err'</script>",
            "history": [{"attempt": 1, "type": "http_503", "status": 503, "message": "busy", "latency_s": 0.1}],
        }
    return rec


def _execution(inst: dict[str, Any], model: str, status: str, value: Any = None) -> dict[str, Any]:
    rec = {
        "instance_id": inst["id"],
        "kind": inst["kind"],
        "size": inst["size"],
        "seed": inst["seed"],
        "model": model,
        "status": status,
        "code_sha256": None,
        "value": value,
        "value_error": None,
        "timeout_kind": None,
        "exit_code": 0 if status == "ok" else None,
        "signal": None,
        "exception_type": None,
        "exception_message": None,
        "wall_s": 0.05,
        "cpu_s": 0.02,
        "peak_rss_kb": 9000,
        "stdout_truncated": False,
        "stderr_tail": "",
        "layers": ["rlimits", "seccomp"],
        "harness_version": "h/1",
        "sandbox_version": "s/1",
    }
    if status == "runtime_error":
        rec.update(
            exit_code=1,
            exception_type="ValueError",
            exception_message="<img src=x onerror=\"window.__pwned='exc'\">",
            stderr_tail="Traceback (most recent call last):\n</script><script>window.__pwned='stderr'</script>\n"
            "ValueError: <img src=x onerror=\"window.__pwned='exc'\">\n",
        )
    return rec


def _records_for(inst: dict[str, Any], model: str) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    gold = inst["answer"]
    other = (not gold) if isinstance(gold, bool) else gold + 1
    pattern = inst["index"] % 3
    sim_text = "I write a program.\n" + HOSTILE_CODE.format(v=json.dumps(gold)) + "It returns this." + _answer(gold)
    if pattern == 0:
        nl = _response(inst, model, "nl", HOSTILE + _answer(other))
        sim = _response(inst, model, "sim", sim_text)
        ctrl = _response(inst, model, "controlsim", "Tracing it." + _answer(other))
        exe = _execution(inst, model, "ok", gold)
    elif pattern == 1:
        nl = _response(inst, model, "nl", "Carefully." + _answer(gold))
        sim = _response(inst, model, "sim", sim_text)
        ctrl = _response(inst, model, "controlsim", "I cannot tell.")
        exe = _execution(inst, model, "runtime_error")
    else:
        nl = _response(inst, model, "nl", None, status="infra_error")
        sim = _response(inst, model, "sim", HOSTILE + "No code today." + _answer(gold))
        ctrl = _response(inst, model, "controlsim", None, status="no_code")
        exe = _execution(inst, model, "no_code")
    code = extract_code(sim["text"])
    sha = hashlib.sha256(code.encode("utf-8")).hexdigest() if code is not None else None
    exe["code_sha256"] = sha
    if ctrl["status"] == "ok":
        ctrl["code_sha256"] = sha
    return {"nl": nl, "sim": sim, "controlsim": ctrl}, exe


def make_run(root: Path) -> Path:
    """Write problems, responses, executions, graded shards and ``aggregate/records.parquet`` under ``root``;
    returns the records table's path."""
    res = root / "results"
    response_schema, execution_schema = _schema("response"), _schema("execution")
    graded_files = []
    for model, seeds in MODELS.items():
        slug = model_slug(model)
        for seed in seeds:
            for kind, size, n in SHARDS:
                tail = Path(kind, str(size), f"seed{seed}.jsonl")
                insts = generate(kind, size, seed, n)
                write_jsonl_atomic(res / "problems" / tail, insts)
                by_arm: dict[str, list[dict[str, Any]]] = {"nl": [], "sim": [], "controlsim": []}
                execs = []
                for inst in insts:
                    responses, exe = _records_for(inst, model)
                    for arm, rec in responses.items():
                        jsonschema.validate(rec, response_schema)
                        by_arm[arm].append(rec)
                    jsonschema.validate(exe, execution_schema)
                    if exe["status"] == "runtime_error":  # fields a newer sandbox may add: shown, never fatal
                        exe.update(value_type="int", allowed_packages=["numpy"], future_field="<b>new</b>")
                    execs.append(exe)
                for arm, recs in by_arm.items():
                    write_jsonl_atomic(res / "responses" / slug / arm / tail, recs)
                write_jsonl_atomic(res / "executions" / slug / tail, execs)
                files = {a: str(res / "responses" / slug / a / tail) for a in by_arm}
                files.update({a: str(res / "executions" / slug / tail) for a in ARMS if a not in by_arm})
                graded = grade_shard(str(res / "problems" / tail), files)
                out = res / "graded" / slug / tail
                write_jsonl_atomic(out, graded)
                graded_files.append(out)
    records = res / "aggregate" / "records.parquet"
    write_parquet_atomic(collect(graded_files), records)
    return records
