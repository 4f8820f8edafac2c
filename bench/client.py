"""Benchmark: the client's sliding window against fixed batches, on the fake server.

    python bench/client.py [--n 5000] [--concurrency 64] [--latency 0.2] [--jitter 0.05]

The fake server (tests/fake_openai.py, its own process) answers each request after ``latency`` +- ``jitter``
seconds (uniform, so the mean is ``latency``).  With ``concurrency`` requests in flight the ideal throughput is
``concurrency / latency`` requests per second.  Two strategies send the same ``n`` distinct requests through
the same :class:`codenl.llm.client.ChatClient` (ledger off):

* sliding window: all requests submitted at once, at most ``concurrency`` in flight, a new one starting as
  soon as one finishes (what ``query`` does);
* fixed batches: ``concurrency`` requests awaited together, then the next batch (the earlier system's way),
  so every batch lasts as long as its slowest reply;
* with ``--with-ledger``, the sliding window again with a request ledger (one fsynced append per reply).

Prints achieved/ideal for each and their ratio.  Target: sliding window >= 0.9 of ideal on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from codenl.llm.client import ChatClient, Sampling  # noqa: E402
from codenl.llm.ledger import Ledger  # noqa: E402
from codenl.llm.providers import Provider  # noqa: E402
from codenl.llm.retry import RetryPolicy  # noqa: E402


def start_server(latency: float, jitter: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_openai.py"), "--port", "0",
         "--latency", str(latency), "--jitter", str(jitter), "--value", "1"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise SystemExit(f"fake server did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[1].strip()


def requests(n: int, tag: str) -> list[list[dict[str, str]]]:
    return [[{"role": "user", "content": f"{tag} request {i}: what is {i} + {i}?"}] for i in range(n)]


async def sliding(url: str, n: int, window: int, ledger: Ledger | None = None) -> tuple[float, int]:
    provider = Provider("openai_compatible", url)
    policy = RetryPolicy(max_attempts=3)
    async with ChatClient(provider, "bench/model", window=window, policy=policy, ledger=ledger) as c:
        t0 = time.perf_counter()
        results = await c.complete_many([(m, Sampling(seed=0)) for m in requests(n, "sliding")])
        elapsed = time.perf_counter() - t0
    return elapsed, sum(r.status != "ok" for r in results)


async def batched(url: str, n: int, window: int) -> tuple[float, int]:
    provider = Provider("openai_compatible", url)
    failed = 0
    async with ChatClient(provider, "bench/model", window=window, policy=RetryPolicy(max_attempts=3)) as c:
        msgs = requests(n, "batched")
        t0 = time.perf_counter()
        for start in range(0, n, window):
            batch = msgs[start : start + window]
            results = await asyncio.gather(*(c.complete(m, Sampling(seed=0)) for m in batch))
            failed += sum(r.status != "ok" for r in results)
        elapsed = time.perf_counter() - t0
    return elapsed, failed


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=5000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--latency", type=float, default=0.2)
    p.add_argument("--jitter", type=float, default=0.05)
    p.add_argument("--with-ledger", action="store_true", help="also run the sliding window with a request ledger")
    args = p.parse_args()
    server, url = start_server(args.latency, args.jitter)
    try:
        ideal = args.concurrency / args.latency
        print(f"{args.n} requests, concurrency {args.concurrency}, latency {args.latency} s +- {args.jitter} s, "
              f"ideal {ideal:.1f} req/s, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}")  # fmt: skip
        out = {}
        for name, fn in (("sliding window", sliding), ("fixed batches", batched)):
            elapsed, failed = asyncio.run(fn(url, args.n, args.concurrency))
            rate = args.n / elapsed
            out[name] = rate / ideal
            print(f"{name:15s} {elapsed:7.2f} s  {rate:7.1f} req/s  achieved/ideal {rate / ideal:.3f}  failed {failed}")
        print(f"sliding / batched = {out['sliding window'] / out['fixed batches']:.3f}")
        if args.with_ledger:
            with tempfile.TemporaryDirectory() as tmp:
                elapsed, failed = asyncio.run(sliding(url, args.n, args.concurrency, Ledger(Path(tmp) / "l.jsonl")))
            rate = args.n / elapsed
            print(f"{'with ledger':15s} {elapsed:7.2f} s  {rate:7.1f} req/s  "
                  f"achieved/ideal {rate / ideal:.3f}  failed {failed}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
