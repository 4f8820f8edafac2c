"""Simulated records tables with planted per-arm accuracies (for tests and the benchmark; never for results).

Each instance has a latent difficulty ``z`` shared by all its arms and models; a row is correct when
``Phi(rho * z + sqrt(1 - rho^2) * e) < accuracy`` with independent noise ``e``, so every (model, arm) has exactly
the planted marginal accuracy and arms of one instance are positively correlated (``rho``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from codenl.analysis.stats import ARMS, provider_of
from codenl.arms import EXECUTED_ARMS
from codenl.problems import REGISTRY

FINE_GRAINED = tuple(k for k, spec in REGISTRY.items() if spec.family == "fine_grained")
NPHARD = tuple(k for k, spec in REGISTRY.items() if spec.family == "nphard")
#: the plan's experiment configuration, whose grid :func:`plan_cells` is
PLAN_CONFIG = Path(__file__).resolve().parents[3] / "workflow" / "experiments" / "scaled_code_nl.yaml"
PLAN_MODELS = (
    "mistralai/codestral-2508",
    "mistralai/mistral-large-2411",
    "google/gemini-2.0-flash-001",
    "mistralai/mixtral-8x22b-instruct",
)
WRONG_OUTCOMES = ("wrong", "parse_error")
CODE_WRONG_OUTCOMES = ("wrong", "runtime_error", "syntax_error", "timeout", "no_code")


def plan_cells() -> list[tuple[str, int, int]]:
    """(kind, size, n) of one model and seed of the plan's configuration (2,700 fine-grained + 500 CLRS + 270
    NP-hard = 3,470), as :func:`codenl.config.expected_cells` lists them."""
    from codenl.config import expected_cells, load_config

    config = load_config([PLAN_CONFIG])
    first = expected_cells(config)[0]
    return [
        (c["kind"], c["size"], c["n"])
        for c in expected_cells(config)
        if c["model"] == first["model"] and c["seed"] == first["seed"]
    ]


def synthetic_records(
    accuracy: Mapping[str, Mapping[str, float]],
    seeds: Sequence[int],
    cells: Sequence[tuple[str, int, int]],
    *,
    rho: float = 0.6,
    infra_rate: float = 0.0,
    rng_seed: int = 0,
    kind_shift: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """A records table: every model x seed x cell instance x arm, with ``accuracy[model][arm]`` planted.

    ``kind_shift`` adds a per-kind offset to the Code accuracy (clipped to [0, 1]).
    """
    rng = np.random.default_rng(rng_seed)
    kinds, sizes, indexes, seeds_col = [], [], [], []
    for seed in seeds:
        for kind, size, n in cells:
            kinds += [kind] * n
            sizes += [size] * n
            indexes += list(range(n))
            seeds_col += [seed] * n
    kinds_a = np.array(kinds)
    sizes_a = np.array(sizes)
    index_a = np.array(indexes)
    seed_a = np.array(seeds_col)
    n_inst = kinds_a.size
    ids = np.char.add(
        np.char.add(np.char.add(kinds_a, "-"), sizes_a.astype(str)),
        np.char.add(np.char.add("-s", seed_a.astype(str)), np.char.add("-", index_a.astype(str))),
    )
    z = rng.standard_normal(n_inst)
    frames = []
    for model, per_arm in accuracy.items():
        for arm in ARMS:
            acc = np.full(n_inst, float(per_arm[arm]))
            if kind_shift and arm in EXECUTED_ARMS:
                acc = np.clip(acc + np.array([kind_shift.get(k, 0.0) for k in kinds_a]), 0.0, 1.0)
            latent = rho * z + np.sqrt(1.0 - rho**2) * rng.standard_normal(n_inst)
            correct = special.ndtr(latent) < acc
            wrong_pool = CODE_WRONG_OUTCOMES if arm in EXECUTED_ARMS else WRONG_OUTCOMES
            outcome = np.where(correct, "correct", rng.choice(np.array(wrong_pool), size=n_inst))
            if infra_rate > 0:
                infra = rng.random(n_inst) < infra_rate
                outcome = np.where(infra, "infra_error", outcome)
                correct = correct & ~infra
            frames.append(
                pd.DataFrame(
                    {
                        "instance_id": ids,
                        "model": model,
                        "provider": provider_of(model),
                        "seed": seed_a,
                        "kind": kinds_a,
                        "family": [REGISTRY[k].family if k in REGISTRY else "other" for k in kinds_a],
                        "algorithm": None,
                        "size": sizes_a,
                        "index": index_a,
                        "arm": arm,
                        "outcome": outcome,
                        "correct": correct,
                        "prompt_tokens": None if arm in EXECUTED_ARMS else 100,
                        "completion_tokens": None if arm in EXECUTED_ARMS else 200,
                        "cost": 0.0,
                        "latency_s": 1.0,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)
