"""Hostile programs against the full sandbox (every layer this machine offers, all required but cgroups).

Each test asserts the program's result AND the host afterwards: the runner (this process) is alive, the pool
still serves, no process carrying the test's token is left anywhere on the host, and no file appeared outside
the scratch directory.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

from codenl.sandbox.limits import MIB, Limits
from codenl.sandbox.pool import Sandbox, SandboxConfig
from tests.hostile import render

SECRET = "codenl-secret-" + uuid.uuid4().hex
LIMITS = Limits(cpu_s=2, wall_s=4, memory_mb=256, file_mb=16)


@pytest.fixture(scope="module")
def pool():
    os.environ["CODENL_HOSTILE_SECRET"] = SECRET  # in the runner's environment before the workers start
    try:
        # the scientific stack allowed (by default a program imports the standard library only)
        with Sandbox(SandboxConfig(limits=LIMITS, packages=("numpy", "scipy", "networkx", "pulp")), workers=2) as sb:
            yield sb
    finally:
        os.environ.pop("CODENL_HOSTILE_SECRET", None)


@pytest.fixture
def token() -> str:
    return "cx" + uuid.uuid4().hex[:10]


def processes_named(name: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == name:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def assert_no_stray(name: str, deadline_s: float = 4.0) -> None:
    """No process named ``name`` on the host (polled: orphans take 1-2 s to be reaped here)."""
    end = time.monotonic() + deadline_s
    while processes_named(name):
        if time.monotonic() > end:
            raise AssertionError(f"stray processes named {name}: {processes_named(name)}")
        time.sleep(0.05)


def assert_healthy(pool: Sandbox, token: str) -> None:
    assert_no_stray(token)
    check = pool.run("print(6 * 7)")
    assert (check.status, check.stdout) == ("ok", "42\n"), check
    assert len(pool.worker_pids()) == 2


def run(pool: Sandbox, program: str, token: str, limits: Limits = LIMITS, **values: object):
    result = pool.run(render(program, token=token, **values), limits)
    assert result.status != "sandbox_error", result
    assert set(result.layers) >= {"hygiene", "rlimits", "seccomp", "landlock", "bwrap"}, result.layers
    return result


# ---------------------------------------------------------------------------------------------- network


def test_tcp_connect_to_loopback_listener(pool, token):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    try:
        result = run(pool, "tcp_connect.py", token, port=listener.getsockname()[1])
        assert result.status == "runtime_error"
        assert result.exception_type in ("PermissionError", "ConnectionRefusedError", "OSError")
        assert "connected" not in result.stdout
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    assert_healthy(pool, token)


def assert_unix_listener_unreached(pool, token, address: str, program: str, **params) -> None:
    """The program tries to connect to a unix socket the host listens on: it fails and nothing arrives."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    if not address.startswith("\0"):  # a filesystem socket: let the sandbox uid try to connect
        os.chmod(address, 0o777)
    listener.listen(5)
    listener.setblocking(False)
    try:
        result = run(pool, program, token, **params)
        assert result.status == "runtime_error"
        assert "connected" not in result.stdout
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    assert_healthy(pool, token)


def test_filesystem_unix_socket(pool, token, tmp_path):
    path = tmp_path / "host.sock"
    assert_unix_listener_unreached(pool, token, str(path), "unix_fs_socket.py", path=path)


def test_abstract_unix_socket(pool, token):
    name = "codenl-" + token
    assert_unix_listener_unreached(pool, token, "\0" + name, "unix_abstract_socket.py", name=name)


# ---------------------------------------------------------------------------------------------- processes


def test_fork_flood(pool, token):
    result = run(pool, "fork_flood.py", token)
    assert result.status == "ok"
    assert result.stdout == "started 0\n"
    assert_healthy(pool, token)


def test_fork_bomb(pool, token):
    result = run(pool, "fork_bomb.py", token)
    assert result.status == "runtime_error"
    assert result.exception_type == "PermissionError"
    assert_healthy(pool, token)


