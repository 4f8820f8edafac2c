"""Pure parts of the sandbox: classification, the seccomp program patch, rlimits, bwrap's command line,
layer choice, the worker protocol and the task report."""

from __future__ import annotations

import os
import resource
import signal
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codenl.errors import UsageError
from codenl.sandbox import protocol, seccomp
from codenl.sandbox.bwrap import SANDBOX_UID, bwrap_argv
from codenl.sandbox.hygiene import clean_env
from codenl.sandbox.limits import MIB, Limits, rlimit_table
from codenl.sandbox.paths import runtime_paths
from codenl.sandbox.result import STATUSES, classify
from codenl.sandbox.selfcheck import LayerReport, SandboxUnavailable, choose_layers
from codenl.sandbox.worker import _parse_report

LIM = Limits(cpu_s=2, wall_s=5)


def facts(**kw):
    base = {
        "exit_code": 0,
        "signal": None,
        "wall_s": 0.1,
        "cpu_s": 0.05,
        "peak_rss_kb": 1000,
        "timed_out_wall": False,
        "output_exceeded": False,
        "stdout": "x\n",
        "stderr_tail": "",
        "layers": ["seccomp"],
        "setup_error": None,
        "exception_type": None,
        "exception_message": None,
    }
    base.update(kw)
    return base


@pytest.mark.parametrize(
    ("kw", "status", "kind"),
    [
        ({}, "ok", None),
        ({"stdout": ""}, "no_output", None),
        # a syntax error is what the trusted channel says before the program ran, never the program's report
        (
            {"exit_code": 1, "syntax_error": {"where": "solution", "type": "SyntaxError", "message": "m"}},
            "syntax_error",
            None,
        ),
        (
            {"exit_code": 1, "syntax_error": {"where": "program", "type": "TabError", "message": "m"}},
            "syntax_error",
            None,
        ),
        ({"exit_code": 1, "exception_type": "SyntaxError", "compiled": True}, "runtime_error", None),
        ({"exit_code": 1, "exception_type": "IndentationError"}, "runtime_error", None),
        (
            {
                "exit_code": 1,
                "exception_type": "ValueError",
                "exception_message": "source code string cannot contain null bytes",
            },
            "runtime_error",
            None,
        ),
        ({"exit_code": 1, "exception_type": "ValueError", "exception_message": "bad"}, "runtime_error", None),
        ({"exit_code": 1, "exception_type": "MemoryError"}, "memory_limit", None),
        ({"exit_code": 3, "exception_type": "SystemExit"}, "runtime_error", None),
        ({"exit_code": None, "signal": signal.SIGSEGV}, "crashed", None),
        ({"exit_code": None, "signal": signal.SIGXCPU, "cpu_s": 2.0}, "timeout", "cpu"),
        ({"exit_code": None, "signal": signal.SIGXCPU, "cpu_s": 0.05}, "crashed", None),  # sent to itself
        ({"exit_code": None, "signal": signal.SIGKILL, "cpu_s": 3.0}, "timeout", "cpu"),
        ({"exit_code": None, "signal": signal.SIGKILL, "cpu_s": 0.2}, "crashed", None),
        ({"exit_code": None, "signal": signal.SIGKILL, "timed_out_wall": True}, "timeout", "wall"),
        ({"exit_code": None, "signal": signal.SIGKILL, "output_exceeded": True}, "output_limit", None),
        ({"setup_error": "landlock failed"}, "sandbox_error", None),
        ({"worker_error": "boom"}, "sandbox_error", None),
        # the wall deadline wins over the output cap and the CPU signal; a sandbox failure over everything
        ({"timed_out_wall": True, "output_exceeded": True, "signal": signal.SIGKILL}, "timeout", "wall"),
        ({"setup_error": "x", "timed_out_wall": True}, "sandbox_error", None),
    ],
)
def test_classify(kw, status, kind):
    result = classify(facts(**kw), LIM)
    assert (result.status, result.timeout_kind) == (status, kind)


@given(
    st.fixed_dictionaries(
        {
            "exit_code": st.one_of(st.none(), st.integers(0, 255)),
            "signal": st.one_of(st.none(), st.sampled_from([signal.SIGKILL, signal.SIGXCPU, signal.SIGSEGV])),
            "cpu_s": st.floats(0, 10),
            "timed_out_wall": st.booleans(),
            "output_exceeded": st.booleans(),
            "stdout": st.text(max_size=3),
            "exception_type": st.sampled_from([None, "SyntaxError", "MemoryError", "E"]),
            "syntax_error": st.sampled_from([None, {"where": "solution", "type": "SyntaxError", "message": ""}]),
        }
    )
)
def test_classify_is_total_and_consistent(kw):
    result = classify(facts(**kw), LIM)
    assert result.status in STATUSES
    assert (result.timeout_kind is not None) == (result.status == "timeout")
    assert result.status != "syntax_error" or kw["syntax_error"]  # never from the program's own report
    assert result.stdout_truncated == kw["output_exceeded"]


