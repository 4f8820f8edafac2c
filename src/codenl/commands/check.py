"""``python -m codenl check --configfile FILE [FILE ...]``: the pre-flight checklist of the plan, one line per model.

For each configured model:

* the key: its variable is set (environment or ``.env``), and the provider accepts it;
* the model id: listed by the provider's ``GET {base_url}/models`` (close ids are suggested when it is not);
* one tiny request (``max_tokens`` 1, a few tokens of cost at most) through the project's client, which proves
  both the key and that some endpoint serves the model; ``--list-only`` skips it.

``local`` checks the GGUF file and llama.cpp's server module, and the tiny request starts the server once.
Exit status 0 when every line is ``ok``, 1 otherwise.  Keys are never printed, only their variables.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any, TextIO

from codenl.config import add_configfile_argument, load_config
from codenl.errors import CodenlError, UsageError

TIMEOUT_S = 30.0


def list_models(base_url: str, key: str | None, timeout: float = TIMEOUT_S) -> tuple[int, list[str] | str]:
    """``(HTTP status, model ids)``, or ``(status, error text)`` when the list is not available."""
    request = urllib.request.Request(base_url.rstrip("/") + "/models")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            body = json.loads(reply.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        return 0, f"cannot reach {base_url} ({reason})"
    except ValueError:
        return 200, "the model list is not JSON"
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return 200, "the model list has no 'data' array"
    return 200, [str(m.get("id")) for m in data if isinstance(m, dict) and m.get("id")]


async def _tiny_request(provider: Any, model: str) -> Any:
    from codenl.llm.client import ChatClient, Sampling
    from codenl.llm.retry import RetryPolicy

    policy = RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=5.0, max_retry_after=30.0)
    async with ChatClient(provider, model, window=1, policy=policy, request_timeout=120.0) as client:
        return await client.complete(
            [{"role": "user", "content": "Reply with the word ok."}],
            Sampling(temperature=0.0, top_p=1.0, max_tokens=1, seed=0),
        )


def tiny_request(provider: Any, model: str) -> str | None:
    """None when the model answered one tiny request, else why not (the key's variable, never its value)."""
    from codenl.llm.client import FatalAPIError

    try:
        result = asyncio.run(_tiny_request(provider, model))
    except FatalAPIError as exc:
        return str(exc)
    if result.status != "ok":
        return (result.error or {}).get("message", "no answer")
    return None


def check_remote(
    model: Mapping[str, Any], list_only: bool, cache: dict[tuple[str, str | None], Any]
) -> tuple[bool, str]:
    """One model's line: (ok, why) from its key, the provider's model list and one tiny request."""
    from codenl.llm.providers import lookup_key, make_provider

    var = model.get("api_key_env")
    key = lookup_key(var) if var else None
    if var and key is None:
        return False, f"no key: set {var} in the environment or in .env"
    url = model["base_url"]
    if (url, var) not in cache:
        cache[(url, var)] = list_models(url, key)
    status, listed = cache[(url, var)]
    notes = []
    if status in (401, 403):
        return False, f"key from {var} refused by {url} (HTTP {status})"
    if isinstance(listed, list):
        if model["name"] not in listed:
            close = difflib.get_close_matches(model["name"], listed, n=3, cutoff=0.6)
            hint = f"; close: {', '.join(close)}" if close else ""
            return False, f"model id not in {url}/models ({len(listed)} listed){hint}"
        notes.append("listed by /models")
    else:
        notes.append(f"/models unavailable ({listed})")
        if status == 0:
            return False, str(listed)
    if not list_only:
        provider = make_provider(model["provider"], base_url=url, api_key_env=var)
        why = tiny_request(provider, model["name"])
        if why is not None:
            return False, f"{'; '.join(notes)}; tiny request failed: {why}"
        notes.append("answered a 1-token request" + (f" with the key from {var}" if var else ""))
    elif var:
        notes.append(f"key {var} set (not verified: --list-only)")
    return True, "; ".join(notes)


def check_local(model: Mapping[str, Any], list_only: bool) -> tuple[bool, str]:
    from codenl.llm.local import LocalServer, find_gguf, llama_server_available

    try:
        gguf = find_gguf(model.get("gguf"), model["name"])
    except UsageError as exc:
        return False, str(exc)
    if not llama_server_available():
        return False, "llama_cpp.server is not installed (pip install -e '.[local]')"
    notes = [f"model file {gguf.name} ({gguf.stat().st_size / 1e6:.0f} MB), llama.cpp server installed"]
    if not list_only:
        try:
            with LocalServer(model.get("gguf"), alias=model["name"]) as server:
                why = tiny_request(server.provider, model["name"])
        except CodenlError as exc:
            why = str(exc)
        if why is not None:
            return False, f"{notes[0]}; tiny request failed: {why}"
        notes.append("answered a 1-token request")
    return True, "; ".join(notes)


def configure(parser: argparse.ArgumentParser) -> None:
    add_configfile_argument(parser)
    parser.add_argument(
        "--list-only", action="store_true", help="only the model lists, no tiny request (nothing at all is spent)"
    )


def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    config = load_config(args.configfile)
    cache: dict[tuple[str, str | None], Any] = {}
    failed = 0
    for model in config["models"]:
        if model["provider"] == "local":
            ok, why = check_local(model, args.list_only)
        else:
            ok, why = check_remote(model, args.list_only, cache)
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'}  {model['name']} ({model['provider']}): {why}", file=out, flush=True)
    print(f"check: {len(config['models']) - failed} of {len(config['models'])} model(s) ready", file=out)
    return 1 if failed else 0
