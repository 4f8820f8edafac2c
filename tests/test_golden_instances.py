"""Every kind's generator output is pinned to its version by golden hashes (tests/golden_instances.py).

A generator edit that changes instances without a version bump fails here, with what to do; after a deliberate bump
`make golden` records the new version's hashes.
"""

from __future__ import annotations

import json

import pytest

from codenl.problems import REGISTRY, get_kind

from . import golden_instances as golden

GOLDEN = golden.load()


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_instances_match_the_golden_hashes_of_their_generator_version(kind: str) -> None:
    assert kind in GOLDEN, f"no golden hashes for kind {kind!r} in {golden.GOLDEN}: run `make golden`"
    stored = GOLDEN[kind]
    version = get_kind(kind).generator_version
    assert stored["version"] == version, (
        f"kind {kind!r} is at generator version {version} but the golden hashes are of {stored['version']}: after a "
        f"deliberate bump run `make golden` to record the new version's instances"
    )
    changed = golden.changed_cases(kind, stored)
    assert not changed, golden.bump_message(kind, changed)


def test_the_golden_file_has_no_kind_that_is_not_registered() -> None:
    assert set(GOLDEN) <= set(REGISTRY), f"run `make golden` to drop {sorted(set(GOLDEN) - set(REGISTRY))}"


def test_a_changed_generator_without_a_bump_is_refused_and_a_bump_is_recorded(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh command: refuses a changed output under an unchanged version, records a bumped one."""
    path = tmp_path / "instances.json"
    monkeypatch.setattr(golden, "GOLDEN", path)
    monkeypatch.setattr(golden, "N", 2)
    assert golden.refresh(["add"]) == ["add: recorded add/1"]
    assert golden.refresh(["add"]) == ["add: add/1 unchanged"]
    kind = get_kind("add")
    original = type(kind).make

    def shifted(self, size, rng, index):  # type: ignore[no-untyped-def]
        problem = original(self, size, rng, index)
        return type(problem)(**{**problem.__dict__, "answer": problem.answer + 1})

    monkeypatch.setattr(type(kind), "make", shifted)
    with pytest.raises(SystemExit, match=r"kind 'add' changed at size/seed 2/0, 2/1, 20/0, 20/1 .*bump `version`"):
        golden.refresh(["add"])
    assert golden.changed_cases("add", json.loads(path.read_text())["add"]) == ["2/0", "2/1", "20/0", "20/1"]
    assert "bump `version` of the kind's class in codenl.problems.arithmetic" in golden.bump_message("add", ["2/0"])
    monkeypatch.setattr(type(kind), "version", "99")
    assert golden.refresh(["add"]) == ["add: recorded add/99 (was add/1)"]
    assert json.loads(path.read_text())["add"]["version"] == "add/99"
