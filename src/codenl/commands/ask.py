"""``python -m codenl ask``: send one chat request through the client and print the reply, usage, cost, latency.

The way to check a key, a model id or a server before a long run.  The ledger is off.  A refused key, an unknown
model or an unreachable server give one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from codenl.errors import CodenlError, UsageError
from codenl.llm.client import ChatClient, ChatResult, Sampling
from codenl.llm.common import add_provider_arguments, open_provider
from codenl.llm.providers import Provider
from codenl.llm.retry import RetryPolicy


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", help="the user message")
    add_provider_arguments(parser, model_required=False)
    parser.add_argument("--system", help="an optional system message")
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--request-timeout", type=float, default=120.0, help="seconds per attempt")
    parser.add_argument("--max-attempts", type=int, default=2, help="attempts before giving up (default 2)")


def format_result(result: ChatResult, provider: Provider, model: str) -> str:
    """The reply and its figures as the user sees them."""
    u = result.usage
    cost = f"${result.cost:.6f}" if result.cost is not None else "not reported"
    lines = []
    if result.reasoning:
        lines += ["[reasoning]", result.reasoning, "[reply]"]
    lines.append(result.text if result.text is not None else "(no content)")
    lines += [
        "---",
        f"model: {result.answered_model or model} via {result.answered_provider or provider.name}"
        + (f" ({result.system_fingerprint})" if result.system_fingerprint else ""),
        f"finish: {result.finish_reason}",
        f"tokens: {u.get('prompt_tokens')} prompt, {u.get('completion_tokens')} completion, "
        f"{u.get('reasoning_tokens')} reasoning",
        f"cost: {cost}",
        f"latency: {result.latency_s:.2f} s, attempts: {result.attempts}",
    ]
    return "\n".join(lines)


async def _ask(provider: Provider, args: argparse.Namespace) -> ChatResult:
    messages = ([{"role": "system", "content": args.system}] if args.system else []) + [
        {"role": "user", "content": args.text}
    ]
    policy = RetryPolicy(max_attempts=args.max_attempts, base_delay=0.5, max_delay=5.0, max_retry_after=30.0)
    sampling = Sampling(args.temperature, args.top_p, args.max_tokens, args.seed)
    async with ChatClient(provider, args.model, window=1, policy=policy, request_timeout=args.request_timeout) as c:
        return await c.complete(messages, sampling)


def run(args: argparse.Namespace) -> int:
    if args.max_attempts < 1:
        raise UsageError("--max-attempts must be at least 1")
    with open_provider(args) as provider:
        result = asyncio.run(_ask(provider, args))
    if result.status != "ok":
        message = (result.error or {}).get("message", "no answer")
        raise CodenlError(f"no answer from {provider.name} at {provider.base_url} for {args.model!r}: {message}")
    print(format_result(result, provider, args.model))
    sys.stdout.flush()
    return 0
