"""The code versions each stage's output depends on, for the Snakefile's ``params``.

Snakemake re-runs a job when its ``params`` change, but it cannot see an edit of a module that a ``shell:`` command
imports.  Every stage therefore exposes a version string that changes with the meaning of its output (a kind's
generator version, an arm's prompt template hash, the code extraction, the execution harness, the grader), and each
rule lists the versions it depends on: bumping the grader's version re-grades from stored responses without asking
any model; changing the ``sim`` prompt re-queries ``sim`` (and what depends on it) and nothing else; changing the
code extraction re-runs execute and the controlsim queries (free where the code shown is unchanged: the ledger).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def stage_versions(kinds: Iterable[str]) -> dict[str, Any]:
    """``{"generator": {kind: v}, "prompt": {arm: v}, "extraction": v, "harness": v, "grader": v, "baselines": v}``."""
    from codenl.answers import CODE_EXTRACTION_VERSION
    from codenl.baselines import BASELINES_VERSION
    from codenl.grading import GRADER_VERSION
    from codenl.harness import HARNESS_VERSION
    from codenl.problems import get_kind
    from codenl.prompts import PROMPT_VERSIONS

    return {
        "generator": {k: get_kind(k).generator_version for k in kinds},
        "prompt": dict(PROMPT_VERSIONS),
        "extraction": CODE_EXTRACTION_VERSION,
        "harness": HARNESS_VERSION,
        "grader": GRADER_VERSION,
        "baselines": BASELINES_VERSION,
    }
