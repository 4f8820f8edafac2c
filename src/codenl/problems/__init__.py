"""The registry of problem kinds (:data:`REGISTRY`) and the one function that makes instance records.

One line of :data:`REGISTRY` per kind says everything the rest of the project derives from it: the module that
defines the kind (a :class:`~codenl.problems.base.Kind` in the module's ``KINDS`` tuple, with its size range,
generator version, generator ``make`` and grader ``grade``), its family, its default sizes and the answer type of
its instances.  The configuration's defaults and checks, the workflow's rules, the statistics' order of kinds and
families, the synthetic data and the versions the workflow follows are all read from here, so adding a kind is one
module plus one line below (docs/extending.md).  Kind modules are imported lazily, on first use of the kind.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from codenl.errors import UsageError
from codenl.problems.base import Kind, PathPattern, Verdict, instance_id, instance_rng


@dataclass(frozen=True)
class KindSpec:
    """One line of the kind registry."""

    name: str
    #: the module whose ``KINDS`` tuple holds the kind (its generator, grader, size range and version)
    module: str
    family: str
    #: the sizes a configuration that names none uses (the plan's grid)
    default_sizes: tuple[int, ...]
    #: the ``answer_type`` of every instance; None when it varies per instance (clrs30: per algorithm)
    answer_type: str | None


#: the plan's digits: the default sizes of the fine-grained kinds
DIGITS: tuple[int, ...] = tuple(range(2, 21, 2))

#: kind name -> its line, in the canonical order of configs, tables and figures (families in order of appearance)
REGISTRY: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec("add", "codenl.problems.arithmetic", "fine_grained", DIGITS, "int"),
        KindSpec("sub", "codenl.problems.arithmetic", "fine_grained", DIGITS, "int"),
        KindSpec("mul", "codenl.problems.arithmetic", "fine_grained", DIGITS, "int"),
        KindSpec("lcs", "codenl.problems.dp", "fine_grained", DIGITS, "int"),
        KindSpec("knap", "codenl.problems.dp", "fine_grained", DIGITS, "int"),
        KindSpec("rod", "codenl.problems.dp", "fine_grained", DIGITS, "int"),
        KindSpec("ilp_assign", "codenl.problems.ilp", "fine_grained", DIGITS, "int"),
        KindSpec("ilp_prod", "codenl.problems.ilp", "fine_grained", DIGITS, "int"),
        KindSpec("ilp_partition", "codenl.problems.ilp", "fine_grained", DIGITS, "int"),
        KindSpec("clrs30", "codenl.problems.clrs", "clrs", (4, 8, 12, 16), None),  # input length
        # NP-hard: three size levels each (x 10 instances = the plan's 30 per kind and seed)
        KindSpec("spp", "codenl.problems.nphard.spp", "nphard", (6, 10, 14), "list[int]"),  # nodes
        KindSpec("tsp", "codenl.problems.nphard.tsp", "nphard", (6, 8, 10), "list[int]"),  # cities
        KindSpec("tsp_d", "codenl.problems.nphard.tsp", "nphard", (6, 8, 10), "bool"),  # cities
        KindSpec("msp", "codenl.problems.nphard.msp", "nphard", (5, 7, 9), "list[int]"),  # meetings
        KindSpec("ksp", "codenl.problems.nphard.ksp", "nphard", (6, 10, 14), "list[int]"),  # items
        KindSpec("gcp", "codenl.problems.nphard.gcp", "nphard", (6, 9, 12), "list[int]"),  # vertices
        KindSpec("gcp_d", "codenl.problems.nphard.gcp", "nphard", (6, 9, 12), "bool"),  # vertices
        KindSpec("bsp", "codenl.problems.nphard.bsp", "nphard", (10, 20, 40), "int"),  # array length
        KindSpec("edp", "codenl.problems.nphard.edp", "nphard", (6, 10, 14), "int"),  # string length
    )
}

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def kind_names() -> tuple[str, ...]:
    """The registered kinds, in canonical order."""
    return tuple(REGISTRY)


def families() -> tuple[str, ...]:
    """The families of the registered kinds, in order of first appearance."""
    return tuple(dict.fromkeys(spec.family for spec in REGISTRY.values()))


def spec_of(name: str) -> KindSpec:
    """The registry line of ``name``; a :class:`UsageError` naming the known kinds otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UsageError(f"unknown kind {name!r}; known kinds: {' '.join(REGISTRY)}") from None


