"""Code Exec integrity: every hostile program of tests/hostile/sol_*.py goes through `python -m codenl execute`
on ONE pool worker, in sequence, with benign programs before and after each.  Asserted: every record is written
and schema-valid, no hostile program's record is `sandbox_error` (its failure is its own), and every benign
record equals the record of the same benign program run on its own (no state crossed from one task to the next).
Then the records go on through `grade` and `aggregate` (Parquet), lone surrogates and all.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

import jsonschema
import pytest

from codenl.cli import main
from codenl.harness import UNCONVERTIBLE_PREFIX
from codenl.records import read_jsonl
from codenl.sandbox.paths import runtime_paths
from tests.hostile import HERE
from tests.test_sandbox_execute import response

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "workflow/schemas/execution.schema.json").read_text())
TOKEN = uuid.uuid4().hex[:12]
PATHS = runtime_paths()
#: the environment's packages and this project's source: what model code must not import or read
FORBIDDEN = [*PATHS.site_dirs, PATHS.package_root]


def program(name: str, **values: object) -> str:
    source = (HERE / f"sol_{name}.py").read_text()
    for key, value in values.items():
        source = source.replace(f"__{key.upper()}__", str(value))
    return source


def forged(payload: bytes) -> str:
    return program("forged_result", payload=repr(payload))


BENIGN = {
    "marker": program("marker", token=TOKEN),
    "probe": program("state_probe"),
    "plain": "def solution():\n    return [3, 1, 2]\n",
}
#: name -> (program, what its own record must show)
HOSTILE = {
    "surrogate_value": (program("surrogate_value"), {"status": "ok", "value": None}),
    "surrogate_exception": (program("surrogate_exception"), {"status": "runtime_error"}),
    "forged_nan": (forged(b'{"value": NaN}'), {"status": "ok", "value": None}),
    "forged_infinity": (forged(b'{"value": [1, -Infinity]}'), {"status": "ok", "value": None}),
    "forged_deep": (forged(b'{"value": ' + b"[" * 5000 + b"]" * 5000 + b"}"), {"status": "ok", "value": None}),
    "forged_surrogate": (forged(b'{"value": "\\ud800x", "sets": [[]]}'), {"status": "ok", "value": None}),
    "forged_sets": (forged(b'{"value": [1, 2], "sets": [[5], "x"]}'), {"status": "ok", "value": None}),
    "forged_bytes": (forged(b'\xff\xfe{"value": 1}'), {"status": "ok", "value": None}),
    "report_fd": (program("report_fd"), {"status": "ok", "value": 7}),
    "deep_scratch": (program("deep_scratch", depth=1100), {"status": "ok", "value": 1100}),
    "deeper_scratch": (program("deep_scratch", depth=3000), {"status": "ok", "value": 3000}),  # past PATH_MAX
    "fill_tmp": (program("fill_tmp"), {"status": "ok", "value": True}),
    "many_files": (program("many_files", n=300_000), {"status": "ok", "value": True}),
    "memory_search": (program("memory_search", token=TOKEN), {"status": "ok", "value": []}),
    "ipc_and_scheduling": (program("ipc_and_scheduling"), {"status": "ok"}),
    "imports": (program("imports", paths=", ".join(repr(p) for p in FORBIDDEN)), {"status": "ok"}),
    "imports_beside_stdlib": (program("imports_beside_stdlib"), {"status": "ok"}),
    "scratch_metadata": (program("scratch_metadata"), {"status": "ok"}),
    "memfd_hog": (
        program("memfd_hog", files=50, mib_each=60),
        {"status": "ok", "value": {"held_mib": 0, "stopped": 1}},
    ),
}


#: the execute stage's limits in these tests: one worker (programs run in sequence on it), short and small
EXECUTE_LIMITS = ("--workers", "1", "--timeout", "4", "--memory-mb", "256")


def sim(i: int, code: str) -> dict:
    return response(i, f"My program:\n```python\n{code}```\n")


def execute(tmp: Path, name: str, codes: list[str], *extra: str) -> list[dict]:
    src, out = tmp / f"{name}.sim.jsonl", tmp / f"{name}.exec.jsonl"
    src.write_text("".join(json.dumps(sim(i, c)) + "\n" for i, c in enumerate(codes)))
    assert (
        main(
            [
                "execute",
                "--sim",
                str(src),
                "--out",
                str(out),
                *EXECUTE_LIMITS,
                *extra,
            ]
        )
        == 0
    )
    return list(read_jsonl(out))


COMPARED = (
    "status",
    "value",
    "value_sets",
    "value_error",
    "exception_type",
    "exit_code",
    "signal",
    "stdout_truncated",
    "attempts",
)


@pytest.fixture(scope="module")
def sequence(tmp_path_factory):
    """Benign alone (the reference), then everything in one sequence on one worker."""
    tmp = tmp_path_factory.mktemp("integrity")
    alone = {name: execute(tmp, f"alone-{name}", [code])[0] for name, code in BENIGN.items()}
    order: list[tuple[str, str]] = [("benign", n) for n in BENIGN]
    for hostile in HOSTILE:
        if hostile == "memory_search":
            order.append(("benign", "marker"))  # the marker right before the program that looks for it
        order.append(("hostile", hostile))
        order += [("benign", n) for n in BENIGN]
    codes = [BENIGN[n] if what == "benign" else HOSTILE[n][0] for what, n in order]
    records = execute(tmp, "sequence", codes)
    return order, records, alone


def test_every_record_is_written_and_schema_valid(sequence):
    order, records, _ = sequence
    assert len(records) == len(order)
    for rec in records:
        jsonschema.validate(rec, SCHEMA)
        json.dumps(rec, ensure_ascii=False).encode("utf-8")  # storable: no lone surrogate anywhere
        assert rec["allowed_packages"] == []


def test_benign_records_are_unchanged_by_their_neighbours(sequence):
    order, records, alone = sequence
    for (what, name), rec in zip(order, records):
        if what == "benign":
            assert {k: rec[k] for k in COMPARED} == {k: alone[name][k] for k in COMPARED}, (name, rec)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_program_gets_its_own_outcome(sequence, name):
    order, records, _ = sequence
    rec = records[order.index(("hostile", name))]
    assert rec["status"] != "sandbox_error", rec
    assert rec["attempts"] == 1
    for key, want in HOSTILE[name][1].items():
        assert rec[key] == want, rec
    if name.startswith(("surrogate_value", "forged_surrogate")):
        assert rec["value_error"].startswith(UNCONVERTIBLE_PREFIX)  # graded wrong
    if name == "surrogate_exception":
        assert "\ufffd\ufffd" in rec["exception_message"] and rec["exception_type"] == "ValueError"
    if name == "ipc_and_scheduling":
        assert set(rec["value"].values()) == {"denied"}, rec["value"]
    if name == "imports_beside_stdlib":
        assert rec["value"]["readable"] == [] and rec["value"]["imported"] == [], rec["value"]
    if name == "scratch_metadata":  # times may be set (the worker resets them); attributes and flags never
        assert {k: v for k, v in rec["value"].items() if not k.startswith("utime")} == {
            "xattr .": "errno 1",
            "acl .": "errno 1",
            "xattr ..": "errno 1",
            "acl ..": "errno 1",
            "flags .": "errno 1",
            "flags . wide": "errno 1",
            "setxattrat .": "errno 38",
        }, rec["value"]
    if name == "imports":
        value = rec["value"]
        assert value["readable"] == [] and value["loaded"] == []
        assert "imported" not in value.values(), value


def test_benign_probe_sees_a_fresh_worker_state(sequence):
    order, records, alone = sequence
    probes = [rec for (what, name), rec in zip(order, records) if (what, name) == ("benign", "probe")]
    assert len(probes) == len(HOSTILE) + 1
    for rec in probes:
        assert rec["value"] == alone["probe"]["value"]
        assert rec["value"]["cwd_entries"] == [] and rec["value"]["nice"] == 0
        assert rec["value"]["affinity"] == sorted(os.sched_getaffinity(0))
        for where in ("scratch", "scratch_parent"):  # nothing an earlier task wrote on them
            assert rec["value"][where]["xattrs"] == [] and rec["value"][where]["mtime_ns"] == 0, rec["value"]


def test_allowed_packages_are_importable_and_recorded(tmp_path):
    code = "import numpy\ndef solution():\n    return int(numpy.arange(5).sum())\n"
    (default,) = execute(tmp_path, "default", [code])
    assert default["status"] == "runtime_error" and default["exception_type"] == "ModuleNotFoundError"
    (allowed,) = execute(tmp_path, "allowed", [code], "--allowed-packages", "numpy")
    assert (allowed["status"], allowed["value"], allowed["allowed_packages"]) == ("ok", 10, ["numpy"])


# ------------------------------------------------------------------------------------ on through grade, aggregate


def test_whole_path_execute_grade_aggregate(tmp_path):
    """Surrogates, forged lines and sets flow through execute -> grade -> aggregate; a frozenset of a sorting
    instance's array is wrong, a set of cut vertices is correct."""
    import pyarrow.parquet as pq

    from codenl.problems import generate

    sort = next(i for i in generate("clrs30", 8, 1, 30) if i["algorithm"] == "insertion_sort")
    cut = next(
        i for i in generate("clrs30", 8, 1, 30) if i["algorithm"] == "articulation_points" and len(i["answer"]) >= 2
    )
    array = sort["data"]["array"]
    assert len(set(array)) == len(array) >= 2  # distinct values: a sorted list of the set would be the answer
    cases = [
        (sort, program("frozenset_sort", array=array), "wrong"),
        (sort, f"def solution():\n    return sorted({array!r})\n", "correct"),
        (cut, f"def solution():\n    return set({cut['answer']!r})\n", "correct"),
        (sort, program("surrogate_value"), "wrong"),
        (sort, program("surrogate_exception"), "runtime_error"),
        (sort, forged(b'{"value": NaN}'), "runtime_error"),
        (sort, forged(b'{"value": ' + b"[" * 5000 + b"]" * 5000 + b"}"), "runtime_error"),  # unreadable line
        (sort, forged(b'{"value": ' + b"[" * 300 + b"]" * 300 + b"}"), "wrong"),  # readable, deeper than 200
    ]
    problems, nl, sims, control, execs, graded = ([] for _ in range(6))
    for n, (instance, code, _) in enumerate(cases):
        inst = dict(instance, id=f"{n:016x}", index=n)
        problems.append(tmp_path / f"p{n}.jsonl")
        problems[-1].write_text(json.dumps(inst) + "\n")
        base = {
            **response(n, None),
            "instance_id": inst["id"],
            "kind": inst["kind"],
            "size": inst["size"],
            "seed": inst["seed"],
        }
        text = f"```python\n{code}```\n" + '{"answer": "\\ud800"}'
        for arm, files, body in (
            ("nl", nl, '{"answer": ["\\udc00"]}'),
            ("sim", sims, text),
            ("controlsim", control, '{"answer": "x\\ud800"}'),
        ):
            files.append(tmp_path / f"{arm}{n}.jsonl")
            rec = dict(base, arm=arm, text=body)
            if arm == "controlsim":
                rec["code_sha256"] = hashlib.sha256(code.rstrip("\n").encode()).hexdigest()
            files[-1].write_text(json.dumps(rec) + "\n")
        execs.append(tmp_path / f"e{n}.jsonl")
        graded.append(tmp_path / f"g{n}.jsonl")
    assert (
        main(
            [
                "execute",
                "--sim",
                *map(str, sims),
                "--out",
                *map(str, execs),
                *EXECUTE_LIMITS,
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "grade",
                "--problems",
                *map(str, problems),
                "--nl",
                *map(str, nl),
                "--sim",
                *map(str, sims),
                "--controlsim",
                *map(str, control),
                "--executions",
                *map(str, execs),
                "--out",
                *map(str, graded),
            ]
        )
        == 0
    )
    rows = [r for g in graded for r in read_jsonl(g)]
    code_rows = [r for r in rows if r["arm"] == "code"]
    assert [r["outcome"] for r in code_rows] == [want for *_, want in cases], [r["detail"] for r in code_rows]
    assert "order" in code_rows[0]["detail"]
    assert {r["outcome"] for r in rows if r["arm"] != "code"} == {"wrong"}  # a string where a list is due
    parquet = tmp_path / "records.parquet"
    assert main(["aggregate", "--graded", *map(str, graded), "--out", str(parquet)]) == 0
    assert pq.read_table(parquet).num_rows == 4 * len(cases)