def test_setsid_daemon(pool, token):
    result = run(pool, "setsid_daemon.py", token)
    assert result.status == "runtime_error"
    assert "daemon started" not in result.stdout
    assert_healthy(pool, token)


def test_subprocess_is_denied(pool, token, tmp_path):
    target = tmp_path / "escaped.txt"
    result = run(pool, "subprocess_run.py", token, path=target)
    assert result.status == "runtime_error"
    assert result.exception_type == "PermissionError"
    assert not target.exists()
    assert_healthy(pool, token)


def test_os_system_is_denied(pool, token, tmp_path):
    target = tmp_path / "escaped.txt"
    result = run(pool, "os_system.py", token, path=target)
    assert result.status == "ok"
    assert result.stdout.startswith("status ") and result.stdout != "status 0\n"
    assert not target.exists()
    assert_healthy(pool, token)


def test_kill_parent(pool, token):
    before = pool.worker_pids()
    result = run(pool, "kill_parent.py", token)
    assert result.status == "runtime_error"
    assert result.exception_type == "PermissionError"
    assert pool.worker_pids() == before  # the worker was not replaced: it was never hit
    assert_healthy(pool, token)


def test_kill_all_beside_another_run(pool, token):
    neighbour: dict[str, object] = {}

    def victim() -> None:
        neighbour["result"] = pool.run(render("neighbour.py", seconds=1.5), LIMITS)

    thread = threading.Thread(target=victim)
    thread.start()
    time.sleep(0.4)  # the neighbour is running on the other worker now
    before = pool.worker_pids()
    result = run(pool, "kill_all.py", token)
    thread.join()
    assert result.status == "runtime_error"
    assert result.exception_type == "PermissionError"
    other = neighbour["result"]
    assert other.status == "ok" and other.stdout == "survived\n", other  # type: ignore[attr-defined]
    assert pool.worker_pids() == before
    assert_healthy(pool, token)


# ---------------------------------------------------------------------------------------------- resources


def test_allocate_10_gb(pool, token):
    result = run(pool, "alloc_10gb.py", token)
    assert result.status == "memory_limit"
    assert result.exception_type == "MemoryError"
    assert_healthy(pool, token)


def test_busy_loop_is_a_cpu_timeout(pool, token):
    limits = Limits(cpu_s=1, wall_s=20, memory_mb=256)  # a wall limit that a loaded machine cannot reach first
    result = run(pool, "busy_loop.py", token, limits)
    assert (result.status, result.timeout_kind) == ("timeout", "cpu")
    assert result.signal == signal.SIGXCPU
    # the kernel's CPU-limit clock and wait4's rusage differ in a VM (seen: SIGXCPU at a reported 0.88 s)
    assert 0.5 <= result.cpu_s < 3
    assert_healthy(pool, token)


def test_ignoring_sigxcpu_still_stops_at_the_hard_limit(pool, token):
    limits = Limits(cpu_s=1, wall_s=20, memory_mb=256)
    result = run(pool, "ignore_sigxcpu.py", token, limits)
    assert (result.status, result.timeout_kind) == ("timeout", "cpu")
    assert result.signal == signal.SIGKILL
    assert result.cpu_s >= 1.0
    assert_healthy(pool, token)


def test_a_cpu_signal_sent_to_itself_is_no_timeout(pool):
    """SIGXCPU is the CPU limit's signal, but a program can send it to itself: that is its own crash."""
    result = pool.run("import os, signal\nos.kill(os.getpid(), signal.SIGXCPU)\n", LIMITS)
    assert (result.status, result.signal, result.timeout_kind) == ("crashed", signal.SIGXCPU, None), result


