"""The structured result of one sandboxed run, and the pure function that classifies a run's facts.

Order of the decision (the first that applies wins):

1. the sandbox itself failed (a layer could not be applied, the worker died or answered nothing) ->
   ``sandbox_error`` (grading maps it to ``infra_error``, never to a model failure);
2. the runner's wall deadline passed -> ``timeout`` (kind ``wall``);
3. the output cap was passed -> ``output_limit``;
4. killed by SIGXCPU or SIGKILL after using (about) the whole CPU limit, or more CPU time than the limit however
   it ended (a program that ignored SIGXCPU, or raised its own soft limit) -> ``timeout`` (kind ``cpu``);
5. killed by another signal, or by one of those two before its CPU time was up (a program that sent it to
   itself) -> ``crashed`` (a segfault, an abort);
6. non-zero exit: the program, or the model's code it carries, did not compile (said on the trusted channel
   before the program ran: a ``SyntaxError`` or its kin, or the ``ValueError`` of a NUL byte) -> ``syntax_error``;
   ``MemoryError`` -> ``memory_limit``; else ``runtime_error`` (a ``SyntaxError`` raised as the program runs,
   by ``eval`` of a bad string or by the program itself, included);
7. exit 0 with nothing on stdout -> ``no_output``; else ``ok``.
"""

from __future__ import annotations

import signal as _signal
from dataclasses import asdict, dataclass, field
from typing import Any

from codenl.sandbox.limits import Limits

STATUSES = (
    "ok",
    "no_output",
    "syntax_error",
    "runtime_error",
    "timeout",
    "memory_limit",
    "output_limit",
    "crashed",
    "sandbox_error",
)
#: a SIGXCPU or SIGKILL counts as the CPU limit's when the reported CPU time reaches this share of the limit
#: (the hard limit is one second past the soft one; wait4's CPU time and the kernel's limit clock differ by
#: 10 to 15 % in a VM: SIGXCPU was seen at a reported 0.88 s for a 1 s limit)
CPU_KILL_FRACTION = 0.8


@dataclass
class SandboxResult:
    status: str
    timeout_kind: str | None = None
    exit_code: int | None = None
    signal: int | None = None
    exception_type: str | None = None
    exception_message: str | None = None
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_kb: int | None = None
    stdout: str = ""
    stdout_truncated: bool = False
    stderr_tail: str = ""
    layers: list[str] = field(default_factory=list)
    sandbox_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: the largest program (with the model's code beside it) that is run, in bytes of UTF-8: far above any model's
#: reply, and far below what the worker's channel carries once JSON has escaped it (up to six bytes a byte)
MAX_SOURCE_BYTES = 8 * 1024 * 1024


def too_large(size: int) -> SandboxResult:
    """A program that is not run because it is larger than :data:`MAX_SOURCE_BYTES`: its own failure."""
    return SandboxResult(
        status="runtime_error",
        exit_code=1,
        exception_type="ProgramTooLarge",
        exception_message=f"the program is {size} bytes of UTF-8; at most {MAX_SOURCE_BYTES} are run",
    )


def sandbox_failure(message: str, layers: list[str] | None = None, wall_s: float = 0.0) -> SandboxResult:
    return SandboxResult(status="sandbox_error", sandbox_error=message, layers=list(layers or []), wall_s=wall_s)


def classify(facts: dict[str, Any], limits: Limits) -> SandboxResult:
    """Turn the worker's facts about one run into a result (pure)."""
    base = SandboxResult(
        status="ok",
        exit_code=facts.get("exit_code"),
        signal=facts.get("signal"),
        exception_type=facts.get("exception_type"),
        exception_message=facts.get("exception_message"),
        wall_s=float(facts.get("wall_s") or 0.0),
        cpu_s=float(facts.get("cpu_s") or 0.0),
        peak_rss_kb=facts.get("peak_rss_kb"),
        stdout=facts.get("stdout") or "",
        stdout_truncated=bool(facts.get("output_exceeded")),
        stderr_tail=facts.get("stderr_tail") or "",
        layers=list(facts.get("layers") or []),
    )
    if facts.get("worker_error") or facts.get("setup_error"):
        base.status = "sandbox_error"
        base.sandbox_error = facts.get("worker_error") or facts.get("setup_error")
        return base
    sig = base.signal
    if facts.get("timed_out_wall"):
        base.status, base.timeout_kind = "timeout", "wall"
    elif facts.get("output_exceeded"):
        base.status = "output_limit"
    elif base.cpu_s > limits.cpu_s or (
        sig in (_signal.SIGXCPU, _signal.SIGKILL) and base.cpu_s >= CPU_KILL_FRACTION * limits.cpu_s
    ):
        base.status, base.timeout_kind = "timeout", "cpu"
    elif sig is not None:
        base.status = "crashed"
    elif base.exit_code:
        syntax = facts.get("syntax_error")
        if syntax:
            base.status = "syntax_error"
            base.exception_type, base.exception_message = syntax.get("type"), syntax.get("message")
        elif base.exception_type == "MemoryError":
            base.status = "memory_limit"
        else:
            base.status = "runtime_error"
    elif not base.stdout:
        base.status = "no_output"
    return base
