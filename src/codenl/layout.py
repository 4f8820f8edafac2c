"""Where each stage's files live under ``results/``: one definition for the rules and the commands that read a
whole run (``aggregate``, ``provenance``).

A shard file holds one (kind, size, seed) of one stage; ``{model}`` is :func:`codenl.naming.model_slug` of the
model id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PROBLEMS = "results/problems/{kind}/{size}/seed{seed}.jsonl"
RESPONSES = "results/responses/{model}/{arm}/{kind}/{size}/seed{seed}.jsonl"
EXECUTIONS = "results/executions/{model}/{kind}/{size}/seed{seed}.jsonl"
GRADED = "results/graded/{model}/{kind}/{size}/seed{seed}.jsonl"
LEDGER = "results/ledger/{model}/{arm}/{kind}/seed{seed}.jsonl"


def _under(pattern: str, results: str) -> str:
    return pattern if results == "results" else results.rstrip("/") + pattern[len("results") :]


def run_shards(config: Mapping[str, Any], pattern: str, results: str = "results") -> list[str]:
    """Every shard file of ``pattern`` (one of the per-model patterns) that the configuration's run writes, in the
    order model, seed, kind, size."""
    from codenl.config import counts_of
    from codenl.naming import model_slug

    pattern = _under(pattern, results)
    return [
        pattern.format(model=model_slug(m["name"]), kind=kind, size=size, seed=seed)
        for m in config["models"]
        for seed in config["seeds"]
        for kind in config["kinds"]
        for size, _ in counts_of(config, kind)
    ]