# ------------------------------------------------------------------------------------ the out-of-memory killer


def test_out_of_memory_takes_the_task_never_its_worker():
    """Without seccomp a program can hold memory that RLIMIT_AS does not count (memfd); past the worker's memory
    budget the kernel's out-of-memory killer must take the task (the program's `memory_limit`), not its worker
    or zygote (a `sandbox_error`, which would take a failing program out of the denominator)."""
    from codenl.harness import build_program
    from codenl.sandbox.limits import Limits
    from codenl.sandbox.pool import Sandbox, SandboxConfig
    from codenl.sandbox.selfcheck import ALL_LAYERS, probe_layers

    if probe_layers(("cgroups",)).available.get("cgroups") is not None:
        pytest.skip("needs the cgroups layer (a memory limit per worker): without it the hog would load the host")
    layers = tuple(layer for layer in ALL_LAYERS if layer != "seccomp")
    config = SandboxConfig(limits=Limits(cpu_s=8, memory_mb=128), enable=layers, require=layers, tmpfs_mb=64)
    with Sandbox(config, workers=1) as sb:
        before = sb.worker_pids()
        hog = sb.run(build_program(program("memfd_hog", files=50, mib_each=60)))
        assert hog.status == "memory_limit", hog
        assert sb.worker_pids() == before  # the same worker lives on
        plain = sb.run(build_program(BENIGN["plain"]))
        assert plain.status == "ok" and "[3, 1, 2]" in plain.stdout
