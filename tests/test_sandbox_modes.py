"""Pool mode and fresh-process mode give the same results on the same programs (a differential test), and
the pool keeps no state from one task to the next."""

from __future__ import annotations

import pytest

from codenl.harness import build_program, parse_output
from codenl.sandbox.limits import Limits
from codenl.sandbox.pool import Sandbox, SandboxConfig
from tests.hostile import render

LIMITS = Limits(cpu_s=1, wall_s=6, memory_mb=256, file_mb=8)

PROGRAMS = {
    "print": "print('hello', 6 * 7)",
    "unicode": "print('\\u00e9\\u4e2d\\U0001f600')",
    "nothing": "x = 1",
    "exception": "raise KeyError('k')",
    "syntax": "def f(:\n",
    "indent": "if True:\nprint(1)\n",
    "nul": "print(1)\0",
    "exit_code": "import sys; sys.exit(4)",
    "exit_message": "import sys; sys.exit('bye')",
    "memory": "x = bytearray(8 * 1024 ** 3)",
    "recursion": "def f(n): return f(n + 1)\nf(0)",
    "numpy": "import numpy as np; print(int(np.arange(100).reshape(10, 10).trace()))",
    "scratch_file": "open('a.txt', 'w').write('abc'); print(open('a.txt').read())",
    "fork": "import os; os.fork()",
    "segfault": render("segfault.py"),
    "output_cap": "import sys\nfor _ in range(3): sys.stdout.write('y' * 1024 * 1024)\n",
    "stderr_only": "import sys; print('warn', file=sys.stderr)",
    "stderr_flood": "import sys\nfor _ in range(3): sys.stderr.write('z' * 1024 * 1024)\n",
    "harness_ok": build_program("def solution():\n    return [1, (2, 3), {'a': 4}]\n"),
    "harness_error": build_program("def solution():\n    return 1 // 0\n"),
    "harness_no_solution": build_program("x = 3\n"),
    "cpu_timeout": "while True: pass",
}
FIELDS = (
    "status",
    "timeout_kind",
    "exit_code",
    "signal",
    "exception_type",
    "exception_message",
    "stdout",
    "stdout_truncated",
)


@pytest.fixture(scope="module")
def both():
    config = SandboxConfig(limits=LIMITS, packages=("numpy",))  # numpy allowed: preloaded in the pool only
    with Sandbox(config, workers=2, mode="pool") as pool, Sandbox(config, workers=2, mode="fresh") as fresh:
        names = list(PROGRAMS)
        sources = [PROGRAMS[n] for n in names]
        yield dict(zip(names, pool.map(sources))), dict(zip(names, fresh.map(sources)))


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_pool_and_fresh_agree(both, name):
    pool, fresh = both
    a, b = pool[name], fresh[name]
    assert a.status != "sandbox_error", a
    assert {f: getattr(a, f) for f in FIELDS} == {f: getattr(b, f) for f in FIELDS}
    assert a.layers == b.layers


def test_expected_statuses(both):
    pool, _ = both
    expected = {
        "print": "ok",
        "unicode": "ok",
        "nothing": "no_output",
        "exception": "runtime_error",
        "syntax": "syntax_error",
        "indent": "syntax_error",
        "nul": "syntax_error",
        "exit_code": "runtime_error",
        "exit_message": "runtime_error",
        "memory": "memory_limit",
        "recursion": "runtime_error",
        "numpy": "ok",
        "scratch_file": "ok",
        "fork": "runtime_error",
        "segfault": "crashed",
        "output_cap": "output_limit",
        "stderr_only": "no_output",
        "stderr_flood": "output_limit",
        "harness_ok": "ok",
        "harness_error": "runtime_error",
        "harness_no_solution": "runtime_error",
        "cpu_timeout": "timeout",
    }
    assert {n: r.status for n, r in pool.items()} == expected
    assert pool["unicode"].stdout == "\u00e9\u4e2d\U0001f600\n"
    assert pool["stderr_only"].stderr_tail == "warn\n"
    assert parse_output(pool["harness_ok"].stdout).value == [1, [2, 3], {"a": 4}]
    assert pool["harness_error"].exception_type == "ZeroDivisionError"
    assert pool["harness_no_solution"].exception_type == "NameError"
    assert pool["cpu_timeout"].timeout_kind == "cpu"


def test_pool_keeps_no_state_between_tasks():
    with Sandbox(SandboxConfig(limits=LIMITS), workers=1) as sb:
        first = sb.run(
            "import sys, json; json.marker = 1; sys.modules['leak'] = 1; open('left.txt', 'w').write('x'); print('set')"
        )
        second = sb.run("import sys, json, os; print(hasattr(json, 'marker'), 'leak' in sys.modules, os.listdir('.'))")
        assert first.stdout == "set\n"
        assert second.stdout == "False False []\n"


def test_a_closed_sandbox_starts_again_with_fresh_workers():
    sb = Sandbox(SandboxConfig(limits=LIMITS), workers=1)
    with sb:
        assert sb.run("print(1)").stdout == "1\n"
        first = sb.worker_pids()
    assert sb.worker_pids() == []
    with sb:
        assert sb.run("print(2)").stdout == "2\n"
        assert len(sb.worker_pids()) == 1 and sb.worker_pids() != first
