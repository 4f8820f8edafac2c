"""Golden hashes of every kind's instances, so that a generator's output cannot change without a version bump.

A kind's generator version is part of every instance id: a new version gives new ids, and the workflow regenerates
that kind and asks every model again (API cost), while an unchanged version keeps the stored responses.  A change
of a generator's output under the same version would therefore pair stored answers with different problems.
``tests/golden/instances.json`` holds, per kind, the generator version and the sha256 of the instances of a few
fixed (size, seed) pairs (the kind's smallest and largest default size, seeds 0 and 1, ``N`` instances each);
``tests/test_golden_instances.py`` regenerates them.

After a deliberate change of a generator (its ``version`` bumped), record the new version's hashes::

    make golden                                    # = .venv/bin/python -m tests.golden_instances
    .venv/bin/python -m tests.golden_instances --kind tsp gcp_d     # only these kinds

Kinds whose version is unchanged keep their hashes; one whose output changed under an unchanged version is refused
(bump its version instead), unless ``--force`` is given (for a change that provably leaves every stored instance of
every past run unchanged, which the golden pairs alone cannot show).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from codenl.problems import REGISTRY, generate, get_kind

GOLDEN = Path(__file__).resolve().parent / "golden" / "instances.json"
SEEDS = (0, 1)
#: instances per (size, seed): 30 covers each of the 30 CLRS algorithms once
N = 30


def cases(kind: str) -> list[str]:
    """The golden ``"size/seed"`` pairs of a kind."""
    sizes = REGISTRY[kind].default_sizes
    return [f"{size}/{seed}" for size in sorted({min(sizes), max(sizes)}) for seed in SEEDS]


def case_hash(kind: str, case: str, n: int) -> str:
    """sha256 of the canonical JSON of the instances of one (size, seed) pair."""
    size, seed = (int(x) for x in case.split("/"))
    text = json.dumps(generate(kind, size, seed, n), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compute(kind: str) -> dict[str, Any]:
    return {
        "version": get_kind(kind).generator_version,
        "n": N,
        "cases": {case: case_hash(kind, case, N) for case in cases(kind)},
    }


def load() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}


def changed_cases(kind: str, stored: dict[str, Any]) -> list[str]:
    """The stored cases whose instances differ now (meaningful when the version is unchanged)."""
    return [case for case, digest in stored["cases"].items() if case_hash(kind, case, stored["n"]) != digest]


def bump_message(kind: str, cases_: list[str]) -> str:
    spec = REGISTRY[kind]
    version = get_kind(kind).generator_version
    return (
        f"the instances of kind {kind!r} changed at size/seed {', '.join(cases_)} but its generator version is "
        f"still {version}: instance ids depend on the version, so stored responses would be paired with "
        f"different problems. If the change is deliberate, bump `version` of the kind's class in {spec.module} "
        f"(new ids: that kind alone is regenerated and asked again, at API cost), then run `make golden`; "
        f"otherwise revert the change."
    )


def refresh(kinds: list[str], force: bool = False) -> list[str]:
    """Record the hashes of ``kinds`` whose version is new; returns what was done, one line per kind."""
    golden = load()
    done = []
    for kind in kinds:
        stored = golden.get(kind)
        version = get_kind(kind).generator_version
        if stored is not None and stored["version"] == version and not force:
            changed = changed_cases(kind, stored)
            if changed:
                raise SystemExit(f"golden_instances: {bump_message(kind, changed)}")
            done.append(f"{kind}: {version} unchanged")
            continue
        golden[kind] = compute(kind)
        done.append(f"{kind}: recorded {version}" + (f" (was {stored['version']})" if stored else ""))
    for kind in sorted(set(golden) - set(REGISTRY)):
        del golden[kind]
        done.append(f"{kind}: dropped (no longer registered)")
    ordered = {kind: golden[kind] for kind in REGISTRY if kind in golden}
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(ordered, indent=1) + "\n", encoding="utf-8")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden_instances", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", nargs="+", choices=list(REGISTRY), help="only these kinds (default: all)")
    parser.add_argument("--force", action="store_true", help="re-record even where the version is unchanged")
    args = parser.parse_args(argv)
    for line in refresh(args.kind or list(REGISTRY), force=args.force):
        print(line)
    print(f"wrote {GOLDEN}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
