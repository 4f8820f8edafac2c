"""The worker: a long-lived process (inside bubblewrap when available) that runs one task at a time.

For each task it forks; the task's process applies the enabled layers (process hygiene, rlimits, Landlock,
seccomp; in that order, and nothing of the program runs before they are all in force), reseeds ``random`` and
``numpy.random`` from the kernel, then compiles and runs the program as ``__main__``.  The worker meanwhile
reads the task's stdout and stderr, kills it when the output cap or the wall deadline is passed, notices its
exit through a pidfd (the pid stays reserved until it is reaped, so the kill of its process group cannot hit a
reused pid), kills what it left behind (its process group; with a pid namespace, every process of the
namespace but the worker), reaps it with ``wait4`` for exit status, CPU time and peak memory, removes the
scratch directory and sends the facts back.  It classifies nothing: :mod:`codenl.sandbox.result` does.

A worker started with ``preload`` imports those modules once (numpy, ...), so that each task's fork has them.
Gold answers never reach a worker: it only ever receives program text.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
from typing import Any

from codenl.sandbox import hygiene, landlock, protocol
from codenl.sandbox import seccomp as seccomp_layer
from codenl.sandbox.limits import Limits, apply_rlimits

REPORT_FD = 3
READ_CHUNK = 65536
STDERR_TAIL = 2048
SETUP_FAILED = 121
#: beside the interpreter's own directories: what any program may read, and the one device it may write
SYSTEM_READ = ("/usr", "/etc/ld.so.cache", "/etc/localtime", "/dev/zero", "/dev/urandom", "/dev/random")
SYSTEM_WRITE = ("/dev/null",)  # exit status of a task whose layers could not be applied (the report says why)


class WorkerState:
    def __init__(self, init: dict[str, Any]) -> None:
        self.layers: list[str] = list(init.get("layers", []))
        self.read_paths: list[str] = list(init.get("read_paths", []))
        self.scratch_root: str = init.get("scratch_root") or tempfile.gettempdir()
        self.pidns: bool = bool(init.get("pidns"))
        bpf = init.get("seccomp_bpf")
        self.bpf: bytes | None = base64.b64decode(bpf) if bpf else None
        self.landlock_abi = landlock.abi_version() if "landlock" in self.layers else 0
        self.preload_errors: dict[str, str] = {}
        for name in init.get("preload", []):
            try:
                importlib.import_module(name)
            except Exception as exc:  # a missing optional module is reported, not fatal
                self.preload_errors[name] = f"{type(exc).__name__}: {exc}"
        np = sys.modules.get("numpy")
        if np is not None:
            np.random.seed(0)  # the first call imports numpy.random's machinery (60 ms): pay it here, once


# ---------------------------------------------------------------------------------------------- task process


def _reseed() -> None:
    import random

    random.seed(os.urandom(32))
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(int.from_bytes(os.urandom(4), "little"))


def _enter_jail(state: WorkerState, limits: Limits, scratch: str) -> list[str]:
    applied = []
    if "hygiene" in state.layers:
        hygiene.drop_capabilities()
        applied.append("hygiene")
    if "rlimits" in state.layers:
        apply_rlimits(limits)
        applied.append("rlimits")
    if "landlock" in state.layers:
        enforced = landlock.restrict([*SYSTEM_READ, *state.read_paths], [scratch, *SYSTEM_WRITE], state.landlock_abi)
        applied.append("landlock" if len(enforced) == 3 else "landlock(" + "+".join(enforced) + ")")
    if "seccomp" in state.layers:
        if state.bpf is None:
            raise RuntimeError("seccomp layer enabled but no filter was sent")
        seccomp_layer.load(seccomp_layer.with_pid(state.bpf, os.getpid()))
        applied.append("seccomp")
    for layer in state.layers:  # launched by the runner: bwrap, cgroups
        if layer not in ("hygiene", "rlimits", "landlock", "seccomp"):
            applied.append(layer)
    return applied


def _report(obj: dict[str, Any]) -> None:
    data = (json.dumps(obj) + "\n").encode()
    try:
        while data:
            data = data[os.write(REPORT_FD, data):]
    except OSError:
        pass


def _task_process(state: WorkerState, task: dict[str, Any], scratch: str, out_w: int, err_w: int,
                  rep_w: int) -> None:
    """Runs in the forked child; never returns."""
    code = SETUP_FAILED
    try:
        # descriptors first, always: the program must never reach the runner's channel
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(rep_w, REPORT_FD)
        hygiene.close_other_fds(REPORT_FD)
        if "hygiene" in state.layers:
            os.setpgid(0, 0)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(scratch)
        os.environ["HOME"] = os.environ["TMPDIR"] = scratch
        tempfile.tempdir = None
        sys.stdin = sys.__stdin__ = open(0, "r", closefd=False)
        sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
        sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False,
                                           buffering=1)
        sys.argv = ["program.py"]
        _reseed()
        limits = Limits.from_dict(task["limits"])
        applied = _enter_jail(state, limits, scratch)
        _report({"layers": applied})
    except BaseException as exc:  # noqa: BLE001 - reported, then the process ends
        _report({"setup_error": f"{type(exc).__name__}: {exc}"})
        os._exit(SETUP_FAILED)
    code = _run_program(task["source"])
    os._exit(code)


def _run_program(source: str) -> int:
    main = type(sys)("__main__")
    main.__dict__.update({"__file__": "program.py", "__builtins__": __builtins__})
    sys.modules["__main__"] = main
    code = 0
    try:
        import linecache

        linecache.cache["program.py"] = (len(source), None, source.splitlines(True), "program.py")
        compiled = compile(source, "program.py", "exec", dont_inherit=True)
        exec(compiled, main.__dict__)
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code & 0xFF
        else:
            try:
                print(exc.code, file=sys.stderr)
            except Exception:
                pass
            code = 1
        if code:
            _report({"exception_type": "SystemExit", "exception_message": str(exc.code)[:1000]})
    except BaseException as exc:  # noqa: BLE001 - the program's own failure
        _report({"exception_type": type(exc).__name__, "exception_message": _message(exc)})
        try:
            tb = exc.__traceback__
            traceback.print_exception(type(exc), exc, tb.tb_next if tb is not None else None)  # skip our frame
        except BaseException:  # noqa: BLE001
            pass
        code = 1
    try:
        import threading

        threading._shutdown()  # type: ignore[attr-defined]  # wait for non-daemon threads, like the interpreter
    except BaseException:  # noqa: BLE001
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass
    return code


def _message(exc: BaseException) -> str:
    try:
        return str(exc)[:1000]
    except BaseException:  # noqa: BLE001 - a __str__ that raises
        return "<unprintable>"


# ---------------------------------------------------------------------------------------------- supervision


def _kill_leftovers(pid: int, pidns: bool) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    if pidns:  # everything in the namespace but this worker and the namespace's init
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass


def run_task(state: WorkerState, task: dict[str, Any]) -> dict[str, Any]:
    limits = Limits.from_dict(task["limits"])
    scratch = tempfile.mkdtemp(prefix="task-", dir=state.scratch_root)
    os.chmod(scratch, 0o700)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    rep_r, rep_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the task's process
        try:
            _task_process(state, task, scratch, out_w, err_w, rep_w)
        finally:
            os._exit(SETUP_FAILED)
    for fd in (out_w, err_w, rep_w):
        os.close(fd)
    if "hygiene" in state.layers:
        try:
            os.setpgid(pid, pid)  # also done here, so that the kill below is right even before the child runs
        except OSError:
            pass
    pidfd = os.pidfd_open(pid)
    for fd in (out_r, err_r, rep_r):
        os.set_blocking(fd, False)
    stdout = bytearray()
    stderr_tail = bytearray()
    stderr_total = 0
    report = bytearray()
    cap = limits.output_bytes
    deadline = start + limits.wall
    timed_out = output_exceeded = False
    poller = select.poll()
    for fd in (out_r, err_r, rep_r, pidfd):
        poller.register(fd, select.POLLIN)
    open_fds = {out_r, err_r, rep_r}
    exited = False

    def drain(fd: int, budget: int | None = None) -> bool:
        """Read what is there now; False when the descriptor is at end of file."""
        nonlocal stderr_total, output_exceeded
        while True:
            try:
                chunk = os.read(fd, READ_CHUNK)
            except BlockingIOError:
                return True
            if not chunk:
                return False
            if fd == out_r:
                room = cap - len(stdout)
                stdout.extend(chunk[: max(room, 0)])
                if len(chunk) > room:
                    output_exceeded = True
                    return True
            elif fd == err_r:
                stderr_total += len(chunk)
                stderr_tail.extend(chunk)
                del stderr_tail[:-STDERR_TAIL]
                if stderr_total > cap:
                    output_exceeded = True
                    return True
            elif len(report) < 65536:
                report.extend(chunk)
            if budget is not None:
                budget -= len(chunk)
                if budget <= 0:
                    return True

    while not exited and not output_exceeded:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        for fd, _event in poller.poll(max(1, int(remaining * 1000))):
            if fd == pidfd:
                exited = True
            elif fd in open_fds and not drain(fd):
                poller.unregister(fd)
                open_fds.discard(fd)
            if output_exceeded:
                break
    # the main process has exited (still a zombie: its pid cannot be reused) or is to be killed now
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    _kill_leftovers(pid, state.pidns)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    for fd in list(open_fds):  # what was written before the exit; never wait for end of file
        drain(fd, budget=cap + STDERR_TAIL)
    for fd in (out_r, err_r, rep_r, pidfd):
        os.close(fd)
    shutil.rmtree(scratch, ignore_errors=True)
    facts: dict[str, Any] = {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "wall_s": round(wall, 4),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
        "peak_rss_kb": int(usage.ru_maxrss),
        "timed_out_wall": timed_out,
        "output_exceeded": output_exceeded,
        "stdout": stdout.decode("utf-8", errors="replace"),
        "stderr_tail": stderr_tail.decode("utf-8", errors="replace"),
    }
    facts.update(_parse_report(bytes(report)))
    return facts


def _parse_report(data: bytes) -> dict[str, Any]:
    """The first line comes from the sandbox before the program ran; later lines only carry the exception."""
    out: dict[str, Any] = {"layers": [], "setup_error": None, "exception_type": None, "exception_message": None}
    lines = data.decode("utf-8", errors="replace").splitlines()
    if not lines:
        out["setup_error"] = "the task process reported nothing (it died before its layers were in force)"
        return out
    try:
        first = json.loads(lines[0])
    except ValueError:
        first = {}
    if isinstance(first.get("setup_error"), str):
        out["setup_error"] = first["setup_error"]
        return out
    if not isinstance(first.get("layers"), list):
        out["setup_error"] = "the task process sent no list of layers"
        return out
    out["layers"] = [str(x) for x in first["layers"]]
    for line in lines[1:]:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and "exception_type" in rec:
            out["exception_type"] = str(rec.get("exception_type"))[:200]
            out["exception_message"] = str(rec.get("exception_message"))[:1000]
    return out


def main() -> None:
    """Entry point inside the sandbox: messages on stdin, replies on stdout (moved off fds 0 and 1)."""
    in_fd = os.dup(0)
    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        init = protocol.read_message(in_fd)
    except protocol.ProtocolError:
        return
    state = WorkerState(init)
    protocol.write_message(out_fd, {"ready": True, "pid": os.getpid(), "preload_errors": state.preload_errors,
                                    "landlock_abi": state.landlock_abi})
    once = bool(init.get("once"))
    while True:
        try:
            task = protocol.read_message(in_fd)
        except protocol.ProtocolError:
            return
        if task.get("stop"):
            return
        try:
            reply = run_task(state, task)
        except Exception as exc:  # the worker's own failure: reported as a sandbox error
            reply = {"worker_error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-2000:]}
        reply["id"] = task.get("id")
        protocol.write_message(out_fd, reply)
        if once:
            return