def test_seccomp_program_patch_replaces_only_the_placeholder():
    program = seccomp.build_filter()
    assert len(program) % 8 == 0
    patched = seccomp.with_pid(program, 4242)
    assert len(patched) == len(program)
    diffs = [i for i in range(0, len(program), 8) if program[i : i + 8] != patched[i : i + 8]]
    assert diffs
    for i in diffs:
        code, _, _, k = struct.unpack_from("=HBBI", patched, i)
        assert code == 0x15 and k == 4242
        assert struct.unpack_from("=HBBI", program, i)[3] == seccomp.PID_PLACEHOLDER
    with pytest.raises(ValueError):
        seccomp.with_pid(b"\0" * 8, 1)
    with pytest.raises(ValueError):
        seccomp.with_pid(b"\0" * 7, 1)


def test_rlimit_table():
    table = {res: (soft, hard) for res, soft, hard in rlimit_table(Limits(cpu_s=2.5, memory_mb=100), 50 * MIB)}
    assert table[resource.RLIMIT_CPU] == (3, 4)
    assert table[resource.RLIMIT_AS] == (150 * MIB, 150 * MIB)
    assert table[resource.RLIMIT_CORE] == (0, 0)
    assert table[resource.RLIMIT_FSIZE][0] == 64 * MIB


def test_limits_validation_and_default_wall():
    assert Limits(cpu_s=3).wall == 7.0
    assert Limits.from_dict(Limits(cpu_s=1, wall_s=2).to_dict()) == Limits(cpu_s=1, wall_s=2)
    with pytest.raises(UsageError, match="memory_mb"):
        Limits(memory_mb=0)
    with pytest.raises(UsageError, match="cpu_s"):
        Limits(cpu_s=-1)


def test_bwrap_command_line_binds_only_what_the_interpreter_needs():
    paths = runtime_paths()
    argv = bwrap_argv(paths, clean_env(), tmpfs_mb=64)
    assert argv[:2] == ["bwrap", "--unshare-all"]
    assert argv[argv.index("--uid") + 1] == str(SANDBOX_UID) and argv[argv.index("--gid") + 1] == str(SANDBOX_UID)
    assert "--die-with-parent" in argv and "--clearenv" in argv and "--new-session" in argv
    binds = [(argv[i + 1], argv[i + 2]) for i, a in enumerate(argv) if a in ("--bind", "--ro-bind", "--dev-bind")]
    assert all(a != "--bind" and a != "--dev-bind" for a in argv)  # nothing writable from the host
    sources = {src for src, _ in binds}
    assert "/" not in sources and "/root" not in sources and "/etc" not in sources and "/home" not in sources
    assert paths.package_root in sources or paths.package_root.startswith("/usr/")
    for path in paths.read_only:
        assert path in sources or path.startswith("/usr/")
    # no variable of the runner's environment leaks into the command line
    set_env = {argv[i + 1] for i, a in enumerate(argv) if a == "--setenv"}
    assert set_env == set(clean_env())
    assert argv[argv.index("--size") + 1] == str(64 * MIB)
    # the scratch tmpfs is mounted before any bind, so that it cannot hide a checkout that lives under /tmp
    assert argv.index("--tmpfs") < min(i for i, a in enumerate(argv) if a == "--ro-bind")


def test_runtime_paths_come_from_the_running_interpreter():
    import sys

    import codenl

    paths = runtime_paths()
    assert paths.python == os.path.realpath(sys.executable) and os.access(paths.python, os.X_OK)
    assert os.path.realpath(sys.base_prefix) in paths.prefixes
    assert paths.package_root == os.path.dirname(os.path.dirname(os.path.realpath(codenl.__file__)))
    assert paths.sys_path[0] == paths.package_root
    assert any(os.path.isdir(os.path.join(p, "numpy")) for p in paths.site_dirs)


def test_choose_layers():
    report = LayerReport(
        available={
            "hygiene": None,
            "rlimits": None,
            "seccomp": None,
            "landlock": None,
            "bwrap": "no bwrap",
            "cgroups": "read-only",
        }
    )
    all_layers = ("hygiene", "rlimits", "seccomp", "landlock", "bwrap", "cgroups")
    with pytest.raises(SandboxUnavailable, match=r"bwrap: no bwrap.*--allow-degraded"):
        choose_layers(report, all_layers, ("seccomp", "bwrap"), allow_degraded=False)
    assert choose_layers(report, all_layers, ("seccomp", "bwrap"), allow_degraded=True) == [
        "hygiene",
        "rlimits",
        "seccomp",
        "landlock",
    ]
    assert choose_layers(report, ("seccomp",), ("seccomp",), allow_degraded=False) == ["seccomp"]
    with pytest.raises(SandboxUnavailable, match="unknown sandbox layer"):
        choose_layers(report, ("nsjail",), (), allow_degraded=True)


@given(st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(), st.none()), max_size=5))
def test_protocol_round_trip(message):
    r, w = os.pipe()
    try:
        protocol.write_message(w, message)
        assert protocol.read_message(r) == message
    finally:
        os.close(r)
        os.close(w)


