"""The kind and arm registries: every other definition derives from them, and a new kind is one module plus one
registry line.

A toy kind, written to a temporary module and registered for the test only, runs through generate, query (the fake
OpenAI-compatible server), execute and grade, in process and through the workflow, without any other file edited;
an edit of its grader alone re-grades it from stored responses, with no request sent and no other kind re-graded.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from codenl import problems
from codenl.analysis.stats import COMPARISONS
from codenl.arms import ARM_LABELS, ARM_REGISTRY, ARMS, ASKED_ARMS, EXECUTED_ARMS, OUTCOMES
from codenl.cli import main as codenl_main
from codenl.commands.grade import ARM_OPTIONS
from codenl.grading import grader_version
from codenl.problems import REGISTRY, KindSpec, families, get_kind, registered
from codenl.prompts import ARMS as PROMPT_ARMS
from codenl.prompts import TEMPLATES
from codenl.records import read_jsonl

from .conftest import ROOT
from .fake_openai import FakeServerThread

SCHEMAS = ROOT / "workflow" / "schemas"

TOY_MODULE = '''
"""A toy kind: repeat a number (instance 0 asks for 7, the fake server's fixed answer)."""

from codenl.problems.base import Kind, Problem, Verdict


class Toy(Kind):
    name = "toy"
    family = "toys"
    min_size = 1
    max_size = 9
    version = "1"

    def make(self, size, rng, index):
        value = 7 if index == 0 else rng.randrange(10 ** size, 10 ** (size + 1))
        return Problem(statement=f"What is {value}?", answer_format="an integer (a JSON number)",
                       answer_type="int", answer=value, data={"value": value})

    def grade(self, instance, answer):
        ok = answer == instance["answer"]
        return Verdict(ok, "" if ok else "REASON: not the number asked for")


KINDS = (Toy(),)
'''
TOY = KindSpec("toy", "codenl_toy_kind", "toys", (2,), "int")


def write_toy(directory: Path, reason: str = "not the number asked for") -> Path:
    path = directory / "codenl_toy_kind.py"
    path.write_text(TOY_MODULE.replace("not the number asked for", reason), encoding="utf-8")
    return path


@pytest.fixture
def toy_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path holding the toy kind's module (a fresh import of it: each test has its own)."""
    from codenl.codehash import _source_path, imported_modules

    def forget() -> None:
        sys.modules.pop(TOY.module, None)
        for cached in (_source_path, imported_modules, grader_version):
            cached.cache_clear()

    write_toy(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    forget()
    yield tmp_path
    forget()


# -- the registries agree with what they describe ---------------------------------------------------------------


@pytest.mark.parametrize("name", list(REGISTRY))
def test_each_registry_line_matches_its_kind_class(name: str) -> None:
    spec = REGISTRY[name]
    kind = get_kind(name)  # checks family and default sizes against the class
    assert kind.name == name and kind.family == spec.family
    assert all(kind.min_size <= s <= kind.max_size for s in spec.default_sizes)
    for size in (min(spec.default_sizes), max(spec.default_sizes)):
        types = {inst["answer_type"] for inst in problems.generate(name, size, 0, 3)}  # make_instance checks it
        assert spec.answer_type is None or types == {spec.answer_type}


def test_every_kind_a_module_defines_is_registered() -> None:
    for module in {spec.module for spec in REGISTRY.values()}:
        for kind in importlib.import_module(module).KINDS:
            assert kind.name in REGISTRY and REGISTRY[kind.name].module == module, (module, kind.name)


def test_families_and_order_follow_the_registry() -> None:
    assert families() == ("fine_grained", "clrs", "nphard")
    assert problems.kind_names() == tuple(REGISTRY) == problems.KIND_NAMES
    # kinds of one family are listed together, so that tables and figures group them
    runs = [family for family, _ in itertools.groupby(spec.family for spec in REGISTRY.values())]
    assert len(runs) == len(set(runs))


def test_the_synthetic_plan_grid_is_the_plan_configuration() -> None:
    from codenl.analysis.synthetic import FINE_GRAINED, NPHARD, plan_cells

    cells = plan_cells()
    assert sum(n for *_, n in cells) == 3470 and {k for k, *_ in cells} == set(REGISTRY)
    assert tuple(k for k in REGISTRY if REGISTRY[k].family == "fine_grained") == FINE_GRAINED and len(NPHARD) == 9


def test_a_registry_line_that_contradicts_its_class_is_refused(toy_dir: Path) -> None:
    with registered(KindSpec("toy", "codenl_toy_kind", "toys", (2,), "list[int]")):
        with pytest.raises(AssertionError, match="answer_type 'int'; the registry says 'list\\[int\\]'"):
            problems.make_instance("toy", 2, 0, 0)
    problems.register_kind(KindSpec("toy", "codenl_toy_kind", "other", (2,), "int"))
    try:
        with pytest.raises(AssertionError, match="says family 'toys', the registry 'other'"):
            get_kind("toy")
    finally:
        problems.unregister_kind("toy")
    problems.register_kind(KindSpec("toy", "codenl_toy_kind", "toys", (99,), "int"))
    try:
        with pytest.raises(AssertionError, match=r"default sizes \(99,\) of kind 'toy' are not all in its range 1..9"):
            get_kind("toy")
    finally:
        problems.unregister_kind("toy")
    with pytest.raises(problems.UsageError, match="already registered"):
        problems.register_kind(KindSpec("add", "codenl_toy_kind", "toys", (2,), "int"))
    with pytest.raises(problems.UsageError, match="names must match"):
        problems.register_kind(KindSpec("Bad Name", "codenl_toy_kind", "toys", (2,), "int"))
    assert "toy" not in REGISTRY and "toy" not in problems.KIND_NAMES


def test_the_arm_registry_is_the_one_definition_of_arms() -> None:
    assert ARMS == ("nl", "sim", "controlsim", "code")
    assert PROMPT_ARMS == ASKED_ARMS == tuple(a for a in ARMS if ARM_REGISTRY[a].asked) == tuple(TEMPLATES)
    assert EXECUTED_ARMS == ("code",) and set(ARM_LABELS) == set(ARMS)
    assert set(ARM_OPTIONS) == set(ARMS)
    for arm in ARMS:
        assert ARM_REGISTRY[arm].code_of in (None, *ARMS)
    assert all(a in ARMS and b in ARMS for a, b in COMPARISONS)


def test_the_record_schemas_follow_the_registries() -> None:
    """Enums of arms and outcomes equal the registries; kinds are any registered name (no enum to edit)."""
    graded = json.loads((SCHEMAS / "graded.schema.json").read_text())
    response = json.loads((SCHEMAS / "response.schema.json").read_text())
    assert graded["properties"]["arm"]["enum"] == list(ARMS)
    assert response["properties"]["arm"]["enum"] == list(ASKED_ARMS)
    assert graded["properties"]["outcome"]["enum"] == list(OUTCOMES)
    for name in ("graded", "response", "execution", "instance"):
        schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
        kind = schema["properties"]["kind"]
        assert "enum" not in kind, f"{name}.schema.json: a kind enum would have to be edited for every new kind"
        for k in REGISTRY:
            jsonschema.validate(k, kind)
        # every kind a schema names in a condition is a registered kind
        text = json.dumps(schema.get("allOf", []))
        for clause in schema.get("allOf", []):
            cond = clause.get("if", {}).get("properties", {}).get("kind", {})
            for k in cond.get("enum", [cond.get("const")] if "const" in cond else []):
                assert k in REGISTRY, f"{name}.schema.json names kind {k!r}, which is not registered ({text[:80]})"
    config_schema = yaml.safe_load((SCHEMAS / "config.schema.yaml").read_text())
    assert "enum" not in config_schema["properties"]["kinds"]["items"]


# -- a toy kind through every stage -----------------------------------------------------------------------------


def run(*argv: str) -> None:
    assert codenl_main(list(argv)) == 0, argv


def test_a_toy_kind_runs_through_generate_query_execute_and_grade(toy_dir: Path) -> None:
    """One module and one registry line: no other file knows the toy kind."""
    tmp_path = toy_dir
    f = {name: str(tmp_path / f"{name}.jsonl") for name in ("problems", *ARMS, "graded")}
    with registered(TOY), FakeServerThread(value=7, log_path=tmp_path / "requests.log") as srv:
        assert "toy" in problems.kind_names()
        run("generate", "--kind", "toy", "--size", "2", "--seed", "0", "--n", "2", "--out", f["problems"])
        common = [
            "--model",
            "fake/model",
            "--provider",
            "openai_compatible",
            "--base-url",
            srv.url,
            "--temperature",
            "0",
            "--top-p",
            "1",
            "--max-tokens",
            "64",
            "--window",
            "2",
            "--max-attempts",
            "2",
            "--request-timeout",
            "30",
            "--problems",
            f["problems"],
        ]
        for arm in ASKED_ARMS:
            shown = ["--sim", f[ARM_REGISTRY[arm].code_of]] if ARM_REGISTRY[arm].code_of else []
            run(
                "query",
                "--arm",
                arm,
                *common,
                *shown,
                "--ledger",
                str(tmp_path / f"ledger-{arm}.jsonl"),
                "--out",
                f[arm],
            )
        run("execute", "--sim", f["sim"], "--out", f["code"], "--workers", "1", "--timeout", "5", "--allow-degraded")
        options = [w for arm in ARMS for w in (f"--{ARM_OPTIONS[arm]}", f[arm])]
        run("grade", "--problems", f["problems"], *options, "--out", f["graded"])
        # nl and sim for both instances; the two controlsim prompts show the same code (the fake's sim code returns
        # 7 whatever the problem), so they are one request
        assert srv.fake.count == 2 * 2 + 1
    instances = list(read_jsonl(f["problems"]))
    assert [i["family"] for i in instances] == ["toys", "toys"] and instances[0]["answer"] == 7
    schema = json.loads((SCHEMAS / "instance.schema.json").read_text())
    for inst in instances:
        jsonschema.validate(inst, schema)
    graded = list(read_jsonl(f["graded"]))
    graded_schema = json.loads((SCHEMAS / "graded.schema.json").read_text())
    for rec in graded:
        jsonschema.validate(rec, graded_schema)
        assert rec["kind"] == "toy" and rec["grader_version"].startswith("grader/")
    assert [(r["index"], r["arm"]) for r in graded] == [(i, a) for i in (0, 1) for a in ARMS]
    by = {(r["index"], r["arm"]): r for r in graded}
    # the fake server answers 7 in every arm and its sim code returns 7: instance 0 is right, 1 is wrong, by the
    # toy's own grader
    for arm in ARMS:
        assert by[0, arm]["outcome"] == "correct", by[0, arm]
        assert by[1, arm]["outcome"] == "wrong" and by[1, arm]["detail"] == "REASON: not the number asked for"
    assert by[1, "code"]["answer"] == 7 and by[1, "sim"]["fidelity"] is True
    assert "toy" not in problems.kind_names()


def test_a_kind_grader_version_covers_its_own_module_only(toy_dir: Path) -> None:
    with registered(TOY):
        before = {k: grader_version(k) for k in ("toy", "add", "clrs30")}
        assert len(set(before.values())) == 3 and all(v.startswith("grader/") for v in before.values())
        write_toy(toy_dir, reason="a different reason")
        grader_version.cache_clear()
        after = {k: grader_version(k) for k in ("toy", "add", "clrs30")}
    assert after["toy"] != before["toy"] and after["add"] == before["add"] and after["clrs30"] == before["clrs30"]


def test_a_kind_grader_version_follows_every_module_the_kind_imports() -> None:
    from codenl.codehash import import_closure

    closure = import_closure([REGISTRY["tsp"].module])
    assert {"codenl.problems.nphard.tsp", "codenl.problems.nphard._common", "codenl.problems.base"} <= set(closure)
    assert "codenl.problems.clrs" not in closure and "codenl.problems.nphard.gcp" not in closure
    clrs = import_closure([REGISTRY["clrs30"].module])
    assert {f"codenl.problems.clrs.{m}" for m in ("graphs", "sorting", "geometry", "common")} <= set(clrs)
    shared = import_closure(["codenl.grading"])
    assert {"codenl.answers", "codenl.harness", "codenl.problems"} <= set(shared)


# -- through the workflow: an edit of one kind's grader re-grades that kind from stored responses ----------------


SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def snakemake(workdir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        SNAKEMAKE,
        "-s",
        str(ROOT / "Snakefile"),
        "--profile",
        str(ROOT / "workflow" / "profiles" / "local"),
        "-d",
        str(workdir),
        "--cores",
        "2",
        *args,
        "--configfile",
        str(workdir / "test.yaml"),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.mark.slow
def test_the_workflow_runs_a_registered_toy_kind_and_regrades_it_alone_when_its_grader_changes(
    tmp_path: Path,
) -> None:
    import os

    site = tmp_path / "site"
    site.mkdir()
    write_toy(site)
    (site / "sitecustomize.py").write_text(
        textwrap.dedent(f"""
        from codenl.problems import KindSpec, register_kind
        register_kind(KindSpec{(TOY.name, TOY.module, TOY.family, TOY.default_sizes, TOY.answer_type)!r})
    """)
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    env["PYTHONPATH"] = str(site)
    workdir = tmp_path / "run"
    workdir.mkdir()
    with FakeServerThread(value=7) as srv:
        cfg: dict[str, Any] = {
            "models": [{"name": "fake/model", "provider": "openai_compatible", "base_url": srv.url}],
            "seeds": [0],
            "kinds": ["add", "toy"],
            "sizes": {"add": [2], "toy": [2]},
            "n": {"default": 2},
            "sampling": {"temperature": 0, "top_p": 1, "max_tokens": 64},
            "concurrency": {"openai_compatible": {"jobs": 2, "window": 2}},
            "retries": {"max_attempts": 2, "request_timeout_s": 30},
            "sandbox": {"allow_degraded": True, "workers": 1, "timeout_s": 5},
        }
        (workdir / "test.yaml").write_text(yaml.safe_dump(cfg))
        res = workdir / "results"
        toy_graded = res / "graded" / "fake--model" / "toy" / "2" / "seed0.jsonl"
        add_graded = res / "graded" / "fake--model" / "add" / "2" / "seed0.jsonl"
        targets = [str(p.relative_to(workdir)) for p in (toy_graded, add_graded)]
        out = snakemake(workdir, env, *targets)
        assert out.returncode == 0, out.stderr[-5000:]
        requests = srv.fake.count
        assert requests == 2 * (2 * 2 + 1)  # per kind as in process: one controlsim request per ledger (kind)
        before = list(read_jsonl(toy_graded))
        assert {r["detail"] for r in before if r["outcome"] == "wrong"} == {"REASON: not the number asked for"}
        stored = sorted(p for d in ("problems", "responses", "executions") for p in (res / d).rglob("*.jsonl"))
        unchanged = digest([*stored, add_graded])
        add_mtime = add_graded.stat().st_mtime_ns

        write_toy(site, reason="REGRADED")  # an edit of the toy kind's grade() only
        out = snakemake(workdir, env, *targets)
        assert out.returncode == 0, out.stderr[-5000:]
        assert srv.fake.count == requests, "re-grading sent a request"
    after = list(read_jsonl(toy_graded))
    assert {r["detail"] for r in after if r["outcome"] == "wrong"} == {"REASON: REGRADED"}
    assert {r["grader_version"] for r in after}.isdisjoint({r["grader_version"] for r in before})
    assert digest([*stored, add_graded]) == unchanged and add_graded.stat().st_mtime_ns == add_mtime

    # a bump of the toy generator's version: that kind alone is regenerated, asked again, executed and graded
    (site / "codenl_toy_kind.py").write_text(
        (site / "codenl_toy_kind.py").read_text().replace('version = "1"', 'version = "2"')
    )
    dry = snakemake(workdir, env, *targets, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    jobs: list[tuple[str, str]] = []
    for line in (dry.stdout + dry.stderr).splitlines():
        stripped = line.strip()
        if line.startswith(("rule ", "localrule ")) and stripped.endswith(":"):
            jobs.append((stripped.split()[1].rstrip(":").split("_")[0], ""))
        elif stripped.startswith("wildcards:") and jobs:
            wildcards = dict(kv.split("=", 1) for kv in stripped[len("wildcards:") :].strip().split(", "))
            jobs[-1] = (jobs[-1][0], wildcards.get("kind", ""))
    assert sorted(jobs) == sorted(
        [("generate", "toy"), *[("query", "toy")] * len(ASKED_ARMS), ("execute", "toy"), ("grade", "toy")]
    )