def family_of(name: str) -> str:
    return spec_of(name).family


#: kind name -> module that defines it (derived from :data:`REGISTRY`; kept for callers that want the module)
KIND_MODULES: dict[str, str] = {name: spec.module for name, spec in REGISTRY.items()}
#: the kinds registered at import (a kind registered later by :func:`register_kind` is in :func:`kind_names`)
KIND_NAMES: tuple[str, ...] = kind_names()


@cache
def get_kind(name: str) -> Kind:
    """The kind called ``name`` (imports its module); a :class:`UsageError` naming the known kinds otherwise."""
    spec = spec_of(name)
    module = importlib.import_module(spec.module)
    for kind in getattr(module, "KINDS", ()):
        if kind.name == name:
            family = getattr(kind, "family", spec.family)
            if family != spec.family:
                raise AssertionError(
                    f"{spec.module}: kind {name!r} says family {family!r}, the registry {spec.family!r}"
                )
            bad = [s for s in spec.default_sizes if not kind.min_size <= s <= kind.max_size]
            if bad or not spec.default_sizes:
                raise AssertionError(
                    f"registry: default sizes {spec.default_sizes} of kind {name!r} are not all in "
                    f"its range {kind.min_size}..{kind.max_size}"
                )
            return kind
    raise AssertionError(f"{spec.module} does not define kind {name!r} in its KINDS tuple")


def register_kind(spec: KindSpec) -> None:
    """Add a kind to the registry of this process (for extensions and tests; the table above is the project's)."""
    if not _NAME.match(spec.name) or not _NAME.match(spec.family):
        raise UsageError(f"kind {spec.name!r} of family {spec.family!r}: names must match {_NAME.pattern}")
    if spec.name in REGISTRY or spec.name in families():
        raise UsageError(f"kind {spec.name!r} is already registered (or is the name of a family)")
    global KIND_NAMES
    REGISTRY[spec.name] = spec
    KIND_MODULES[spec.name] = spec.module
    KIND_NAMES = kind_names()
    get_kind.cache_clear()


def unregister_kind(name: str) -> None:
    global KIND_NAMES
    spec_of(name)
    del REGISTRY[name]
    del KIND_MODULES[name]
    KIND_NAMES = kind_names()
    get_kind.cache_clear()


@contextmanager
def registered(spec: KindSpec) -> Iterator[Kind]:
    """``with registered(KindSpec(...)) as kind:`` the kind is known to every stage until the block ends."""
    register_kind(spec)
    try:
        yield get_kind(spec.name)
    finally:
        unregister_kind(spec.name)


def check_size(kind: Kind, size: int) -> None:
    if not kind.min_size <= size <= kind.max_size:
        raise UsageError(
            f"size {size} is out of range for kind {kind.name!r} ({kind.size_meaning}): "
            f"allowed {kind.min_size}..{kind.max_size}"
        )


def make_instance(kind_name: str, size: int, seed: int, index: int) -> dict[str, Any]:
    """The instance record for ``(kind, size, seed, index)`` (fields documented in :mod:`codenl.problems.base`)."""
    spec = spec_of(kind_name)
    kind = get_kind(kind_name)
    check_size(kind, size)
    version = kind.generator_version
    problem = kind.make(size, instance_rng(kind_name, size, seed, index, version), index)
    if spec.answer_type is not None and problem.answer_type != spec.answer_type:
        raise AssertionError(
            f"kind {kind_name!r} made an instance of answer_type {problem.answer_type!r}; the "
            f"registry says {spec.answer_type!r}"
        )
    return {
        "id": instance_id(kind_name, size, seed, index, version),
        "kind": kind_name,
        "family": spec.family,
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


def unordered(instance: Mapping[str, Any]) -> tuple[PathPattern, ...]:
    """Pure: where ``instance``'s answer is an unordered collection (:attr:`codenl.problems.base.Kind.unordered`)."""
    return get_kind(instance["kind"]).unordered_at(instance)
