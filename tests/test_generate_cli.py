"""`python -m codenl generate` for every one of the 19 kinds: determinism (across processes and hash seeds), seeds
that matter, instances independent of n, complete and typed records valid against the instance JSON Schema, unique
ids, and one-line errors that name the bad argument."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from codenl import cli
from codenl.problems import KIND_NAMES, families, generate, get_kind, make_instance
from codenl.problems.base import instance_id
from codenl.records import dumps, read_jsonl

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "workflow" / "schemas" / "instance.schema.json").read_text())
FIELDS = (
    "id",
    "kind",
    "family",
    "algorithm",
    "size",
    "seed",
    "index",
    "statement",
    "answer_format",
    "answer_type",
    "answer",
    "data",
    "generator_version",
)


def default_size(kind_name: str) -> int:
    """The smallest size the plan's grid uses for this kind (its family's DEFAULT_SIZES, 4 for fine-grained)."""
    kind = get_kind(kind_name)
    if kind.family == "fine_grained":
        return 4
    table = importlib.import_module(f"codenl.problems.{kind.family}").DEFAULT_SIZES
    sizes = table[kind_name] if isinstance(table, dict) else table
    return min(sizes)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codenl", "generate", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def conforms(value: Any, answer_type: str) -> bool:
    """Strictly: is ``value`` of the ``answer_type`` grammar of codenl.problems.base?"""
    t = answer_type.replace(" ", "")
    if t == "any":
        return True
    if t == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
    if t == "bool":
        return isinstance(value, bool)
    if t == "str":
        return isinstance(value, str)
    if t.startswith("list[") and t.endswith("]"):
        return isinstance(value, list) and all(conforms(v, t[5:-1]) for v in value)
    if t.startswith("dict[str,") and t.endswith("]"):
        return isinstance(value, dict) and all(isinstance(k, str) and conforms(v, t[9:-1]) for k, v in value.items())
    raise AssertionError(f"malformed answer_type {answer_type!r}")


# ---------------------------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_same_arguments_give_byte_identical_files_across_processes(kind: str, tmp_path: Path) -> None:
    size = default_size(kind)
    n = 31 if kind == "clrs30" else 4
    args = ["--kind", kind, "--size", str(size), "--seed", "5", "--n", str(n)]
    here = tmp_path / "in_process.jsonl"
    assert cli.main(["generate", *args, "--out", str(here)]) == 0
    # another interpreter with another string-hash seed: set iteration order must not leak into instances
    env = dict(os.environ, PYTHONHASHSEED="12345")
    there = tmp_path / "sub" / "other_process.jsonl"
    proc = run_cli(*args, "--out", str(there), env=env)
    assert proc.returncode == 0, proc.stderr
    assert here.read_bytes() == there.read_bytes()
    assert len(here.read_bytes().splitlines()) == n


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_other_seed_gives_other_instances(kind: str) -> None:
    size = default_size(kind)
    n = 6
    a = generate(kind, size, 0, n)
    b = generate(kind, size, 1, n)
    assert {r["id"] for r in a}.isdisjoint(r["id"] for r in b)
    differ = sum(x["data"] != y["data"] for x, y in zip(a, b))
    assert differ >= n - 1, f"{kind}: only {differ} of {n} instances differ between seeds 0 and 1"
    # and instances within one shard are not copies of each other
    assert len({json.dumps(r["data"], sort_keys=True) for r in a}) >= n - 1


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_instance_i_does_not_depend_on_n(kind: str) -> None:
    size = default_size(kind)
    short = generate(kind, size, 2, 2)
    long = generate(kind, size, 2, 5)
    assert [dumps(r) for r in short] == [dumps(r) for r in long[:2]]
    assert dumps(make_instance(kind, size, 2, 4)) == dumps(long[4])


# ---------------------------------------------------------------------------------------------- records


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    return cls(SCHEMA)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_records_are_complete_typed_and_valid(kind: str, validator, tmp_path: Path) -> None:
    k = get_kind(kind)
    size = default_size(kind)
    n = 30 if kind == "clrs30" else 5
    out = tmp_path / "shard.jsonl"
    assert (
        cli.main(["generate", "--kind", kind, "--size", str(size), "--seed", "3", "--n", str(n), "--out", str(out)])
        == 0
    )
    records = list(read_jsonl(out))
    assert len(records) == n
    assert records == generate(kind, size, 3, n)  # JSON round trip loses nothing (no tuples, no numpy scalars)
    for i, rec in enumerate(records):
        assert tuple(rec) == FIELDS
        errors = sorted(validator.iter_errors(rec), key=str)
        assert not errors, f"{kind}[{i}]: {errors[0].message} at {list(errors[0].path)}"
        assert rec["kind"] == kind and rec["family"] == k.family in families()
        assert (rec["size"], rec["seed"], rec["index"]) == (size, 3, i)
        assert rec["generator_version"] == k.generator_version == f"{kind}/{k.version}"
        assert rec["id"] == instance_id(kind, size, 3, i, rec["generator_version"])
        assert isinstance(rec["statement"], str) and len(rec["statement"]) > 20
        assert isinstance(rec["answer_format"], str) and rec["answer_format"].strip()
        assert conforms(rec["answer"], rec["answer_type"]), f"{kind}[{i}]: gold {rec['answer']!r:.80}"
        assert isinstance(rec["data"], dict) and rec["data"]
        assert (rec["algorithm"] is not None) == (kind == "clrs30")
        assert get_kind(kind).grade(rec, rec["answer"]).correct
    assert len({r["id"] for r in records}) == n
    if kind == "clrs30":
        assert len({r["algorithm"] for r in records}) == 30


def test_ids_are_unique_across_kinds_sizes_seeds_and_indices() -> None:
    ids = [
        instance_id(kind, size, seed, index, f"{kind}/1")
        for kind in KIND_NAMES
        for size in (2, 4)
        for seed in (0, 1, 2)
        for index in range(20)
    ]
    assert len(set(ids)) == len(ids)


def test_schema_rejects_broken_records(validator) -> None:
    good = make_instance("sub", 6, 0, 0)
    assert validator.is_valid(good)
    broken = [
        {k: v for k, v in good.items() if k != "answer_format"},
        dict(good, answer=good["answer"] + 0.5),  # (JSON Schema counts 12.0 as an integer; conforms() does not)
        dict(good, answer=str(good["answer"])),
        dict(good, answer=None),
        dict(good, kind="Div-ision"),  # (a registered kind and its family: the kind registry, not the schema)
        dict(good, family=""),
        dict(good, algorithm="quicksort"),
        dict(good, id="XYZ"),
        dict(good, size="6"),
        dict(good, data={"a": 1}),
        dict(good, answer_type="integer"),
        dict(good, extra=1),
    ]
    for rec in broken:
        assert not validator.is_valid(rec), rec
    clrs = dict(good, kind="clrs30", family="clrs", algorithm=None, answer_type="list[int]", answer=[1])
    assert not validator.is_valid(clrs)
    assert validator.is_valid(dict(clrs, algorithm="quicksort"))


def test_conforms_checker_can_fail() -> None:
    assert conforms([[1, 2], [3]], "list[list[int]]") and not conforms([[1, 2.5]], "list[list[int]]")
    assert conforms({"a": True}, "dict[str,bool]") and not conforms({"a": 1}, "dict[str,bool]")
    assert not conforms(True, "int") and conforms(3, "float") and not conforms("3", "float")


# ---------------------------------------------------------------------------------------------- arguments


def test_several_sizes_write_one_file_each(tmp_path: Path) -> None:
    pattern = str(tmp_path / "{size}" / "seed0.jsonl")
    assert cli.main(["generate", "--kind", "add", "--size", "3", "5", "--seed", "0", "--n", "2", "--out", pattern]) == 0
    for size in (3, 5):
        recs = list(read_jsonl(tmp_path / str(size) / "seed0.jsonl"))
        assert [r["size"] for r in recs] == [size, size]
        assert all(len(str(r["data"]["a"])) == size for r in recs)


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--kind", "div", "--size", "4", "--seed", "0", "--n", "3"], "kind"),
        (["--kind", "add", "--size", "0", "--seed", "0", "--n", "3"], "size"),
        (["--kind", "add", "--size", "101", "--seed", "0", "--n", "3"], "size"),
        (["--kind", "add", "--size", "4", "--seed", "0", "--n", "0"], "--n"),
        (["--kind", "add", "--size", "4", "--seed", "0", "--n", "-2"], "--n"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(args: list[str], names: str, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    proc = run_cli(*args, "--out", str(out))
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert names in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_size_out_of_range_names_the_size_for_every_kind(kind: str, tmp_path: Path, capsys) -> None:
    k = get_kind(kind)
    for bad in (k.min_size - 1, k.max_size + 1):
        out = tmp_path / f"{bad}.jsonl"
        code = cli.main(["generate", "--kind", kind, "--size", str(bad), "--seed", "0", "--n", "1", "--out", str(out)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1
        assert f"size {bad}" in err[0] and f"{k.min_size}..{k.max_size}" in err[0]
        assert not out.exists()


def test_help_lists_the_arguments_and_every_kind() -> None:
    proc = run_cli("--help")
    assert proc.returncode == 0
    for word in ("--kind", "--size", "--seed", "--n", "--out", *KIND_NAMES):
        assert word in proc.stdout