@pytest.mark.parametrize(
    "escape",
    [
        "signal.signal(signal.SIGXCPU, signal.SIG_IGN)",
        "resource.setrlimit(resource.RLIMIT_CPU, (resource.getrlimit(resource.RLIMIT_CPU)[1],) * 2)",
    ],
)
def test_more_cpu_than_the_limit_is_a_timeout_however_the_program_ends(pool, escape):
    """Ignoring SIGXCPU, or raising its own soft limit to the hard one, buys a program up to a second more: a run
    that used more CPU time than its limit is a CPU timeout even if it then printed an answer."""
    program = f"import resource, signal, time\n{escape}\nwhile time.process_time() < 2.5:\n    pass\nprint('done')\n"
    result = pool.run(program, Limits(cpu_s=2, wall_s=8, memory_mb=256))
    assert (result.status, result.timeout_kind, result.stdout) == ("timeout", "cpu", "done\n"), result


def test_a_program_that_leaves_many_files_gets_its_own_outcome(pool, token):
    """Past a number of files the worker retires instead of removing them one by one (their kernel memory counts
    against the worker's group): the program's result stands, the next program runs on a fresh worker."""
    program = (
        "import os\nfor i in range(25000):\n    os.close(os.open(f'f{i}', os.O_CREAT | os.O_WRONLY))\nprint('made')\n"
    )
    before = set(pool.worker_pids())
    result = pool.run(program, LIMITS)
    assert (result.status, result.stdout) == ("ok", "made\n"), result
    assert_healthy(pool, token)
    assert set(pool.worker_pids()) != before


def test_a_worker_the_out_of_memory_killer_took_is_the_programs_memory_limit(token):
    """When the worker itself dies and its group's out-of-memory count went up during the run, the program
    exhausted the group's memory: its own memory_limit, not a sandbox failure (simulated: the count is raised by
    hand and the worker killed from outside while the program sleeps)."""
    sleeper = f"import ctypes, time\nctypes.CDLL(None).prctl(15, b'{token}', 0, 0, 0)\ntime.sleep(20)\n"
    with Sandbox(SandboxConfig(limits=LIMITS), workers=1) as sb:
        (worker,) = list(sb._workers)
        if worker.group is None:
            pytest.skip("needs the cgroups layer")
        box: dict[str, object] = {}
        thread = threading.Thread(target=lambda: box.update(result=sb.run(sleeper, Limits(cpu_s=2, wall_s=30))))
        thread.start()
        deadline = time.monotonic() + 10
        while not processes_named(token) and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.group.oom_kills = lambda: worker.oom_kills + 1  # type: ignore[method-assign]
        os.killpg(worker.proc.pid, signal.SIGKILL)
        thread.join()
        result = box["result"]
        assert (result.status, result.sandbox_error) == ("memory_limit", None), result
        assert sb.run("print(2)").stdout == "2\n"


def test_oversized_programs_are_their_own_failure(pool, token):
    """Past 8 MiB a program is not run (its JSON-escaped message could outgrow the worker's channel); one that
    does not fit its own memory limit is its memory_limit; neither is a sandbox failure."""
    huge = pool.run("x = 1\n#" + "\x01" * (9 * 1024 * 1024) + "\n")
    assert (huge.status, huge.exception_type, huge.sandbox_error) == ("runtime_error", "ProgramTooLarge", None)
    big = pool.run("x = 1\n#" + "a" * (7 * 1024 * 1024) + "\nprint('ran')\n", Limits(cpu_s=2, memory_mb=16))
    assert (big.status, big.sandbox_error) == ("memory_limit", None), big
    assert_healthy(pool, token)


def test_sleep_forever_is_a_wall_timeout(pool, token):
    limits = Limits(cpu_s=2, wall_s=1.5, memory_mb=256)
    start = time.monotonic()
    result = run(pool, "sleep_forever.py", token, limits)
    assert (result.status, result.timeout_kind) == ("timeout", "wall")
    assert 1.4 <= result.wall_s < 4 and time.monotonic() - start < 6
    assert result.cpu_s < 0.5
    assert_healthy(pool, token)


