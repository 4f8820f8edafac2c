"""Token prices for cost estimates before a run (the dry run); the cost of a run itself is what the API reports.

Prices are US dollars per million tokens as listed on https://openrouter.ai/models for the plan's models
(checked 2025; prices change: ``plan`` prints the prices it used, and a config may override them).  A model
absent from the table has no estimate (None), never a guess of 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    """Dollars per million prompt (input) and completion (output) tokens."""

    prompt: float
    completion: float


PRICES: dict[str, Price] = {
    "mistralai/codestral-2508": Price(0.30, 0.90),
    "mistralai/codestral-2501": Price(0.30, 0.90),
    "mistralai/mistral-large-2411": Price(2.00, 6.00),
    "google/gemini-2.0-flash-001": Price(0.10, 0.40),
    "mistralai/mixtral-8x22b-instruct": Price(2.00, 6.00),
}

#: providers that run on this machine cost nothing
FREE_PROVIDERS = frozenset({"local"})


def price_of(model: str, provider: str = "openrouter", overrides: Mapping[str, Price] | None = None) -> Price | None:
    """The price of a model, None when unknown."""
    if provider in FREE_PROVIDERS:
        return Price(0.0, 0.0)
    if overrides and model in overrides:
        return overrides[model]
    return PRICES.get(model)


def estimate_cost(
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    provider: str = "openrouter",
    overrides: Mapping[str, Price] | None = None,
) -> float | None:
    """Dollars for the given token counts; None when the model's price is unknown."""
    price = price_of(model, provider, overrides)
    if price is None:
        return None
    return (prompt_tokens * price.prompt + completion_tokens * price.completion) / 1_000_000


def estimate_tokens(text: str) -> int:
    """A rough token count for English and code: one token per 4 characters (at least 1 for non-empty text)."""
    return (len(text) + 3) // 4
