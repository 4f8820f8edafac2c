"""The experiment configuration: load, validate, and derive the grid of shards from it.

One function reads a configuration for every consumer (the Snakefile, ``plan``, ``check``, ``validate``):
:func:`load_config` merges YAML files in order (a later file replaces each top-level key it names), validates the
result against ``workflow/schemas/config.schema.yaml`` with the schema's defaults filled in, then checks what a
schema cannot say (kind names, size ranges, model slugs, duplicate models).  Every error is a
:class:`~codenl.errors.UsageError` naming the key, e.g.
``config: sizes.fine_grained[2]: 99 is out of range for kind 'lcs' (1..40)``.

The grid: :func:`expected_cells` lists one cell per (model, seed, kind, size) with its number of instances; every
instance of a cell is asked in all four arms (:data:`codenl.arms.ARMS`).
"""

from __future__ import annotations

import argparse
import copy
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from codenl.errors import UsageError
from codenl.llm.models import is_local_model_name, registered_names
from codenl.naming import model_from_slug, model_slug

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "workflow" / "schemas" / "config.schema.yaml"

PROVIDERS: tuple[str, ...] = ("openrouter", "openai_compatible", "local")

#: provider -> (default base_url, default key variable); None means none
PROVIDER_DEFAULTS: dict[str, tuple[str | None, str | None]] = {
    "openrouter": ("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    "openai_compatible": (None, None),
    "local": (None, None),
}


@dataclass(frozen=True)
class KindInfo:
    """What the configuration needs to know about a kind."""

    name: str
    family: str
    min_size: int
    max_size: int
    default_sizes: tuple[int, ...]


# ----------------------------------------------------------------------------------------------------------------
# kinds


def kind_names() -> tuple[str, ...]:
    from codenl.problems import kind_names as registered

    return registered()


def families() -> tuple[str, ...]:
    from codenl.problems import families as registered

    return registered()


def kind_info(name: str) -> KindInfo:
    """Family, size range and default sizes of a kind, from the kind registry (imports its module)."""
    from codenl.problems import get_kind, spec_of

    spec = spec_of(name)
    kind = get_kind(name)
    return KindInfo(name, spec.family, kind.min_size, kind.max_size, spec.default_sizes)


# ----------------------------------------------------------------------------------------------------------------
# reading and merging


def read_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """One configuration file as a mapping; malformed YAML names the file, line and column."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"config: {path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"config: {path}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UsageError(f"config: {where}: not valid YAML ({problem})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"config: {path}: expected a mapping of keys at the top, got {type(data).__name__}")
    return data


def merge(configs: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Later mappings replace each top-level key they name (no deep merge: a key is read from one file)."""
    out: dict[str, Any] = {}
    for cfg in configs:
        out.update(copy.deepcopy(dict(cfg)))
    return out


# ----------------------------------------------------------------------------------------------------------------
# schema


def key_path(parts: Iterable[Any]) -> str:
    """``['models', 0, 'provider']`` -> ``models[0].provider``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "(top level)"


@cache
def _schema() -> dict[str, Any]:
    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _validator_class() -> Any:
    import jsonschema

    base = jsonschema.Draft202012Validator

    def fill_defaults(validator: Any, properties: Mapping[str, Any], instance: Any, schema: Any) -> Any:
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if name not in instance and isinstance(sub, Mapping) and "default" in sub:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from base.VALIDATORS["properties"](validator, properties, instance, schema)

    return jsonschema.validators.extend(base, {"properties": fill_defaults})


def _describe(error: Any) -> str:
    where = key_path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        return f"config: {where}: unknown key {extra[0]!r}" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    if error.validator == "required":
        return f"config: {where}: {error.message}"
    if error.validator == "minItems" and error.validator_value == 1:
        return f"config: {where}: must not be empty"
    if error.validator == "minimum":
        return f"config: {where}: {error.instance!r} is less than the minimum {error.validator_value}"
    if error.validator == "maximum":
        hint = ""
        if where.split(".")[0].split("[")[0] in ("n", "totals", "clrs_samples", "sizes"):
            hint = " (no plan this big is supported: a typo?; limits.max_n and limits.max_requests bound a run)"
        return f"config: {where}: {error.instance!r} is more than the maximum {error.validator_value}{hint}"
    if error.validator == "maxItems":
        return f"config: {where}: more than {error.validator_value} entries"
    if error.validator == "enum":
        return f"config: {where}: {error.instance!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "propertyNames":
        return f"config: {where}: {error.message}"
    return f"config: {where}: {error.message}"


def validate_schema(config: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` with the schema's defaults filled in; the first error (by key) as a UsageError."""
    import jsonschema

    out = copy.deepcopy(dict(config))
    validator = _validator_class()(_schema())
    errors = list(validator.iter_errors(out))
    if errors:
        best = jsonschema.exceptions.best_match(errors, key=jsonschema.exceptions.relevance)
        raise UsageError(_describe(best))
    return out


# ----------------------------------------------------------------------------------------------------------------
# semantic checks and derived values


def _family_or_kind(key: str, section: str) -> None:
    if key in families() or key in kind_names() or (key == "default" and section == "n"):
        return
    allowed = (["default"] if section == "n" else []) + [*families(), *kind_names()]
    raise UsageError(f"config: {section}.{key}: not a family or a kind; use one of: {', '.join(allowed)}")


def check_semantics(config: dict[str, Any]) -> dict[str, Any]:
    """Checks a schema cannot express; fills ``kinds`` and each model's ``base_url`` and ``api_key_env``."""
    known = kind_names()
    if "kinds" not in config:
        config["kinds"] = list(known)
    for i, name in enumerate(config["kinds"]):
        if name not in known:
            raise UsageError(f"config: kinds[{i}]: unknown kind {name!r}; known kinds: {' '.join(known)}")
    slugs: dict[str, int] = {}
    for i, model in enumerate(config["models"]):
        try:
            slug = model_slug(model["name"])
        except UsageError as exc:
            raise UsageError(f"config: models[{i}].name: {exc}") from None
        if model_from_slug(slug) != model["name"]:
            raise UsageError(f"config: models[{i}].name: {model['name']!r} does not map back from its slug {slug!r}")
        if slug in slugs:
            raise UsageError(
                f"config: models[{i}].name: {model['name']!r} is listed twice (also models[{slugs[slug]}])"
            )
        slugs[slug] = i
        default_url, default_key = PROVIDER_DEFAULTS[model["provider"]]
        if model["provider"] == "local":
            if model.get("base_url") or model.get("api_key_env"):
                raise UsageError(
                    f"config: models[{i}]: provider 'local' starts its own server; for a server of yours use "
                    f"provider openai_compatible with base_url"
                )
            if not model.get("gguf") and not is_local_model_name(model["name"]):
                raise UsageError(
                    f"config: models[{i}].name: {model['name']!r} is not a registered local model "
                    f"({', '.join(registered_names())}) nor a path ending in .gguf; give a file of yours as gguf"
                )
        elif model.get("gguf"):
            raise UsageError(f"config: models[{i}].gguf: applies only to provider local")
        elif model["provider"] == "openai_compatible" and not model.get("base_url"):
            raise UsageError(f"config: models[{i}].base_url: provider openai_compatible needs a base_url")
        if model.get("base_url") is None:
            model["base_url"] = default_url
        elif not re.match(r"^https?://[^\s/]+", model["base_url"]):
            raise UsageError(f"config: models[{i}].base_url: {model['base_url']!r} is not an http(s) URL")
        if model.get("api_key_env") is None:
            model["api_key_env"] = default_key
        if model.get("routing") and model["provider"] != "openrouter":
            raise UsageError(
                f"config: models[{i}].routing: routing preferences are OpenRouter's; provider {model['provider']!r} "
                "does not take them"
            )
    for name in config.get("pricing", {}):
        if name not in {m["name"] for m in config["models"]}:
            raise UsageError(f"config: pricing.{name}: not a configured model")
    for section in ("sizes", "n", "totals"):
        for key in config[section]:
            _family_or_kind(key, section)
    for key, sizes in config["sizes"].items():
        members = [k for k in config["kinds"] if k == key or kind_info(k).family == key]
        for j, size in enumerate(sizes):
            for k in members:
                if key in families() and k in config["sizes"]:
                    continue  # the kind's own entry overrides its family's
                info = kind_info(k)
                if not info.min_size <= size <= info.max_size:
                    raise UsageError(
                        f"config: sizes.{key}[{j}]: {size} is out of range for kind {k!r} "
                        f"({info.min_size}..{info.max_size})"
                    )
    if config["clrs_samples"] is not None and "clrs30" in config["kinds"]:
        k = len(sizes_of(config, "clrs30"))
        if config["clrs_samples"] < k:
            raise UsageError(
                f"config: clrs_samples: {config['clrs_samples']} is fewer than the {k} clrs sizes it is spread over"
            )
    for key, total in config["totals"].items():
        for k in config["kinds"]:
            if (k == key or kind_info(k).family == key) and total < len(sizes_of(config, k)):
                raise UsageError(
                    f"config: totals.{key}: {total} is fewer than the {len(sizes_of(config, k))} sizes of "
                    f"kind {k!r} it is spread over"
                )
    check_limits(config)
    return config


_BIGGER = "to run a bigger plan on purpose, raise {key} in your config (`snakemake plan` shows its cost first)"


def check_limits(config: Mapping[str, Any]) -> None:
    """The plan stays within ``limits`` (a typo such as ``n: 1000000000`` stops here, before any job)."""
    limits = config["limits"]
    for kind in config["kinds"]:
        sizes = sizes_of(config, kind)
        if len(sizes) > limits["max_sizes"]:
            raise UsageError(
                f"config: sizes: kind {kind!r} has {len(sizes)} sizes, more than limits.max_sizes = "
                f"{limits['max_sizes']}; " + _BIGGER.format(key="limits.max_sizes")
            )
        for size, n in counts_of(config, kind):
            if n > limits["max_n"]:
                raise UsageError(
                    f"config: {_n_source(config, kind)}: {n:,} instances of kind {kind!r} at size {size} is more "
                    f"than limits.max_n = {limits['max_n']:,}; " + _BIGGER.format(key="limits.max_n")
                )
    instances = sum(n for kind in config["kinds"] for _, n in counts_of(config, kind))
    per_run = len(config["models"]) * len(config["seeds"])
    requests = instances * per_run * 3
    if requests > limits["max_requests"]:
        raise UsageError(
            f"config: the plan asks {requests:,} requests ({instances:,} instances per model and seed x "
            f"{len(config['models'])} model(s) x {len(config['seeds'])} seed(s) x 3 asked arms), more than "
            f"limits.max_requests = {limits['max_requests']:,}; " + _BIGGER.format(key="limits.max_requests")
        )


def _n_source(config: Mapping[str, Any], kind: str) -> str:
    """The key that sets the number of instances of a kind (for messages)."""
    family = kind_info(kind).family
    if kind == "clrs30" and config.get("clrs_samples") is not None:
        return "clrs_samples"
    for key in (kind, family):
        if key in config.get("totals", {}):
            return f"totals.{key}"
    for key in (kind, family):
        if key in config.get("n", {}):
            return f"n.{key}"
    return "n.default"


def sizes_of(config: Mapping[str, Any], kind: str) -> list[int]:
    """The sizes of a kind: its own entry, else its family's, else the kind's defaults."""
    sizes = config.get("sizes", {})
    if kind in sizes:
        return list(sizes[kind])
    info = kind_info(kind)
    if info.family in sizes:
        return list(sizes[info.family])
    return list(info.default_sizes)


def spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` counts that differ by at most one, the larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def counts_of(config: Mapping[str, Any], kind: str) -> list[tuple[int, int]]:
    """``[(size, n), ...]`` for a kind, in the configured order of sizes."""
    sizes = sizes_of(config, kind)
    family = kind_info(kind).family
    totals = config.get("totals", {})
    total = None
    if kind == "clrs30" and config.get("clrs_samples") is not None:
        total = config["clrs_samples"]
    elif kind in totals:
        total = totals[kind]
    elif family in totals:
        total = totals[family]
    if total is not None:
        return list(zip(sizes, spread(total, len(sizes)), strict=True))
    n_cfg = config.get("n", {})
    n = n_cfg.get(kind, n_cfg.get(family, n_cfg.get("default", 30)))
    return [(s, n) for s in sizes]


def expected_cells(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One dict per (model, seed, kind, size) shard: ``model, model_slug, provider, seed, kind, family, size, n``.

    Every instance of a cell is answered in all four arms (:data:`codenl.arms.ARMS`).
    """
    cells = []
    for model in config["models"]:
        for seed in config["seeds"]:
            for kind in config["kinds"]:
                family = kind_info(kind).family
                for size, n in counts_of(config, kind):
                    cells.append(
                        {
                            "model": model["name"],
                            "model_slug": model_slug(model["name"]),
                            "provider": model["provider"],
                            "seed": seed,
                            "kind": kind,
                            "family": family,
                            "size": size,
                            "n": n,
                        }
                    )
    return cells


# ----------------------------------------------------------------------------------------------------------------
# keys


def required_keys(config: Mapping[str, Any]) -> list[str]:
    """The environment variables the configured providers need, sorted and without repeats."""
    return sorted({m["api_key_env"] for m in config["models"] if m.get("api_key_env")})


def check_keys(
    config: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    dotenv: str | os.PathLike[str] = ".env",
    only: Iterable[str] | None = None,
) -> None:
    """Stop with the variable's name when a configured provider needs a key that neither the environment nor
    ``.env`` provides (the value is never printed).  ``only``: check just these model names."""
    from codenl.llm.providers import lookup_key

    wanted = None if only is None else set(only)
    for i, model in enumerate(config["models"]):
        if wanted is not None and model["name"] not in wanted:
            continue
        var = model.get("api_key_env")
        if var and lookup_key(var, environ, dotenv) is None:
            raise UsageError(
                f"config: models[{i}] ({model['name']}, provider {model['provider']}) needs the API key in the "
                f"environment variable {var}: set it, or add {var}=... to {dotenv}"
            )


def check_local_models(config: Mapping[str, Any], only: Iterable[str] | None = None) -> None:
    """Stop, saying how to fetch it, when a configured local model's GGUF file is not on this machine."""
    from codenl.llm.models import resolve_gguf

    wanted = None if only is None else set(only)
    for i, model in enumerate(config["models"]):
        if model["provider"] != "local" or (wanted is not None and model["name"] not in wanted):
            continue
        try:
            resolve_gguf(model["name"], model.get("gguf"))
        except UsageError as exc:
            raise UsageError(f"config: models[{i}] ({model['name']}): {exc}") from None


# ----------------------------------------------------------------------------------------------------------------


def add_configfile_argument(parser: argparse.ArgumentParser) -> None:
    """``--configfile FILE [FILE ...]``, required: a run's configuration, as :func:`load_config` reads it."""
    parser.add_argument(
        "--configfile",
        nargs="+",
        required=True,
        metavar="FILE",
        help="configuration file(s); later files replace the top-level keys they name",
    )


def load_config(paths: Sequence[str | os.PathLike[str]], overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Read, merge (later files replace top-level keys; ``overrides`` last), validate and complete a configuration."""
    if not paths:
        raise UsageError("config: no configuration file given")
    configs = [read_yaml(p) for p in paths]
    if overrides:
        configs.append(overrides)
    config = validate_schema(merge(configs))
    return check_semantics(config)


def model_entry(config: Mapping[str, Any], slug: str) -> dict[str, Any]:
    """The configured model whose slug is ``slug``."""
    for model in config["models"]:
        if model_slug(model["name"]) == slug:
            return model
    raise UsageError(f"config: no configured model has the slug {slug!r}")
