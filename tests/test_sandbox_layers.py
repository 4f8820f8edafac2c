"""Each isolation layer on its own: what it blocks, with every other layer off.

A baseline with no layer at all shows that the same probes succeed without isolation, so each test below
proves that its layer, and nothing else, did the blocking.  The probes are mild (a forked child exits at once)
because without layers they really run on the host.
"""

from __future__ import annotations

import os
import signal
import socket
import time
import uuid
from pathlib import Path

import pytest

from codenl.sandbox import landlock
from codenl.sandbox.limits import Limits
from codenl.sandbox.pool import Sandbox, SandboxConfig
from tests.test_sandbox_hostile import assert_no_stray

LIMITS = Limits(cpu_s=1, wall_s=6, memory_mb=256, file_mb=8, open_files=64)


def only(*layers: str) -> SandboxConfig:
    return SandboxConfig(limits=LIMITS, enable=layers, require=layers)


def probe(kind: str, **kw: object) -> str:
    """A program that tries one thing and prints ``ok`` or the exception's name."""
    body = {
        "read": "open('/etc/hostname').read()",
        "write_outside": f"open({kw.get('path')!r}, 'w').write('x')",
        "fork": "pid = os.fork()\nif pid == 0:\n    os._exit(0)\nos.waitpid(pid, 0)",
        "socket": "socket.socket()",
        "tcp": f"socket.create_connection(('127.0.0.1', {kw.get('port')}), timeout=2).close()",
        "kill_parent": "os.kill(os.getppid(), 0)",
        "exec": "os.execv('/bin/true', ['true'])",
        "alloc": "bytearray(4 * 1024 ** 3)",
        "big_file": "open('f.bin', 'wb').write(bytes(16 * 1024 * 1024))",
    }[kind]
    indented = "\n".join("    " + line for line in body.splitlines())
    return (
        f"import os, socket\ntry:\n{indented}\n    print('ok')\n"
        "except BaseException as e:\n    print(type(e).__name__)\n"
    )


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    yield sock
    sock.close()


def outcomes(config: SandboxConfig, programs: dict[str, str]) -> dict[str, str]:
    with Sandbox(config, workers=1) as sb:
        assert sb.layers == list(config.enable)
        out = {}
        for name, source in programs.items():
            result = sb.run(source)
            assert result.status == "ok", (name, result)
            assert result.layers == list(config.enable)
            out[name] = result.stdout.strip()
        return out


def test_baseline_without_layers_everything_goes_through(listener, tmp_path):
    target = tmp_path / "outside.txt"
    got = outcomes(
        only(),
        {
            "read": probe("read"),
            "fork": probe("fork"),
            "socket": probe("socket"),
            "tcp": probe("tcp", port=listener.getsockname()[1]),
            "write_outside": probe("write_outside", path=str(target)),
        },
    )
    assert got == {"read": "ok", "fork": "ok", "socket": "ok", "tcp": "ok", "write_outside": "ok"}
    assert target.exists()


def test_seccomp_alone(listener):
    got = outcomes(
        only("seccomp"),
        {
            "fork": probe("fork"),
            "socket": probe("socket"),
            "kill_parent": probe("kill_parent"),
            "exec": probe("exec"),
            "read": probe("read"),
        },
    )
    assert got == {
        "fork": "PermissionError",
        "socket": "PermissionError",
        "kill_parent": "PermissionError",
        "exec": "PermissionError",
        "read": "ok",
    }


@pytest.mark.skipif(landlock.abi_version() < 6, reason="needs Landlock ABI 6 (TCP and signal scoping)")
def test_landlock_alone(listener, tmp_path):
    target = tmp_path / "outside.txt"
    got = outcomes(
        only("landlock"),
        {
            "read": probe("read"),
            "write_outside": probe("write_outside", path=str(target)),
            "tcp": probe("tcp", port=listener.getsockname()[1]),
            "kill_parent": probe("kill_parent"),
            "exec": probe("exec"),
            "fork": probe("fork"),
        },
    )
    assert got == {
        "read": "PermissionError",
        "write_outside": "PermissionError",
        "tcp": "PermissionError",
        "kill_parent": "PermissionError",
        "exec": "PermissionError",
        "fork": "ok",
    }
    assert not target.exists()


def test_rlimits_alone():
    with Sandbox(only("rlimits"), workers=1) as sb:
        assert sb.run(probe("alloc")).stdout == "MemoryError\n"
        assert sb.run(probe("big_file")).stdout == "OSError\n"  # EFBIG: Python ignores SIGXFSZ
        busy = sb.run("while True:\n    pass\n")
        assert (busy.status, busy.timeout_kind, busy.signal) == ("timeout", "cpu", signal.SIGXCPU)
        nofile = sb.run("import resource; print(resource.getrlimit(resource.RLIMIT_NOFILE))")
        assert nofile.stdout == "(64, 64)\n"
        assert sb.run(probe("read")).stdout == "ok\n"


def test_bwrap_alone(listener):
    os.environ["CODENL_LAYER_SECRET"] = secret = uuid.uuid4().hex
    try:
        with Sandbox(only("bwrap"), workers=1) as sb:
            assert sb.run(probe("read")).stdout == "FileNotFoundError\n"  # /etc is not there at all
            tcp = sb.run(probe("tcp", port=listener.getsockname()[1])).stdout.strip()
            assert tcp in ("ConnectionRefusedError", "OSError")  # a private loopback: nobody listens there
            ident = sb.run(
                "import os; print(os.getuid(), os.getgid(), len([p for p in os.listdir('/proc') if p.isdigit()]))"
            ).stdout.split()
            assert ident[:2] == ["65534", "65534"] and int(ident[2]) <= 5  # own pid namespace: a handful
            env = sb.run("import os; print(open(f'/proc/{os.getppid()}/environ').read())").stdout
            assert secret not in env
            caps = sb.run("print([l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1])")
            assert caps.stdout == "0000000000000000\n"
            remount = sb.run("import ctypes; print(ctypes.CDLL(None).mount(None, b'/', None, 32, None))")
            assert remount.stdout == "-1\n"
    finally:
        os.environ.pop("CODENL_LAYER_SECRET", None)


