"""Command-line pieces shared by ``ask`` and ``query``: provider options and opening the provider."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from codenl.errors import UsageError
from codenl.llm.local import DEFAULT_ALIAS, LocalServer, terminate_on_signals
from codenl.llm.providers import PROVIDER_NAMES, Provider, make_provider


def add_provider_arguments(parser: argparse.ArgumentParser, *, model_required: bool) -> None:
    g = parser.add_argument_group("provider")
    g.add_argument("--provider", choices=PROVIDER_NAMES, default="openrouter", help="where requests go")
    g.add_argument(
        "--model",
        required=model_required,
        help=f"model id as the API knows it (openrouter: org/name; local: a registered model or a .gguf path, "
        f"default {DEFAULT_ALIAS}; see `python -m codenl models list`)",
    )
    g.add_argument("--base-url", help="API base URL ending in /v1 (openai_compatible; overrides openrouter's)")
    g.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="environment (or ./.env) variable holding the key (default for openrouter: OPENROUTER_API_KEY)",
    )
    g.add_argument("--gguf", help="local: a GGUF model file of yours (then --model is only its label)")
    g.add_argument("--threads", type=int, help="local: llama.cpp threads (default: the cores available)")
    g.add_argument("--n-ctx", type=int, default=4096, help="local: context length (default 4096)")
    g.add_argument("--server-log", help="local: write the llama.cpp server's output to this file")


@contextlib.contextmanager
def open_provider(args: argparse.Namespace) -> Iterator[Provider]:
    """The provider of the arguments; for ``local``, a llama.cpp server that lives as long as the block."""
    if args.model is None:
        if args.provider != "local":
            raise UsageError(f"--model is required for provider {args.provider}")
        args.model = DEFAULT_ALIAS
    if args.provider == "local":
        if args.base_url:
            raise UsageError("--base-url does not apply to provider local (use openai_compatible for a running server)")
        terminate_on_signals()
        with LocalServer(
            args.gguf, alias=args.model, n_ctx=args.n_ctx, threads=args.threads, log_path=args.server_log
        ) as server:
            yield server.provider
        return
    yield make_provider(args.provider, base_url=args.base_url, api_key_env=args.api_key_env)
