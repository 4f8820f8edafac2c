"""``python -m codenl plan --configfile FILE [FILE ...]``: what a configuration will ask and spend, before it does.

For every model and arm: the number of requests, the prompt tokens (the real prompts of the real instances,
estimated at 4 characters a token), the completion tokens and the cost, both expected (at
``--completion-tokens`` per reply, default 600) and at most (every reply at ``max_tokens``).  ``controlsim``
prompts carry the code of the sim reply, unknown before the run: it is counted at the expected completion length
(at most ``max_tokens``), and a sim reply without code asks nothing in controlsim, so its figures are upper
bounds.  ``code`` sends no request.  Requests already answered in the ledgers
(``results/ledger``) are counted as done and cost nothing more.

Prices: the config's ``pricing``, else :data:`codenl.llm.pricing.PRICES`; a model with neither has no estimate.
Nothing is sent anywhere: instances come from ``results/problems`` when they exist, else they are generated in
memory (not written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from codenl.arms import ARM_REGISTRY, ASKED_ARMS
from codenl.config import add_configfile_argument, counts_of, load_config
from codenl.naming import model_slug

DEFAULT_COMPLETION_TOKENS = 600


@dataclass
class ArmPlan:
    """The figures of one (model, arm)."""

    requests: int = 0
    done: int = 0
    prompt_tokens: int = 0
    completion_expected: int = 0
    completion_max: int = 0
    cost_expected: float | None = 0.0
    cost_max: float | None = 0.0


@dataclass
class Plan:
    models: list[dict[str, Any]]
    instances_per_model: int
    arms: dict[tuple[str, str], ArmPlan] = field(default_factory=dict)
    prices: dict[str, Any] = field(default_factory=dict)


def configure(parser: argparse.ArgumentParser) -> None:
    add_configfile_argument(parser)
    parser.add_argument(
        "--completion-tokens",
        type=int,
        default=DEFAULT_COMPLETION_TOKENS,
        metavar="N",
        help=f"expected completion tokens per reply (default {DEFAULT_COMPLETION_TOKENS}; capped at max_tokens)",
    )
    parser.add_argument("--results", default="results", help="results directory (for problems and ledgers)")


def instances_of(config: Mapping[str, Any], results: Path) -> Iterable[dict[str, Any]]:
    """Every instance of the configuration: from its shard file when present, else generated in memory."""
    from codenl.problems import generate
    from codenl.records import read_jsonl

    for kind in config["kinds"]:
        for seed in config["seeds"]:
            for size, n in counts_of(config, kind):
                path = results / "problems" / kind / str(size) / f"seed{seed}.jsonl"
                records = list(read_jsonl(path)) if path.is_file() else []
                if len(records) != n:
                    records = generate(kind, size, seed, n)
                yield from records


def prompt_tokens(instance: Mapping[str, Any], arm: str, code_tokens: int) -> int:
    """Estimated prompt tokens of one request; controlsim's code counted as ``code_tokens``."""
    from codenl.llm.pricing import estimate_tokens
    from codenl.prompts import build_messages

    if ARM_REGISTRY[arm].code_of:  # controlsim: the template around the code the model wrote in sim (no statement)
        messages = build_messages(arm, None, code="#")
        return sum(estimate_tokens(m["content"]) for m in messages) + code_tokens
    return sum(estimate_tokens(m["content"]) for m in build_messages(arm, instance))


def done_keys(results: Path, slug: str, arm: str) -> int:
    """Requests of (model, arm) already answered (``ok``) in the ledgers."""
    from codenl.records import read_jsonl

    root = results / "ledger" / slug / arm
    keys = set()
    for path in root.glob("*/seed*.jsonl") if root.is_dir() else []:
        keys.update(r.get("key") for r in read_jsonl(path, allow_partial_tail=True) if r.get("status") == "ok")
    return len(keys)


def price_for(config: Mapping[str, Any], model: Mapping[str, Any]) -> Any:
    from codenl.llm.pricing import Price, price_of

    overrides = {name: Price(p["prompt"], p["completion"]) for name, p in config.get("pricing", {}).items()}
    return price_of(model["name"], model["provider"], overrides)


def _cost(price: Any, prompt: int, completion: int) -> float | None:
    if price is None:
        return None
    return (prompt * price.prompt + completion * price.completion) / 1_000_000