def test_100_mb_on_stdout(pool, token):
    start = time.monotonic()
    result = run(pool, "big_stdout.py", token)
    assert result.status == "output_limit"
    assert result.stdout_truncated
    assert len(result.stdout) == MIB and set(result.stdout) == {"x"}
    assert time.monotonic() - start < 5  # killed at the cap, not after writing 100 MB
    assert_healthy(pool, token)


def test_1_gb_file_in_scratch(pool, token):
    result = run(pool, "big_file.py", token)
    assert result.status == "runtime_error"
    assert result.exception_type == "OSError" and "File too large" in (result.exception_message or "")
    assert_healthy(pool, token)


# ---------------------------------------------------------------------------------------------- files and secrets


def test_writes_outside_scratch(pool, token, tmp_path):
    home = Path.home() / f"codenl-{token}"
    targets = [
        tmp_path / "escaped.txt",
        Path("/tmp") / f"codenl-{token}",
        Path("/dev/shm") / f"codenl-{token}",
        Path(__file__).resolve().parent / f"codenl-{token}.txt",
        home,
    ]
    result = run(pool, "write_outside.py", token, paths=[str(p) for p in targets])
    assert result.status == "ok"
    assert "written []" in result.stdout
    for target in targets:
        assert not target.exists(), target
    assert_healthy(pool, token)


def test_reads_of_host_files(pool, token, tmp_path):
    gold = tmp_path / "problems.jsonl"
    gold.write_text(f'{{"answer": "{SECRET}"}}\n')
    os.chmod(tmp_path, 0o755)
    os.chmod(gold, 0o644)
    paths = ["/etc/shadow", "/etc/passwd", str(gold), str(Path(__file__).resolve())]
    result = run(pool, "read_file.py", token, paths=paths)
    assert result.status == "ok"
    assert result.stdout.count("denied") == len(paths), result.stdout
    assert SECRET not in result.stdout and "root:" not in result.stdout
    assert_healthy(pool, token)


def test_parent_environment_through_proc(pool, token):
    result = run(pool, "proc_environ.py", token)
    assert SECRET not in result.stdout and SECRET not in result.stderr_tail
    assert "CODENL_HOSTILE_SECRET" not in result.stdout
    assert_healthy(pool, token)


def test_printing_the_environment(pool, token):
    result = run(pool, "print_environ.py", token)
    assert result.status == "ok"
    assert SECRET not in result.stdout
    env = eval(result.stdout)  # a dict literal printed by the program
    assert set(env) <= {
        "PATH",
        "LANG",
        "LC_ALL",
        "HOME",
        "TMPDIR",
        "PYTHONHASHSEED",
        "PYTHONDONTWRITEBYTECODE",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "MALLOC_ARENA_MAX",
        "PWD",
    }
    assert_healthy(pool, token)


def test_remounting_root(pool, token):
    result = run(pool, "remount_root.py", token)
    assert result.status == "ok"
    assert "remount -1" in result.stdout and "remount /usr -1" in result.stdout
    assert "wrote" not in result.stdout
    assert not Path(f"/usr/codenl-{token}").exists() and not Path(f"/{token}").exists()
    assert_healthy(pool, token)


# ---------------------------------------------------------------------------------------------- benign programs


def test_numpy_with_threads(pool):
    result = pool.run(render("numpy_threads.py"))
    assert result.status == "ok", result
    expected = [(k, float(k * 120 * 120)) for k in range(1, 5)]
    assert result.stdout == f"{expected}\n"


def test_syntax_error(pool):
    result = pool.run("def solution(:\n    return 1\n")
    assert result.status == "syntax_error"
    assert result.exception_type == "SyntaxError"


def test_nul_byte_is_a_syntax_error(pool):
    result = pool.run("print(1)\0\n")
    assert result.status == "syntax_error"


