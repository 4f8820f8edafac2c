"""``python -m codenl query``: ask one model, for one arm, every instance of a list of problem shards.

    python -m codenl query --arm nl|sim|controlsim --model M --provider P [--base-url U] [--api-key-env VAR]
        --temperature T --top-p P --max-tokens N --window W --max-attempts K --request-timeout SEC
        --ledger FILE --problems F... [--sim F...] --out F...

The i-th ``--out`` file receives the response records (docs/records.md) of the i-th ``--problems`` file, in the
instances' order, written atomically once every request of the job has an outcome.  Progress inside the job lives
in the ledger (:mod:`codenl.llm.ledger`): a killed job rerun with the same arguments sends only the requests that
had not completed.  The seed sent with each request is the instance's seed.

``controlsim`` needs the ``sim`` responses (``--sim``, aligned with ``--problems``): the code is extracted from
the same model's sim reply with :func:`codenl.answers.extract_code`.  No code -> a record with status ``no_code``
and no request; a sim response that is itself an ``infra_error`` -> an ``infra_error`` record (error type
``sim_infra_error``) and no request, so that a failure of the API is never scored as the model's.

A request the ledger has as ``infra_error`` only (an earlier run failed on it) is asked again, at most
``--reask`` later runs; then its last failure is its record.  The job's last line counts the requests re-asked,
those that failed again and those kept as ``infra_error``, and the same counts go to ``<ledger>.summary.json``
(with the ledger's failure histogram, which the workflow reads to rerun a job that has requests to ask again).
A damaged ledger line is skipped with a warning naming the file and line.

Exit status: 0 when every record is written (some may be ``infra_error``: the job goes on); 1 when the API
refused the job as a whole (key, credit, model) or ``--breaker`` requests in a row could not reach it: nothing
is written, the ledger keeps what completed.
With ``--provider local`` the llama.cpp server is started for the job and stopped at its end (see
:mod:`codenl.llm.local`).  Concurrency across jobs: see :mod:`codenl.llm.client`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codenl.arms import ASKED_ARMS
from codenl.errors import RecordError, UsageError
from codenl.llm.client import ChatClient, ChatResult, Sampling
from codenl.llm.common import add_provider_arguments, open_provider
from codenl.llm.ledger import Ledger, hold_ledger, write_summary
from codenl.llm.progress import Progress, report_every
from codenl.llm.providers import Provider
from codenl.llm.retry import RetryPolicy
from codenl.records import read_jsonl_checked, write_jsonl_atomic

INSTANCE_FIELDS: dict[str, type | tuple[type, ...]] = {"id": str, "kind": str, "size": int, "seed": int}
SIM_FIELDS: dict[str, type | tuple[type, ...]] = {"instance_id": str, "status": str}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--arm", required=True, choices=ASKED_ARMS)
    add_provider_arguments(parser, model_required=True)
    s = parser.add_argument_group("sampling and requests")
    s.add_argument("--temperature", type=float, required=True)
    s.add_argument("--top-p", type=float, required=True)
    s.add_argument("--max-tokens", type=int, required=True)
    s.add_argument("--window", type=int, required=True, help="requests in flight at once in this job")
    s.add_argument("--max-attempts", type=int, required=True, help="HTTP attempts per request before infra_error")
    s.add_argument("--request-timeout", type=float, required=True, help="seconds per attempt")
    s.add_argument("--progress-every", type=float, default=30.0, help="seconds between progress lines (stderr)")
    s.add_argument(
        "--reask",
        type=int,
        default=3,
        help="later runs that ask again a request whose outcome was infra_error (default 3)",
    )
    s.add_argument(
        "--breaker",
        type=int,
        default=20,
        help="stop after this many requests in a row could not reach the API (0: never; default 20)",
    )
    s.add_argument(
        "--routing",
        metavar="JSON",
        help="openrouter: provider routing preferences sent with each request (a JSON object)",
    )
    s.add_argument(
        "--allowed-packages",
        nargs="*",
        default=[],
        metavar="NAME",
        help="sim: packages the sandbox lets a program import beside the standard library (the prompt "
        "says so; sandbox.allowed_packages)",
    )
    f = parser.add_argument_group("files")
    f.add_argument("--ledger", required=True, help="the job's append-only request ledger")
    f.add_argument("--problems", nargs="+", required=True, help="instance shards")
    f.add_argument("--sim", nargs="+", help="controlsim: the sim response shards, aligned with --problems")
    f.add_argument("--out", nargs="+", required=True, help="response shards, aligned with --problems")


@dataclass
class Item:
    """One instance of the job: its request, or the record it gets without one."""

    instance: dict[str, Any]
    messages: list[dict[str, Any]] | None
    code_sha256: str | None = None
    direct_status: str | None = None
    direct_error: dict[str, Any] | None = None


def check_args(args: argparse.Namespace) -> None:
    if len(args.out) != len(args.problems):
        raise UsageError(f"--out has {len(args.out)} files but --problems has {len(args.problems)}: align them")
    if args.arm == "controlsim":
        if not args.sim or len(args.sim) != len(args.problems):
            raise UsageError("--arm controlsim needs --sim with one sim response file per --problems file")
    elif args.sim:
        raise UsageError(f"--sim applies only to --arm controlsim, not {args.arm}")
    for name in ("window", "max_attempts", "max_tokens"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if args.request_timeout <= 0:
        raise UsageError("--request-timeout must be positive")
    for name in ("reask", "breaker"):
        if getattr(args, name) < 0:
            raise UsageError(f"--{name} must not be negative")
    args.routing_prefs = None
    if args.routing:
        if args.provider != "openrouter":
            raise UsageError(f"--routing applies only to provider openrouter, not {args.provider}")
        try:
            args.routing_prefs = json.loads(args.routing)
        except ValueError as exc:
            raise UsageError(f"--routing is not valid JSON ({exc})") from None
        if not isinstance(args.routing_prefs, dict):
            raise UsageError("--routing must be a JSON object")
    if len(set(args.out)) != len(args.out):
        raise UsageError("--out names the same file twice")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_items(
    arm: str,
    instances: Sequence[dict[str, Any]],
    sims: dict[str, dict[str, Any]] | None,
    build_messages: Callable[..., list[dict[str, Any]]],
    extract_code: Callable[[str], str | None] | None,
    where: str,
) -> list[Item]:
    """What to ask for each instance (pure): a request, or a ``no_code``/``infra_error`` record for controlsim."""
    items = []
    for inst in instances:
        if arm != "controlsim":
            items.append(Item(inst, build_messages(arm, inst)))
            continue
        assert sims is not None and extract_code is not None
        sim = sims.get(inst["id"])
        if sim is None:
            raise RecordError(f"{where}: no sim response for instance {inst['id']}")
        if sim["status"] == "infra_error":
            items.append(
                Item(
                    inst,
                    None,
                    direct_status="infra_error",
                    direct_error={
                        "type": "sim_infra_error",
                        "message": "the sim request failed, so there is no code to simulate",
                        "history": [],
                    },
                )
            )
            continue
        text = sim.get("text")
        code = extract_code(text) if isinstance(text, str) and text else None
        if code is None:
            items.append(Item(inst, None, direct_status="no_code"))
            continue
        items.append(Item(inst, build_messages(arm, inst, code=code), code_sha256=sha256_text(code)))
    return items


def response_record(
    item: Item,
    result: ChatResult | None,
    *,
    arm: str,
    model: str,
    provider: str,
    prompt_version: str,
    request_key: str | None,
) -> dict[str, Any]:
    """The response record of one instance (docs/records.md)."""
    inst = item.instance
    record: dict[str, Any] = {
        "instance_id": inst["id"],
        "kind": inst["kind"],
        "size": inst["size"],
        "seed": inst["seed"],
        "model": model,
        "provider": provider,
        "arm": arm,
        "prompt_version": prompt_version,
    }
    if result is None:
        record.update(
            status=item.direct_status,
            request_key=None,
            text=None,
            reasoning=None,
            finish_reason=None,
            usage={"prompt_tokens": None, "completion_tokens": None, "reasoning_tokens": None},
            cost=None,
            latency_s=None,
            attempts=0,
            answered_model=None,
            answered_provider=None,
            system_fingerprint=None,
            error=item.direct_error,
        )
    else:
        record.update(
            status=result.status,
            request_key=request_key,
            **{k: v for k, v in result.to_dict().items() if k != "status"},
        )
    record["code_sha256"] = item.code_sha256
    return record


def load_items(args: argparse.Namespace) -> list[list[Item]]:
    from codenl.prompts import build_messages

    extract_code = None
    if args.arm == "controlsim":
        from codenl.answers import extract_code
    shards = []
    for i, problems in enumerate(args.problems):
        instances = read_jsonl_checked(problems, INSTANCE_FIELDS)
        sims = None
        if args.arm == "controlsim":
            sims = {}
            for rec in read_jsonl_checked(args.sim[i], SIM_FIELDS):
                sims[rec["instance_id"]] = rec
        where = args.sim[i] if args.arm == "controlsim" else problems
        packages = tuple(getattr(args, "allowed_packages", None) or ())
        messages = functools.partial(build_messages, packages=packages)
        shards.append(plan_items(args.arm, instances, sims, messages, extract_code, where))
    return shards


async def ask_all(
    provider: Provider, args: argparse.Namespace, shards: list[list[Item]]
) -> tuple[list[list[tuple[ChatResult | None, str | None]]], Progress]:
    ledger = Ledger(args.ledger, repair=True)
    for line in ledger.damage_warnings():
        print(f"query: {line}", file=sys.stderr, flush=True)
    progress = Progress()
    policy = RetryPolicy(max_attempts=args.max_attempts)
    results: list[list[tuple[ChatResult | None, str | None]]] = []
    async with ChatClient(
        provider,
        args.model,
        window=args.window,
        policy=policy,
        request_timeout=args.request_timeout,
        ledger=ledger,
        progress=progress,
        reask=args.reask,
        breaker=args.breaker,
        routing=args.routing_prefs,
    ) as client:
        flat = [
            (it.messages, Sampling(args.temperature, args.top_p, args.max_tokens, it.instance["seed"]))
            for shard in shards
            for it in shard
            if it.messages is not None
        ]
        reporter = asyncio.create_task(report_every(progress, args.progress_every))
        try:
            answers = iter(await client.complete_many(flat))
        finally:
            reporter.cancel()
        for shard in shards:
            out = []
            for it in shard:
                if it.messages is None:
                    out.append((None, None))
                else:
                    sampling = Sampling(args.temperature, args.top_p, args.max_tokens, it.instance["seed"])
                    out.append((next(answers), client.key(it.messages, sampling)))
            results.append(out)
    infra = [key for shard in results for res, key in shard if res is not None and res.status == "infra_error"]
    pending = sum(ledger.final_failure(k, args.reask) is None for k in infra)
    write_summary(
        ledger,
        {
            "reasked": progress.reasked,
            "reasked_failed": progress.reasked_failed,
            "final": progress.final_failed,
            "infra_error": len(infra),
            "pending": pending,
        },
    )
    if infra:
        print(
            f"query: {len(infra)} request(s) ended infra_error; {pending} will be asked again by the next run of "
            f"the same command, {len(infra) - pending} have failed in {args.reask + 1} runs and stay infra_error",
            file=sys.stderr,
            flush=True,
        )
    return results, progress


def run(args: argparse.Namespace) -> int:
    check_args(args)
    from codenl.prompts import prompt_version as version_of

    prompt_version = version_of(args.arm, tuple(getattr(args, "allowed_packages", None) or ()))
    shards = load_items(args)
    with hold_ledger(args.ledger), open_provider(args) as provider:
        results, progress = asyncio.run(ask_all(provider, args, shards))
    print(progress.line(), file=sys.stderr, flush=True)
    for out, shard, answers in zip(args.out, shards, results, strict=True):
        records = [
            response_record(
                it, res, arm=args.arm, model=args.model, provider=provider.name,
                prompt_version=prompt_version, request_key=key,
            )
            for it, (res, key) in zip(shard, answers, strict=True)
        ]  # fmt: skip
        write_jsonl_atomic(Path(out), records)
    return 0