def test_hygiene_alone():
    token = "cx" + uuid.uuid4().hex[:10]
    with Sandbox(only("hygiene"), workers=1) as sb:
        state = sb.run(
            "import os\n"
            "print(os.getpgid(0) == os.getpid(), sorted(os.listdir('/proc/self/fd')))\n"
            "print([l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1])\n"
            "print(os.getcwd() == os.environ['HOME'])\n"
        ).stdout.splitlines()
        assert state[0] == "True ['0', '1', '2', '3', '4']"  # 4: the listing's own descriptor
        assert state[1] == "0000000000000000"
        assert state[2] == "True"
        assert sb.run("input()").exception_type == "EOFError"
        # a child left sleeping in the task's process group dies with the task
        left = sb.run(
            "import ctypes, os, time\n"
            f"ctypes.CDLL(None).prctl(15, b'{token}', 0, 0, 0)\n"
            "if os.fork() == 0:\n    time.sleep(30)\n    os._exit(0)\nprint('parent done')\n"
        )
        assert left.stdout == "parent done\n"
        assert_no_stray(token)


def test_cgroups_alone_cap_processes_and_clean_up():
    token = "cx" + uuid.uuid4().hex[:10]
    config = SandboxConfig(limits=LIMITS, enable=("cgroups",), require=("cgroups",), max_pids=24)
    sb = Sandbox(config, workers=1)
    try:
        sb.start()
        result = sb.run(
            "import ctypes, os, time\n"
            f"ctypes.CDLL(None).prctl(15, b'{token}', 0, 0, 0)\n"
            "n = 0\n"
            "for _ in range(100):\n"
            "    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
            "    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n"
            "    n += 1\n"
            "print(n)\n"
        )
        assert result.status == "ok", result
        assert 0 < int(result.stdout) < 24  # pids.max counts the worker and its task too
    finally:
        sb.close()
    assert_no_stray(token)  # the group was emptied when the pool closed


def test_required_layer_missing_refuses_and_degraded_runs(monkeypatch):
    from codenl.sandbox import bwrap, selfcheck
    from codenl.sandbox.selfcheck import SandboxUnavailable

    monkeypatch.setattr(bwrap, "probe", lambda *a, **k: "bwrap not found (test)")
    with pytest.raises(SandboxUnavailable, match="bwrap: bwrap not found"):
        Sandbox(SandboxConfig(limits=LIMITS), workers=1).start()
    with Sandbox(SandboxConfig(limits=LIMITS, allow_degraded=True), workers=1) as sb:
        assert "bwrap" not in sb.layers and {"seccomp", "landlock", "rlimits", "hygiene"} <= set(sb.layers)
        result = sb.run("print(open('/etc/hostname').read())")
        assert result.status == "runtime_error" and "bwrap" not in result.layers
    assert selfcheck.probe_layers(("bwrap",)).available["bwrap"] == "bwrap not found (test)"


def test_probe_layers_reports_this_machine():
    from codenl.sandbox.selfcheck import probe_layers

    report = probe_layers()
    assert report.available["hygiene"] is None and report.available["rlimits"] is None
    assert set(report.available) == {"hygiene", "rlimits", "seccomp", "landlock", "bwrap", "cgroups"}
    assert all(v is None or (isinstance(v, str) and v) for v in report.available.values())


def test_processes_named_sees_a_named_process():
    """The stray-process check itself can fail: it finds a process carrying a token."""
    import subprocess
    import sys

    from tests.test_sandbox_hostile import processes_named

    token = "cx" + uuid.uuid4().hex[:10]
    code = f"import ctypes, time; ctypes.CDLL(None).prctl(15, b'{token}', 0, 0, 0); time.sleep(30)"
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 5
        while not processes_named(token) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert processes_named(token) == [proc.pid]
        with pytest.raises(AssertionError, match="stray"):
            assert_no_stray(token, deadline_s=0.1)
    finally:
        proc.kill()
        proc.wait()
    assert_no_stray(token)
    assert not Path(f"/proc/{proc.pid}/comm").exists() or processes_named(token) == []


def test_self_check_refuses_a_layer_that_is_not_in_force(monkeypatch):
    """A seccomp filter that allows everything is 'applied' but confines nothing: the canary catches it."""
    import struct

    from codenl.sandbox import seccomp
    from codenl.sandbox.selfcheck import SandboxUnavailable

    allow_all = struct.pack("=HBBI", 0x15, 0, 0, seccomp.PID_PLACEHOLDER) + struct.pack("=HBBI", 0x06, 0, 0, 0x7FFF0000)
    monkeypatch.setattr(seccomp, "build_filter", lambda: allow_all)
    with pytest.raises(SandboxUnavailable, match="seccomp is reported active but the self-check program was not"):
        Sandbox(only("seccomp"), workers=1).start()


def test_canary_problems():
    from codenl.sandbox.selfcheck import canary_problems

    good = '{"seccomp": true, "landlock": true, "bwrap": false}\n'
    assert canary_problems(good, ["seccomp", "landlock", "cgroups"]) == []
    assert canary_problems(good, ["bwrap"]) == [
        "bwrap is reported active but the self-check program was not confined by it"
    ]
    assert "no verdict" in canary_problems("", ["seccomp"])[0]