def test_segfault_through_ctypes(pool):
    result = pool.run(render("segfault.py"))
    assert result.status == "crashed"
    assert result.signal == signal.SIGSEGV
    assert pool.run("print(1)").status == "ok"


def test_scientific_libraries_import_and_pulp_fails_cleanly(pool):
    result = pool.run(render("libraries.py"), Limits(cpu_s=10, wall_s=20, memory_mb=512))
    assert "shortest 4" in result.stdout and "linprog 2.0" in result.stdout, result
    # CBC is a separate program: "no new processes" denies it, and that is an ordinary runtime error
    assert result.status == "runtime_error", result
    assert result.exception_type is not None


def test_two_runs_of_random_differ(pool):
    first = pool.run(render("random_value.py"))
    second = pool.run(render("random_value.py"))
    assert first.status == second.status == "ok"
    a, b = first.stdout.split(), second.stdout.split()
    assert a[0] != b[0] and a[1] != b[1]


def test_program_exit_codes(pool):
    assert pool.run("import sys; sys.exit(0)").status == "no_output"
    failed = pool.run("import sys; print('x'); sys.exit(3)")
    assert (failed.status, failed.exit_code, failed.exception_type) == ("runtime_error", 3, "SystemExit")
    assert pool.run("input()").exception_type == "EOFError"  # stdin is closed


def test_thread_bomb(pool, token):
    result = run(pool, "thread_bomb.py", token)
    assert result.status == "runtime_error"
    assert result.exception_type == "RuntimeError"  # "can't start new thread"
    assert int(result.stdout.split()[1]) < 1000
    assert_healthy(pool, token)


def test_a_worker_killed_from_outside_is_replaced(pool, token):
    """A worker that dies mid-task (here: killed by the host) gives sandbox_error, never a model failure."""
    victim = {}
    sleeper = f"import ctypes, time\nctypes.CDLL(None).prctl(15, b'{token}', 0, 0, 0)\ntime.sleep(20)\nprint('late')\n"

    def long_run() -> None:
        victim["result"] = pool.run(sleeper, Limits(cpu_s=2, wall_s=30, memory_mb=256))

    before = set(pool.worker_pids())
    thread = threading.Thread(target=long_run)
    thread.start()
    deadline = time.monotonic() + 10
    while not processes_named(token) and time.monotonic() < deadline:
        time.sleep(0.02)
    (pid,) = processes_named(token)
    while pid not in before:  # up from the task to the worker's top process (bwrap) on the host
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        assert pid > 1
    os.killpg(pid, signal.SIGKILL)
    thread.join()
    assert victim["result"].status == "sandbox_error"
    assert "sandbox worker failed" in victim["result"].sandbox_error
    assert_no_stray(token)
    assert pool.run("print(2)").stdout == "2\n"
    assert len(pool.worker_pids()) == 2 and set(pool.worker_pids()) != before


def test_a_sandbox_failure_is_run_again_before_it_is_recorded(pool, token):
    """run_with_retries (what `execute` uses): the first run's worker is killed from outside; the program runs
    again on a fresh worker and its own result is what counts."""
    from codenl.sandbox.pool import run_with_retries

    sleeper = f"import ctypes, time\nctypes.CDLL(None).prctl(15, b'{token}', 0, 0, 0)\ntime.sleep(2)\nprint('done')\n"
    got = {}
    before = set(pool.worker_pids())
    thread = threading.Thread(target=lambda: got.update(zip(("result", "attempts"), run_with_retries(pool, sleeper))))
    thread.start()
    deadline = time.monotonic() + 10
    while not processes_named(token) and time.monotonic() < deadline:
        time.sleep(0.02)
    (pid,) = processes_named(token)
    while pid not in before:
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    os.killpg(pid, signal.SIGKILL)
    thread.join()
    assert (got["result"].status, got["result"].stdout, got["attempts"]) == ("ok", "done\n", 2)
    assert_healthy(pool, token)
