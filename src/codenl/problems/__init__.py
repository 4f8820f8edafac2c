"""The registry of the 19 problem kinds and the one function that makes instance records.

Kinds are imported lazily: each family module defines ``KINDS``, a tuple of :class:`~codenl.problems.base.Kind`
instances.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from typing import Any

from codenl.errors import UsageError
from codenl.problems.base import Kind, Verdict, instance_id, instance_rng

#: kind name -> module that defines it, in the canonical order used by configs, tables and figures
KIND_MODULES: dict[str, str] = {
    "add": "codenl.problems.arithmetic",
    "sub": "codenl.problems.arithmetic",
    "mul": "codenl.problems.arithmetic",
    "lcs": "codenl.problems.dp",
    "knap": "codenl.problems.dp",
    "rod": "codenl.problems.dp",
    "ilp_assign": "codenl.problems.ilp",
    "ilp_prod": "codenl.problems.ilp",
    "ilp_partition": "codenl.problems.ilp",
    "clrs30": "codenl.problems.clrs",
    "spp": "codenl.problems.nphard.spp",
    "tsp": "codenl.problems.nphard.tsp",
    "tsp_d": "codenl.problems.nphard.tsp",
    "msp": "codenl.problems.nphard.msp",
    "ksp": "codenl.problems.nphard.ksp",
    "gcp": "codenl.problems.nphard.gcp",
    "gcp_d": "codenl.problems.nphard.gcp",
    "bsp": "codenl.problems.nphard.bsp",
    "edp": "codenl.problems.nphard.edp",
}
KIND_NAMES: tuple[str, ...] = tuple(KIND_MODULES)


@cache
def get_kind(name: str) -> Kind:
    """The kind called ``name``; a :class:`UsageError` naming the known kinds otherwise."""
    if name not in KIND_MODULES:
        raise UsageError(f"unknown kind {name!r}; known kinds: {' '.join(KIND_NAMES)}")
    module = importlib.import_module(KIND_MODULES[name])
    for kind in module.KINDS:
        if kind.name == name:
            return kind
    raise AssertionError(f"{KIND_MODULES[name]} does not define kind {name!r}")


def check_size(kind: Kind, size: int) -> None:
    if not kind.min_size <= size <= kind.max_size:
        raise UsageError(
            f"size {size} is out of range for kind {kind.name!r} ({kind.size_meaning}): "
            f"allowed {kind.min_size}..{kind.max_size}"
        )


def make_instance(kind_name: str, size: int, seed: int, index: int) -> dict[str, Any]:
    """The instance record for ``(kind, size, seed, index)`` (fields documented in :mod:`codenl.problems.base`)."""
    kind = get_kind(kind_name)
    check_size(kind, size)
    version = kind.generator_version
    problem = kind.make(size, instance_rng(kind_name, size, seed, index, version), index)
    return {
        "id": instance_id(kind_name, size, seed, index, version),
        "kind": kind_name,
        "family": kind.family,
        "algorithm": problem.algorithm,
        "size": size,
        "seed": seed,
        "index": index,
        "statement": problem.statement,
        "answer_format": problem.answer_format,
        "answer_type": problem.answer_type,
        "answer": problem.answer,
        "data": problem.data,
        "generator_version": version,
    }


def generate(kind_name: str, size: int, seed: int, n: int) -> list[dict[str, Any]]:
    """Instances ``0..n-1`` of one (kind, size, seed) shard."""
    if n < 1:
        raise UsageError(f"--n must be at least 1, got {n}")
    return [make_instance(kind_name, size, seed, i) for i in range(n)]


def grade(instance: Mapping[str, Any], answer: Any) -> Verdict:
    """Pure: is the typed ``answer`` correct for ``instance``?"""
    return get_kind(instance["kind"]).grade(instance, answer)
