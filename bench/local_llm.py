"""Benchmark: tokens per second of the local llama.cpp server on this machine, by setup.

    python bench/local_llm.py [--model qwen2.5-coder-1.5b] [--max-tokens 96] [--rounds 1]

A setup is a number of servers, llama.cpp threads per server, requests in flight at once, and weight repacking
off (what ``codenl.llm.llama_serve`` does by default) or on (llama.cpp's default; it dies with SIGILL on virtual
machines whose CPU advertises matrix extensions the hypervisor does not enable: reported, not a crash).  Every
request is the project's own ``sim`` prompt for a different ``mul`` instance (different prompts: no prompt cache
hit), at temperature 0 with ``--max-tokens``; the requests of a setup are spread over its servers round-robin.
Throughput = completion tokens of all requests / wall time from the first request sent to the last reply.

The llama-cpp-python server answers one request at a time (a lock around the model), so requests beyond one per
server queue; several servers (separate processes sharing the page cache of the mmapped model) run side by side.
Prints one row per setup and each setup's ratio to the first.  Run it on an idle machine: the load average is
printed before and after.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from codenl.errors import CodenlError  # noqa: E402
from codenl.llm.llama_serve import EXTRA_BUFTS_ENV  # noqa: E402
from codenl.llm.local import LocalServer  # noqa: E402
from codenl.problems import generate  # noqa: E402
from codenl.prompts import build_messages  # noqa: E402


@dataclass(frozen=True)
class Setup:
    servers: int
    threads: int
    requests: int
    repack: bool = False

    def label(self) -> str:
        return (f"{self.servers} server{'s' if self.servers > 1 else ''} x {self.threads} thread"
                f"{'s' if self.threads > 1 else ''}, {self.requests} in flight, repacking "
                f"{'on' if self.repack else 'off'}")  # fmt: skip


SETUPS = [
    Setup(1, 2, 1),
    Setup(1, 1, 1),
    Setup(1, 2, 2),
    Setup(1, 2, 4),
    Setup(2, 1, 2),
    Setup(2, 1, 4),
    Setup(1, 2, 1, repack=True),
    Setup(2, 1, 2, repack=True),
]


def ask(port: int, model: str, messages: list[dict[str, str]], max_tokens: int) -> int:
    body = json.dumps({"model": model, "messages": messages, "temperature": 0, "max_tokens": max_tokens,
                       "seed": 0}).encode()  # fmt: skip
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", body,
                                 {"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=900) as resp:
        return int(json.load(resp)["usage"]["completion_tokens"])


def measure(
    setup: Setup, model: str, prompts: list[list[dict[str, str]]], max_tokens: int
) -> str | tuple[float, float]:
    """(tokens/s, seconds to start the servers) of the setup, or why it could not run (e.g. SIGILL)."""
    old = os.environ.get(EXTRA_BUFTS_ENV)
    os.environ[EXTRA_BUFTS_ENV] = "1" if setup.repack else "0"
    try:
        with contextlib.ExitStack() as stack:
            t0 = time.monotonic()
            servers = [stack.enter_context(LocalServer(alias=model, threads=setup.threads))
                       for _ in range(setup.servers)]  # fmt: skip
            startup = time.monotonic() - t0
            ports = [s.port for s in servers]
            assert all(p is not None for p in ports)
            # warm up each server on a short request (page in the weights)
            for port in ports:
                ask(port, model, [{"role": "user", "content": "Say OK."}], 2)  # type: ignore[arg-type]
            jobs = [(ports[i % len(ports)], prompts[i]) for i in range(setup.requests)]
            started = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
                tokens = sum(pool.map(lambda j: ask(j[0], model, j[1], max_tokens), jobs))
            return tokens / (time.monotonic() - started), startup
    except (CodenlError, OSError) as exc:
        text = str(exc)
        if "status -4" in text or "status 132" in text or "SIGILL" in text or "Illegal instruction" in text:
            return "server died with SIGILL (illegal instruction): repacking is not usable on this CPU/VM"
        return f"failed: {text.splitlines()[0][:150]}"
    finally:
        if old is None:
            os.environ.pop(EXTRA_BUFTS_ENV, None)
        else:
            os.environ[EXTRA_BUFTS_ENV] = old


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="a registered local model")
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--only", type=int, nargs="*", help="run only these setups (row numbers, from 1)")
    args = parser.parse_args()
    instances = generate("mul", 3, 0, max(s.requests for s in SETUPS) * len(SETUPS))
    print(f"model {args.model}, {args.max_tokens} tokens per request, {os.cpu_count()} CPUs; load average before: "
          f"{os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    rows: list[tuple[int, Setup, str | tuple[float, float]]] = []
    offset = 0
    for i, setup in enumerate(SETUPS, start=1):
        if args.only and i not in args.only:
            continue
        prompts = [build_messages("sim", inst) for inst in instances[offset : offset + setup.requests]]
        offset += setup.requests
        result = measure(setup, args.model, prompts, args.max_tokens)
        rows.append((i, setup, result))
        shown = f"{result[0]:6.1f} tokens/s, start {result[1]:.1f} s" if isinstance(result, tuple) else result
        print(f"{i}. {setup.label():55} {shown}  (load {os.getloadavg()[0]:.2f})", flush=True)
    base = next((r[0] for _, _, r in rows if isinstance(r, tuple)), None)
    print("\n| setup | tokens/s | vs first | server start (s) |\n|---|---|---|---|")
    for i, setup, result in rows:
        if isinstance(result, tuple) and base:
            print(f"| {i}. {setup.label()} | {result[0]:.1f} | {result[0] / base:.2f} | {result[1]:.1f} |")
        else:
            print(f"| {i}. {setup.label()} | {result} | | |")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
