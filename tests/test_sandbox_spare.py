"""The spare task process: each pool worker keeps the next task's process ready (forked from the zygote, confined,
waiting for its source) while the current task runs.  Asserted here, on one worker: the spare is used only for
tasks with the limits it was made with; a program cannot reach it; a spare that died while waiting is replaced
before any program is given to it (no `sandbox_error`); nothing of a worker, its zygote or its spare outlives the
pool.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from codenl.sandbox.limits import Limits
from codenl.sandbox.pool import Sandbox, SandboxConfig

LIMITS = Limits(cpu_s=3, wall_s=6, memory_mb=256)
RLIMIT_CPU = "import resource\nprint(resource.getrlimit(resource.RLIMIT_CPU))\n"


def descendants(pid: int) -> list[int]:
    """``pid`` and every process beneath it (host pids), depth first."""
    out = [pid]
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            for child in Path(f"/proc/{pid}/task/{tid}/children").read_text().split():
                out += descendants(int(child))
    except OSError:
        pass
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def spare_of(sb: Sandbox) -> int:
    """The host pid of the only worker's spare: the deepest process beneath it, a child of the zygote."""
    (top,) = sb.worker_pids()
    deadline = time.monotonic() + 5
    while True:
        tree = descendants(top)
        pythons = [p for p in tree if Path(f"/proc/{p}/comm").read_text().strip().startswith("python")]
        if len(pythons) >= 3:  # worker, zygote, spare
            return pythons[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no spare beneath the worker: {tree}")
        time.sleep(0.02)


@pytest.fixture
def one_worker():
    with Sandbox(SandboxConfig(limits=LIMITS), workers=1) as sb:
        yield sb


def test_a_spare_made_for_other_limits_is_not_used(one_worker):
    seen = []
    for cpu_s in (3, 7, 7, 3, 5):
        result = one_worker.run(RLIMIT_CPU, Limits(cpu_s=cpu_s, wall_s=10, memory_mb=256))
        assert result.status == "ok", result
        seen.append(result.stdout.strip())
    assert seen == ["(3, 4)", "(7, 8)", "(7, 8)", "(3, 4)", "(5, 6)"]


def test_a_program_cannot_reach_the_next_programs_process(one_worker):
    """While a hostile program runs, the spare already exists (its pid is near the program's own): signals to
    every pid nearby and to every process it may signal fail, and the next program runs as if nothing happened."""
    hostile = (
        "import os, signal\n"
        "me = os.getpid()\n"
        "hits = 0\n"
        "for pid in [*range(1, 400), *range(max(2, me - 64), me + 64)]:\n"
        "    if pid == me:\n"
        "        continue\n"
        "    for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM):\n"
        "        try:\n"
        "            os.kill(pid, sig)\n"
        "            hits += 1\n"
        "        except OSError:\n"
        "            pass\n"
        "try:\n"
        "    os.kill(-1, signal.SIGKILL)\n"
        "except OSError:\n"
        "    pass\n"
        "print('hits', hits)\n"
    )
    assert one_worker.run("print(6 * 7)\n").stdout == "42\n"
    result = one_worker.run(hostile)
    assert (result.status, result.stdout) == ("ok", "hits 0\n"), result
    assert alive(spare_of(one_worker))  # made when the hostile program started, and waiting since
    after = one_worker.run("print(6 * 7)\n")
    assert (after.status, after.stdout) == ("ok", "42\n"), after


def test_a_spare_that_died_while_waiting_is_replaced(one_worker):
    assert one_worker.run("print(1)\n").status == "ok"
    for sig in (signal.SIGKILL, signal.SIGTERM):
        spare = spare_of(one_worker)
        os.kill(spare, sig)
        deadline = time.monotonic() + 5
        while alive(spare):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        result = one_worker.run("print(6 * 7)\n")
        assert (result.status, result.stdout, result.sandbox_error) == ("ok", "42\n", None), (sig, result)


def test_nothing_outlives_the_pool():
    sb = Sandbox(SandboxConfig(limits=LIMITS), workers=2).start()
    try:
        for _ in range(3):
            assert sb.run("print(1)\n").status == "ok"
        tree = [p for top in sb.worker_pids() for p in descendants(top)]
        assert len(tree) >= 2 * 4  # bwrap or the interpreter, worker, zygote, spare
    finally:
        sb.close()
    deadline = time.monotonic() + 5
    while any(alive(p) for p in tree):
        assert time.monotonic() < deadline, [p for p in tree if alive(p)]
        time.sleep(0.05)