def test_protocol_rejects_closed_and_oversized():
    r, w = os.pipe()
    os.write(w, struct.pack(">I", protocol.MAX_MESSAGE + 1))
    with pytest.raises(protocol.ProtocolError, match="too large"):
        protocol.read_message(r)
    os.close(w)
    with pytest.raises(protocol.ProtocolError, match="closed"):
        protocol.read_message(r)
    os.close(r)


def test_task_report_trusts_only_the_setup_channel_for_layers():
    setup = b'{"layers": ["seccomp"]}\n'
    report = b'{"exception_type": "KeyError", "exception_message": "x"}\n'
    assert _parse_report(setup, report)["layers"] == ["seccomp"]
    assert _parse_report(setup, report)["exception_type"] == "KeyError"
    # the program writes only on the report channel: nothing there can make its run a sandbox failure
    forged = b'{"setup_error": "forged"}\n{"layers": ["bwrap"]}\n\xff\xfe\n' + b"[" * 100000 + b"\n"
    parsed = _parse_report(setup, forged)
    assert parsed["setup_error"] is None and parsed["layers"] == ["seccomp"] and parsed["exception_type"] is None
    assert _parse_report(b"")["setup_error"]
    assert _parse_report(b'{"setup_error": "landlock: EINVAL"}\n')["setup_error"] == "landlock: EINVAL"
    # the last well-formed exception line wins (the runner's own comes last); text is bounded and storable
    two = report + b'{"exception_type": "Bad\\udc80", "exception_message": "' + b"m" * 5000 + b'\\ud800"}\n'
    parsed = _parse_report(setup, two)
    assert parsed["exception_type"] == "Bad\ufffd" and len(parsed["exception_message"]) == 1000
    parsed["exception_message"].encode("utf-8")


def test_the_syntax_verdict_comes_from_the_setup_channel_only():
    layers = b'{"layers": ["seccomp"]}\n'
    verdict = b'{"syntax": {"where": "solution", "type": "SyntaxError", "message": "invalid syntax"}}\n'
    parsed = _parse_report(layers + verdict)
    assert parsed["compiled"] is False
    assert parsed["syntax_error"] == {"where": "solution", "type": "SyntaxError", "message": "invalid syntax"}
    parsed = _parse_report(layers + b'{"syntax": null}\n', verdict)  # the program's own line changes nothing
    assert (parsed["compiled"], parsed["syntax_error"]) == (True, None)
    parsed = _parse_report(layers)  # the compiler killed the process: no verdict, and no sandbox failure either
    assert (parsed["compiled"], parsed["syntax_error"], parsed["setup_error"]) == (None, None, None)


ANY_TEXT = st.text(st.characters(exclude_categories=()))  # lone surrogates included


@given(ANY_TEXT, st.one_of(st.none(), ANY_TEXT))
def test_source_framing_round_trips(source, solution):
    from codenl.sandbox.worker import frame_source, unframe_source

    assert unframe_source(frame_source(source, solution)) == (source, solution)


@given(st.binary(max_size=2000), st.binary(max_size=2000))
def test_task_report_never_raises_on_random_bytes(setup, report):
    parsed = _parse_report(setup, report)
    for key in ("setup_error", "exception_type", "exception_message"):
        assert parsed[key] is None or (isinstance(parsed[key], str) and parsed[key].encode("utf-8"))
    parsed = _parse_report(b'{"layers": []}\n', report)
    assert parsed["setup_error"] is None


def test_empty_directory_removes_deep_locked_trees_and_never_follows_links(tmp_path):
    from codenl.sandbox.worker import empty_directory

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    fd = os.open(scratch, os.O_RDONLY)
    try:
        for i in range(3000):  # deeper than the recursion limit, and than PATH_MAX as a path
            os.mkdir("d", dir_fd=fd)
            sub = os.open("d", os.O_RDONLY, dir_fd=fd)
            if i % 500 == 0:
                os.symlink(str(outside), "link", dir_fd=sub)
                os.close(os.open("f", os.O_CREAT | os.O_WRONLY, 0o000, dir_fd=sub))
            os.close(fd)
            fd = sub
    finally:
        os.close(fd)
    (scratch / "d" / "d").chmod(0o500)
    (scratch / "d").chmod(0)
    empty_directory(str(scratch))
    assert os.listdir(scratch) == []
    assert (outside / "keep.txt").read_text() == "x"


def test_package_access_follows_requirements_and_refuses_unknown_names():
    from codenl.sandbox.paths import package_access

    none = package_access(())
    assert none.modules == () and none.read_paths == () and none.list_paths == ()
    scipy = package_access(["scipy"])
    assert {"scipy", "numpy"} <= set(scipy.modules) and "codenl" not in scipy.modules
    assert any(p.endswith(os.sep + "numpy") for p in scipy.read_paths)
    assert not any(p.endswith(os.sep + "networkx") for p in scipy.read_paths)
    with pytest.raises(UsageError, match=r"sandbox\.allowed_packages: 'no-such-dist' is not installed"):
        package_access(["no-such-dist"])
