"""A progress line for the job log: done, in flight, failed, retries, tokens, cost, ETA."""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


def format_eta(seconds: float | None) -> str:
    """``1h02m``, ``4m05s``, ``12s``; ``?`` when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "?"
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


@dataclass
class Progress:
    """Counters that the client updates; :meth:`line` renders them."""

    total: int = 0
    done: int = 0
    cached: int = 0
    in_flight: int = 0
    failed: int = 0
    retries: int = 0
    #: requests asked again because an earlier run recorded them infra_error, and how many of them failed again
    reasked: int = 0
    reasked_failed: int = 0
    #: infra_error requests not asked again (they failed in 1 + reask runs): their last failure is the outcome
    final_failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    started: float = field(default_factory=time.monotonic)

    def add_usage(self, usage: dict | None, cost: float | None) -> None:
        usage = usage or {}
        self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.completion_tokens += int(usage.get("completion_tokens") or 0)
        if cost:
            self.cost += float(cost)

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left at the rate of the requests actually sent (ledger hits are free and excluded)."""
        now = time.monotonic() if now is None else now
        sent = self.done - self.cached
        left = self.total - self.done
        if left <= 0:
            return 0.0
        if sent <= 0:
            return None
        return left * (now - self.started) / sent

    def line(self, now: float | None = None) -> str:
        return (
            f"query: {self.done}/{self.total} done ({self.cached} from ledger), {self.in_flight} in flight, "
            f"{self.failed} failed, {self.retries} retries, {self.reask_part()}tokens {self.prompt_tokens} in / "
            f"{self.completion_tokens} out, cost ${self.cost:.4f}, ETA {format_eta(self.eta(now))}"
        )

    def reask_part(self) -> str:
        """``N re-asked after infra_error (M failed again), K kept as infra_error, `` when any applies."""
        out = ""
        if self.reasked:
            out += f"{self.reasked} re-asked after infra_error ({self.reasked_failed} failed again), "
        if self.final_failed:
            out += f"{self.final_failed} kept as infra_error (retries.reask used up), "
        return out


async def report_every(progress: Progress, interval: float, stream: TextIO = sys.stderr) -> None:
    """Print the progress line every ``interval`` seconds until cancelled."""
    while True:
        await asyncio.sleep(interval)
        print(progress.line(), file=stream, flush=True)