def make_plan(config: Mapping[str, Any], results: Path, completion_tokens: int) -> Plan:
    """The plan of a configuration (reads only; sends nothing)."""
    max_tokens = config["sampling"]["max_tokens"]
    expected = min(completion_tokens, max_tokens)
    per_arm_prompt = dict.fromkeys(ASKED_ARMS, 0)
    per_arm_prompt_max = 0
    count = 0
    for inst in instances_of(config, results):
        count += 1
        for arm in ASKED_ARMS:
            per_arm_prompt[arm] += prompt_tokens(inst, arm, expected)
        per_arm_prompt_max += max_tokens - expected  # controlsim's code at its longest
    plan = Plan(models=list(config["models"]), instances_per_model=count)
    for model in config["models"]:
        price = price_for(config, model)
        plan.prices[model["name"]] = price
        slug = model_slug(model["name"])
        for arm in ASKED_ARMS:
            ap = ArmPlan(requests=count, done=min(count, done_keys(results, slug, arm)))
            share = (count - ap.done) / count if count else 0.0
            ap.prompt_tokens = round(per_arm_prompt[arm] * share)
            prompt_max = round((per_arm_prompt[arm] + (per_arm_prompt_max if ARM_REGISTRY[arm].code_of else 0)) * share)
            todo = count - ap.done
            ap.completion_expected = todo * expected
            ap.completion_max = todo * max_tokens
            ap.cost_expected = _cost(price, ap.prompt_tokens, ap.completion_expected)
            ap.cost_max = _cost(price, prompt_max, ap.completion_max)
            plan.arms[(model["name"], arm)] = ap
    return plan


def _money(x: float | None) -> str:
    return "unknown" if x is None else f"${x:,.2f}"


def render(plan: Plan, config: Mapping[str, Any], completion_tokens: int) -> str:
    """The plan as the user reads it."""
    max_tokens = config["sampling"]["max_tokens"]
    expected = min(completion_tokens, max_tokens)
    n_models, n_seeds = len(config["models"]), len(config["seeds"])
    lines = [
        f"{n_models} model(s) x {n_seeds} seed(s) x {len(config['kinds'])} kind(s): "
        f"{plan.instances_per_model:,} instances per model, {plan.instances_per_model * n_models:,} in all; "
        f"each asked in {', '.join(ASKED_ARMS)} (code runs the sim program, no request)",
        f"completion tokens: expected {expected} per reply (--completion-tokens), at most max_tokens={max_tokens}",
        "",
        f"{'model':<36} {'arm':<10} {'requests':>9} {'done':>7} {'prompt tok':>12} "
        f"{'compl. tok exp':>15} {'compl. tok max':>15} {'cost exp':>10} {'cost max':>11}",
    ]
    tot = ArmPlan()
    for (name, arm), ap in plan.arms.items():
        lines.append(
            f"{name:<36} {arm:<10} {ap.requests:>9,} {ap.done:>7,} {ap.prompt_tokens:>12,} "
            f"{ap.completion_expected:>15,} {ap.completion_max:>15,} {_money(ap.cost_expected):>10} "
            f"{_money(ap.cost_max):>11}"
        )
        tot.requests += ap.requests
        tot.done += ap.done
        tot.prompt_tokens += ap.prompt_tokens
        tot.completion_expected += ap.completion_expected
        tot.completion_max += ap.completion_max
        for attr in ("cost_expected", "cost_max"):
            a, b = getattr(tot, attr), getattr(ap, attr)
            setattr(tot, attr, None if a is None or b is None else a + b)
    lines.append(
        f"{'total':<36} {'':<10} {tot.requests:>9,} {tot.done:>7,} {tot.prompt_tokens:>12,} "
        f"{tot.completion_expected:>15,} {tot.completion_max:>15,} {_money(tot.cost_expected):>10} "
        f"{_money(tot.cost_max):>11}"
    )
    lines.append("")
    for name, price in plan.prices.items():
        lines.append(
            f"price {name}: "
            + (
                "unknown (add it under pricing:)"
                if price is None
                else f"${price.prompt:g} prompt, ${price.completion:g} completion per M tokens"
            )
        )
    for provider in sorted({m["provider"] for m in config["models"]}):
        c = config["concurrency"][provider]
        lines.append(
            f"API bound {provider}: {c['jobs']} query job(s) x {c['window']} requests = "
            f"{c['jobs'] * c['window']} in flight at most"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from codenl.errors import UsageError

    if args.completion_tokens < 1:
        raise UsageError("--completion-tokens must be at least 1")
    config = load_config(args.configfile)
    plan = make_plan(config, Path(args.results), args.completion_tokens)
    print(f"plan for {' + '.join(args.configfile)}", file=out)
    print(render(plan, config, args.completion_tokens), file=out)
    return 0
