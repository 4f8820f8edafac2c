"""The code versions each stage's output depends on, for the Snakefile's ``params``.

Snakemake re-runs a job when its ``params`` change, but it cannot see an edit of a module that a ``shell:`` command
imports.  Every stage therefore exposes a version string that changes with the meaning of its output (a kind's
generator version, an arm's prompt template hash, the code extraction, the execution harness, the sandbox's
classification of a run, a kind's grader), and each rule lists the versions it depends on: an edit of the grading
code, or of one kind's module, changes the grader version of every kind or of that kind, which re-grades it from
stored responses without asking any model; changing the ``sim`` prompt re-queries ``sim`` (and what depends on it)
and nothing else; changing the code extraction re-runs execute and the controlsim queries (free where the code
shown is unchanged: the ledger).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def stage_versions(kinds: Iterable[str], allowed_packages: Iterable[str] = ()) -> dict[str, Any]:
    """``{"generator": {kind: v}, "prompt": {arm: v}, "extraction": v, "harness": v, "sandbox": v,
    "grader": {kind: v}, "baselines": v}``; the sim prompt names ``allowed_packages`` (what the sandbox lets a
    program import beside the standard library)."""
    from codenl.answers import CODE_EXTRACTION_VERSION
    from codenl.baselines import BASELINES_VERSION
    from codenl.grading import grader_version
    from codenl.harness import HARNESS_VERSION
    from codenl.problems import get_kind
    from codenl.prompts import ARMS, prompt_version
    from codenl.sandbox.pool import SANDBOX_VERSION

    return {
        "generator": {k: get_kind(k).generator_version for k in kinds},
        "prompt": {arm: prompt_version(arm, tuple(allowed_packages)) for arm in ARMS},
        "extraction": CODE_EXTRACTION_VERSION,
        "harness": HARNESS_VERSION,
        "sandbox": SANDBOX_VERSION,
        "grader": {k: grader_version(k) for k in kinds},
        "baselines": BASELINES_VERSION,
    }
