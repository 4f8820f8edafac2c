"""The worker: a long-lived process (inside bubblewrap when available) that runs one task at a time.

Three kinds of process, so that no task can see anything of another:

* the **worker** talks to the runner, receives each program's source, supervises the task (its pipes, the wall
  deadline and the output cap, the kills) and sends the facts back; it never forks a task itself;
* the **zygote** is forked by the worker once, right after start-up (and the preload of the allowed modules),
  before any task exists.  It only ever receives a task's limits and forks the task's process; it hands the
  parent ends of the task's pipes to the worker (``SCM_RIGHTS``) and closes its own, and it reaps the task when
  the worker asks.  It never holds a program, an output or a value, so the memory a task is forked from holds
  nothing of an earlier task (its frames, ``gc.get_objects()``, raw memory: all the zygote's start-up state);
* the **task** process applies the enabled layers (process hygiene, rlimits, Landlock, seccomp; in that order,
  and nothing of the program runs before they are all in force), reads its source from a pipe the worker
  writes, and runs it as ``__main__``.  It is made before its program exists: the worker keeps one **spare**,
  asked for when a task starts, which waits confined for the next program (see :class:`Zygote`).

Channels of a task (all pipes): stdout (fd 1), stderr (fd 2), a report of the program's exception (fd 3), the
source (read and closed before the program runs) and the **setup report**: the layers in force, written and
closed before the program runs.  Only the setup report is trusted; everything else is the program's output,
read with bounds, and anything unreadable in it is the program's own outcome, never a sandbox failure.

After a task the worker kills what it left behind (its process group; with a pid namespace, every process but
the namespace's init, the worker and the zygote), has the zygote reap it with ``wait4`` (exit status, CPU time,
peak memory) and empties the scratch root (the task's working directory lives in it).  When the scratch root
cannot be emptied, the worker says so in its reply and retires: the pool starts a fresh one (a fresh tmpfs).
It classifies nothing: :mod:`codenl.sandbox.result` does.

What a task can import: the standard library and the allowed distributions only.  Before the program runs,
every module that is neither (``codenl`` itself included) is removed from ``sys.modules``, ``sys.path`` holds
only the standard library and the allowed distributions' site-packages, an import gate refuses other top-level
names, and Landlock (the real barrier) grants reads of nothing else.
"""

from __future__ import annotations

import base64
import fcntl
import gc
import importlib
import json
import os
import re
import select
import signal
import socket
import sys
import time
import traceback
from typing import Any

from codenl.sandbox import hygiene, landlock, protocol
from codenl.sandbox import seccomp as seccomp_layer
from codenl.sandbox.limits import Limits, rlimit_settings, set_rlimits

REPORT_FD = 3
SETUP_FD = 4
SOURCE_FD = 5
RULESET_FD = 6
READ_CHUNK = 65536
STDERR_TAIL = 2048
REPORT_CAP = 65536
SETUP_FAILED = 121
ZYGOTE_TIMEOUT = 30.0
#: longest the worker spends emptying a task's scratch directory before it retires instead
CLEANUP_SECONDS = 2.0
#: past this many entries on the scratch file system the worker retires instead of emptying it (a task can make a
#: million files, whose kernel memory the worker's group pays for until they are gone)
CLEANUP_MAX_ENTRIES = 20_000
#: beside the interpreter's own directories: what any program may read, and the one device it may write
SYSTEM_READ = ("/etc/ld.so.cache", "/etc/localtime", "/dev/zero", "/dev/urandom", "/dev/random")  # and /usr: all
# of it but the Python packages the system installed there (in the rules the runner sends: paths.system_rules)
SYSTEM_WRITE = ("/dev/null",)  # exit status of a task whose layers could not be applied (the report says why)
_ACCESS = {"read": landlock.READ, "list": landlock.LIST, "write": landlock.WRITE}


class WorkerState:
    def __init__(self, init: dict[str, Any]) -> None:
        self.layers: list[str] = list(init.get("layers", []))
        self.rules: list[tuple[str, str]] = [(str(p), str(a)) for p, a in init.get("rules", [])]
        self.task_sys_path: list[str] = [str(p) for p in init.get("task_sys_path", [])]
        self.stdlib_path: list[str] = [str(p) for p in init.get("stdlib_path", [])]
        self.modules: frozenset[str] = frozenset(str(m) for m in init.get("modules", []))
        self.scratch_root: str = init.get("scratch_root") or os.environ.get("TMPDIR") or "/tmp"
        #: every task's working directory (and the only place it may write): emptied after each task
        self.scratch = os.path.join(self.scratch_root, "scratch")
        os.makedirs(self.scratch, mode=0o700, exist_ok=True)
        for path in (self.scratch, self.scratch_root):  # the first task sees what every later one sees
            reset_metadata(path)
        self.pidns: bool = bool(init.get("pidns"))
        self.once: bool = bool(init.get("once"))  # one task, then the worker ends (fresh mode): no spare
        bpf = init.get("seccomp_bpf")
        self.bpf: bytes | None = base64.b64decode(bpf) if bpf else None
        self.bpf_offsets = seccomp_layer.pid_offsets(self.bpf) if self.bpf else ()
        self.landlock_abi = landlock.abi_version() if "landlock" in self.layers else 0
        self.ruleset: int | None = None
        self.ruleset_error: str | None = None
        self.enforced: list[str] = []
        self.caps_error: str | None = None  # why the zygote could not drop its capabilities (then no task runs)
        self.setup_line = b""  # a task's trusted report when every layer is in force (made in the zygote)
        #: a fork request (its bytes) -> the rlimits of the task (made in the zygote)
        self.forks: dict[bytes, list[tuple[int, int, int]]] = {}
        self.preload_errors: dict[str, str] = {}
        for name in init.get("preload", []):
            try:
                importlib.import_module(name)
            except Exception as exc:  # a missing optional module is reported, not fatal
                self.preload_errors[name] = f"{type(exc).__name__}: {exc}"
        np = sys.modules.get("numpy")
        if np is not None:
            np.random.seed(0)  # the first call imports numpy.random's machinery (60 ms): pay it here, once

    def build_ruleset(self) -> None:
        """The Landlock ruleset of every task, made once (in the zygote)."""
        if "landlock" not in self.layers:
            return
        rules = [(p, landlock.READ) for p in SYSTEM_READ] + [(p, _ACCESS[a]) for p, a in self.rules]
        rules += [(self.scratch, landlock.WRITE), *((p, landlock.WRITE) for p in SYSTEM_WRITE)]
        try:
            self.ruleset, self.enforced = landlock.create_ruleset(rules, self.landlock_abi)
        except OSError as exc:
            self.ruleset_error = f"OSError: {exc}"


# ---------------------------------------------------------------------------------------------- task process


def _reseed() -> None:
    """A generator of a task's own (the standard library's ``random`` is reseeded at fork by the interpreter)."""
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(int.from_bytes(os.urandom(4), "little"))


class ImportGate:
    """First on ``sys.meta_path`` of a task: a top-level module that is neither in the standard library nor
    allowed is not found (Landlock denies reading it anyway; this gives the ordinary error)."""

    def __init__(self, allowed: frozenset[str], stdlib_paths: list[str]) -> None:
        self.allowed = allowed
        self.stdlib_paths = stdlib_paths

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        top = name.partition(".")[0]
        if top in self.allowed or top in sys.stdlib_module_names:
            return None
        if "." not in name:  # a module of the standard library's own directories (_sysconfigdata_*, ...)
            from importlib.machinery import PathFinder

            if PathFinder.find_spec(name, self.stdlib_paths) is not None:
                return None
        raise ModuleNotFoundError(f"No module named {top!r} (not available in the sandbox)", name=name)


def _confine_imports(state: WorkerState) -> None:
    keep = state.modules
    for name in list(sys.modules):
        top = name.partition(".")[0]
        if top not in keep and top not in sys.stdlib_module_names and name != "__main__":
            del sys.modules[name]
    sys.path[:] = state.task_sys_path
    sys.path_importer_cache.clear()
    sys.meta_path.insert(0, ImportGate(keep, state.stdlib_path))  # type: ignore[arg-type]
    importlib.invalidate_caches()


def _layer_labels(state: WorkerState) -> list[str]:
    """What a task's setup report says is in force once :func:`_enter_jail` has returned (made in the zygote)."""
    labels = []
    for layer in ("hygiene", "rlimits", "landlock", "seccomp"):
        if layer in state.layers:
            enforced = state.enforced
            full = layer != "landlock" or len(enforced) == 3
            labels.append(layer if full else "landlock(" + "+".join(enforced) + ")")
    # launched by the runner: bwrap, cgroups
    return labels + [x for x in state.layers if x not in ("hygiene", "rlimits", "landlock", "seccomp")]


def _enter_jail(state: WorkerState, rlimits: list[tuple[int, int, int]]) -> None:
    """Apply the task's own layers, or raise.  The zygote has done what is the same for every task: it holds no
    capabilities (the ``hygiene`` layer; a task inherits the empty sets), and it computed ``rlimits``."""
    if state.caps_error is not None:
        raise RuntimeError(f"capabilities could not be dropped: {state.caps_error}")
    if "rlimits" in state.layers:
        set_rlimits(rlimits)
    if "landlock" in state.layers:
        if state.ruleset is None:
            raise RuntimeError(f"landlock ruleset unavailable: {state.ruleset_error}")
        landlock.restrict_self(state.ruleset)
        os.close(state.ruleset)
    if "seccomp" in state.layers:
        if state.bpf is None:
            raise RuntimeError("seccomp layer enabled but no filter was sent")
        seccomp_layer.load(seccomp_layer.with_pid(state.bpf, os.getpid(), state.bpf_offsets))


def _write_all(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data) :]
    except OSError:
        pass


def _report(obj: dict[str, Any]) -> None:
    _write_all(REPORT_FD, (json.dumps(obj) + "\n").encode())


def frame_source(source: str, solution: str | None) -> bytes:
    """What the worker writes into a task's source pipe: a line with the length in bytes of ``solution`` (``-``
    when there is none), ``solution``, then the program (pure)."""
    program = source.encode("utf-8", "surrogatepass")
    if solution is None:
        return b"-\n" + program
    code = solution.encode("utf-8", "surrogatepass")
    return b"%d\n" % len(code) + code + program


def unframe_source(data: bytes) -> tuple[str, str | None]:
    """The program and the model's code back from :func:`frame_source`'s bytes (pure)."""
    head, _, rest = data.partition(b"\n")
    if head == b"-":
        return rest.decode("utf-8", "surrogatepass"), None
    n = int(head)
    return rest[n:].decode("utf-8", "surrogatepass"), rest[:n].decode("utf-8", "surrogatepass")


def _read_source() -> tuple[str, str | None]:
    chunks = []
    while True:
        chunk = os.read(SOURCE_FD, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(SOURCE_FD)
    return unframe_source(b"".join(chunks))


def _compile(source: str, solution: str | None) -> tuple[Any, dict[str, str] | None, BaseException | None]:
    """Compile the program, and the model's code it carries when the task names it (the harness compiles that
    again as it runs).  Returns the program's code object, the syntax verdict (``None``, or where, type and
    message: a ``SyntaxError``, or the ``ValueError`` of a NUL byte), and any other exception of the compiler
    (a recursion or memory error, which is the program's to report as it runs).  Only a syntax error of the
    model's code counts from the second compilation: how deep an expression compiles depends on the recursion
    limit, which the harness raises before it compiles that code itself."""
    try:
        compiled = compile(source, "program.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return None, _syntax("program", exc), exc
    except BaseException as exc:
        return None, None, exc
    if solution is not None:
        try:
            compile(solution, "<solution>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            return None, _syntax("solution", exc), exc
        except BaseException:
            pass  # not a verdict on its syntax: the program compiles it again, under its own limits
    return compiled, None, None


def _syntax(where: str, exc: BaseException) -> dict[str, str]:
    etype = "SyntaxError" if isinstance(exc, ValueError) else _type_name(exc)  # ValueError: a NUL byte (3.11)
    return {"where": where, "type": etype, "message": _message(exc)}


def _task_process(state: WorkerState, rlimits: list[tuple[int, int, int]], fds: dict[str, int]) -> None:
    """Runs in the task's process (a child of the zygote); never returns."""
    try:
        # descriptors first, always: the program must never reach the worker's or the zygote's channels
        fds["devnull"] = os.open(os.devnull, os.O_RDONLY)
        targets = [(0, "devnull"), (1, "out"), (2, "err"), (REPORT_FD, "rep"), (SETUP_FD, "setup"), (SOURCE_FD, "src")]
        if state.ruleset is not None:
            fds["ruleset"] = state.ruleset
            targets.append((RULESET_FD, "ruleset"))
        high = {name: fcntl.fcntl(fds[name], fcntl.F_DUPFD, 100) for _, name in targets}
        for target, name in targets:
            os.dup2(high[name], target)
        hygiene.close_other_fds(targets[-1][0])
        if state.ruleset is not None:
            state.ruleset = RULESET_FD
    except BaseException:
        os._exit(SETUP_FAILED)
    try:  # the out-of-memory killer takes the task first, never its worker or zygote (whose death is no outcome)
        oom = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        try:
            os.write(oom, b"1000")
        finally:
            os.close(oom)
    except OSError:
        pass
    setup_ok = False
    try:
        if "hygiene" in state.layers:
            os.setpgid(0, 0)
        _reseed()
        _enter_jail(state, rlimits)
        # A task's process is made ready before its program exists (the worker keeps one spare: see run_task):
        # it waits here, confined, for its source.  The working directory is entered only then, once the
        # previous task's scratch directory is empty (the same directory, which a confined task cannot replace).
        try:
            source, solution = _read_source()
        except MemoryError:  # a program too large for its own memory limit: its outcome, not the sandbox's
            source, solution = "raise MemoryError('the program is too large for its memory limit')\n", None
        scratch_fd = os.open(state.scratch, os.O_RDONLY | os.O_DIRECTORY)
        os.fchdir(scratch_fd)
        os.close(scratch_fd)
        _write_all(SETUP_FD, state.setup_line)
        setup_ok = True
    except BaseException as exc:
        _write_all(SETUP_FD, (json.dumps({"setup_error": f"{type(exc).__name__}: {exc}"}) + "\n").encode())
    if not setup_ok:
        os._exit(SETUP_FAILED)
    del fds, state
    # Still before the program: whether its source (and the model's code in it) compiles is said on the trusted
    # channel, so that a syntax error is exactly that (never a SyntaxError the program raised or reported as it
    # ran).  A compilation that kills the process (its CPU limit) leaves the layers' line alone: its outcome is
    # the program's, never the sandbox's.
    compiled, syntax, failure = _compile(source, solution)
    _write_all(SETUP_FD, (json.dumps({"syntax": syntax}) + "\n").encode())
    os.close(SETUP_FD)  # from here on, nothing the program does can reach the trusted report
    os._exit(_run_program(source, compiled, failure))


def _run_program(source: str, compiled: Any, failure: BaseException | None) -> int:
    main = type(sys)("__main__")
    main.__dict__.update({"__file__": "program.py", "__builtins__": __builtins__})
    sys.modules["__main__"] = main
    code = 0
    try:
        import linecache

        linecache.cache["program.py"] = (len(source), None, source.splitlines(True), "program.py")
        del source
        if failure is not None:
            raise failure.with_traceback(None)  # the compiler's error, as the interpreter would show it
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
            _report({"exception_type": "SystemExit", "exception_message": _message(exc.code)})
    except BaseException as exc:
        _report({"exception_type": _type_name(exc), "exception_message": _message(exc)})
        try:
            tb = exc.__traceback__
            traceback.print_exception(type(exc), exc, tb.tb_next if tb is not None else None)  # skip our frame
        except BaseException:
            pass
        code = 1
    try:
        threading = sys.modules.get("threading")  # imported (by the program or numpy) if a thread can exist
        if threading is not None:
            threading._shutdown()  # type: ignore[attr-defined]  # wait for non-daemon threads, as at exit
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    return code


def _type_name(exc: BaseException) -> str:
    try:
        return str(type(exc).__name__)[:200]
    except BaseException:
        return "BaseException"


def _message(exc: object) -> str:
    try:
        return str(exc)[:1000]
    except BaseException:
        return "<unprintable>"


# ---------------------------------------------------------------------------------------------- the zygote


def _send(sock: socket.socket, obj: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(obj).encode()
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.sendall(data)


def _task_stdio() -> tuple[Any, Any, Any]:
    """A task's ``sys.stdin``, ``sys.stdout`` and ``sys.stderr``, made once in the zygote (never used there): text
    streams over descriptors 0, 1 and 2 as a task has them, /dev/null and two pipes (made over a pipe here, so
    that they know themselves unseekable), written as UTF-8 with lone surrogates escaped, stderr line-buffered."""
    saved = [os.dup(1), os.dup(2)]
    r, w = os.pipe()
    try:
        os.dup2(w, 1)
        os.dup2(w, 2)
        stdio = (
            open(0, closefd=False),
            open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False),
            open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False, buffering=1),
        )
    finally:
        for fd, old in zip((1, 2), saved, strict=True):
            os.dup2(old, fd)
            os.close(old)
        os.close(r)
        os.close(w)
    return stdio


def _zygote(state: WorkerState, sock: socket.socket) -> None:
    """Fork tasks on request; never returns.  Receives only limits.

    What every task would otherwise redo is done here once: the import confinement (the zygote itself imports
    nothing afterwards: every module it and the task's set-up use is bound already), then a collection and
    ``gc.freeze()``, so that a task's collector never walks (and copies, page by page) the zygote's objects."""
    state.build_ruleset()
    _confine_imports(state)
    if "hygiene" in state.layers:  # no capabilities here, so none in any task (they inherit the empty sets)
        try:
            hygiene.drop_capabilities()
        except OSError as exc:
            state.caps_error = f"OSError: {exc}"
    # what every task's process starts with: made here once, and never used here (the zygote writes nothing)
    sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__ = _task_stdio()
    sys.argv = ["program.py"]
    os.environ["HOME"] = os.environ["TMPDIR"] = state.scratch  # (``tempfile`` is not imported here: it reads this)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # a task's signal dispositions are the interpreter's defaults
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    state.setup_line = (json.dumps({"layers": _layer_labels(state)}) + "\n").encode()
    seccomp_layer.libc()  # resolved once, here, not in every task
    gc.collect()
    gc.freeze()
    keep = {sock.fileno(), *([state.ruleset] if state.ruleset is not None else [])}
    os.closerange(3, min(keep))
    for fd in range(min(keep) + 1, 1024):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            os._exit(0)
        if not data:
            os._exit(0)
        fork = state.forks.get(data)  # the same request for every task with the same limits: parsed once
        if fork is not None:
            _zygote_fork(state, sock, fork)
            continue
        msg = json.loads(data)
        if msg.get("op") == "fork":
            try:  # the rlimits are the same for every task with these limits (the zygote's address space as base)
                fork = state.forks[data] = rlimit_settings(Limits.from_dict(msg["limits"]))
            except Exception as exc:
                _send(sock, {"error": f"fork: {type(exc).__name__}: {exc}"})
                continue
            _zygote_fork(state, sock, fork)
        elif msg.get("op") == "reap":
            try:
                pid, status, usage = os.wait4(int(msg["pid"]), 0)
                cpu = usage.ru_utime + usage.ru_stime
                reply = b'{"pid": %d, "status": %d, "cpu_s": %r, "peak_rss_kb": %d}'
                sock.sendall(reply % (pid, status, cpu, usage.ru_maxrss))
            except OSError as exc:
                _send(sock, {"error": f"wait4: {exc}"})
        else:
            os._exit(0)


def _zygote_fork(state: WorkerState, sock: socket.socket, rlimits: list[tuple[int, int, int]]) -> None:
    try:
        pipes = {name: os.pipe() for name in ("src", "out", "err", "rep", "setup")}
        pid = os.fork()
    except Exception as exc:
        _send(sock, {"error": f"fork: {type(exc).__name__}: {exc}"})
        return
    if pid == 0:  # pragma: no cover - the task's process
        try:
            sock.close()
            child = {"src": pipes["src"][0], **{n: pipes[n][1] for n in ("out", "err", "rep", "setup")}}
            for name, (r, w) in pipes.items():
                os.close(w if name == "src" else r)
            _task_process(state, rlimits, child)
        finally:
            os._exit(SETUP_FAILED)
    parent = [pipes["src"][1], pipes["out"][0], pipes["err"][0], pipes["rep"][0], pipes["setup"][0]]
    try:
        socket.send_fds(sock, [b'{"pid": %d}' % pid], parent)
    finally:
        for r, w in pipes.values():
            os.close(r)
            os.close(w)


# ---------------------------------------------------------------------------------------------- supervision


class TaskProcess:
    """A task's process as the worker holds it: its pid, a pidfd, and the parent ends of its pipes."""

    __slots__ = ("fds", "limits", "pid", "pidfd")

    def __init__(self, pid: int, pidfd: int, fds: list[int], limits: dict[str, Any]) -> None:
        self.pid, self.pidfd = pid, pidfd
        self.fds = fds  # source (write end), stdout, stderr, exception report, setup report
        self.limits = limits  # what it was made with (its rlimits are in force already)

    def exited(self) -> bool:
        return bool(select.select([self.pidfd], [], [], 0)[0])

    def close(self) -> None:
        for fd in (self.pidfd, *self.fds):
            try:
                os.close(fd)
            except OSError:
                pass


class Zygote:
    """The worker's handle on its zygote, and on the spare task process it keeps ready.

    A task's process needs about a millisecond of set-up (its descriptors, the layers) before its program can
    run.  So that a program does not wait for it, the worker asks for the next task's process as soon as a task
    starts (:meth:`prepare`, answered while the task runs) and gives it the next program that comes with the
    same limits (:meth:`take`).  The spare is forked from the zygote, which holds nothing of any task, and it waits
    confined (every layer in force) with no access to any other process; it enters the scratch directory only
    when its program arrives, after the previous task's files are gone.  A spare that died meanwhile, or that
    was made for other limits, is killed and reaped, and a process is forked on the spot instead."""

    def __init__(self, state: WorkerState, close_in_child: tuple[int, ...]) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the zygote
            try:
                parent.close()
                for fd in close_in_child:
                    os.close(fd)
                _zygote(state, child)
            finally:
                os._exit(1)
        child.close()
        self.pid, self.sock = pid, parent
        self.own_group = "hygiene" in state.layers  # each task in a process group of its own
        self.spare: TaskProcess | None = None
        self._pending: dict[str, Any] | None = None  # the limits of a fork asked for and not yet answered
        self._unreaped: list[int] = []  # spares killed and not yet reaped

    def _recv(self, nfds: int = 0) -> tuple[dict[str, Any], list[int]]:
        ready, _, _ = select.select([self.sock], [], [], ZYGOTE_TIMEOUT)
        if not ready:
            raise RuntimeError(f"the zygote did not answer within {ZYGOTE_TIMEOUT:.0f} s")
        data, fds, _flags, _addr = socket.recv_fds(self.sock, 65536, max(nfds, 1))
        if not data:
            raise RuntimeError("the zygote is gone")
        return json.loads(data), list(fds)

    def prepare(self, limits: dict[str, Any]) -> None:
        """Ask for a task process now (the next task's spare); :meth:`take` or :meth:`collect_spare` collect it."""
        self.collect_spare()  # an answer still outstanding is collected first (the zygote answers in order)
        self.sock.sendall(json.dumps({"op": "fork", "limits": limits}).encode())
        self._pending = limits

    def _collect(self) -> TaskProcess | None:
        """The answer to the fork asked for last, if any (the zygote answers in order)."""
        if self._pending is None:
            return None
        made_for, self._pending = self._pending, None
        reply, fds = self._recv(5)
        if "pid" not in reply or len(fds) != 5:
            for fd in fds:
                os.close(fd)
            raise RuntimeError(f"the zygote could not fork: {reply.get('error')}")
        pid = int(reply["pid"])
        if self.own_group:
            try:
                os.setpgid(pid, pid)  # the child does it too; done here, the kill at the end is right either way
            except OSError:
                pass
        for fd in fds:
            os.set_blocking(fd, False)
        return TaskProcess(pid, os.pidfd_open(pid), fds, made_for)

    def collect_spare(self) -> None:
        """Read the answer to the fork asked for last, if any: it becomes the spare."""
        made = self._collect()
        if made is not None:
            if self.spare is not None:  # not in the normal course (one spare is asked for per task): the older
                self._kill(self.spare)  # one goes, and is reaped when no other answer can be outstanding
                self._unreaped.append(self.spare.pid)
            self.spare = made

    def take(self, limits: dict[str, Any]) -> TaskProcess:
        """A process for a task with these limits: the spare when it fits and is alive, else a new one."""
        self.collect_spare()
        while self._unreaped:
            self.reap(self._unreaped.pop())
        spare, self.spare = self.spare, None
        if spare is not None:
            if spare.limits == limits and not spare.exited():
                return spare
            self.discard(spare)
        self.prepare(limits)
        made = self._collect()
        assert made is not None
        return made

    @staticmethod
    def _kill(proc: TaskProcess) -> None:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.close()

    def discard(self, proc: TaskProcess) -> None:
        self._kill(proc)
        self.reap(proc.pid)

    def ask_reap(self, pid: int) -> None:
        """Ask the zygote to reap ``pid`` (an exited or killed process); :meth:`reaped` has the answer."""
        self.sock.sendall(json.dumps({"op": "reap", "pid": pid}).encode())

    def reaped(self, pid: int) -> dict[str, Any]:
        self.collect_spare()  # the answer to a fork asked for before comes first
        reply, _ = self._recv()
        if reply.get("pid") != pid or "status" not in reply:
            raise RuntimeError(f"the zygote could not reap process {pid}: {reply.get('error', reply)}")
        return reply

    def reap(self, pid: int) -> dict[str, Any]:
        self.ask_reap(pid)
        return self.reaped(pid)

    def close(self) -> None:
        """Kill the spare (the zygote itself ends when the worker's end of the socket closes)."""
        try:
            self.collect_spare()
            if self.spare is not None:
                self.discard(self.spare)
        except (OSError, RuntimeError):
            pass
        self.spare = None


def _kill_leftovers(pid: int, pidns: bool, keep: set[int], zygote: int) -> None:
    """Kill the task's process group and, in a pid namespace, every process but ``keep`` and the zygote's
    children (the spare; a task cannot start a process, and one it started anyway would be its own child, or the
    namespace's init's once orphaned, never the zygote's)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    if not pidns:
        return
    for _ in range(50):  # again until nothing is left
        found = False
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) not in keep:
                try:
                    with open(f"/proc/{entry}/stat", "rb") as fh:
                        state, ppid = fh.read().rsplit(b")", 1)[1].split()[:2]
                    if state != b"Z" and int(ppid) != zygote:
                        os.kill(int(entry), signal.SIGKILL)
                        found = True
                except (OSError, IndexError):
                    pass
        if not found:
            return
        time.sleep(0.001)


def empty_directory(path: str, seconds: float | None = None) -> None:
    """Remove everything beneath ``path`` (not ``path`` itself), whatever a program did to it: modes are put
    back, and deep trees are flattened (grandchildren moved up) instead of descended, so that neither the
    recursion limit, nor PATH_MAX, nor the number of open descriptors matters; links are removed, never followed.
    Entries are removed as the listing yields them (what it skips, the next round finds), so that the memory this
    takes does not grow with their number.  Raises OSError if it cannot, and TimeoutError (an OSError) past
    ``seconds``: a worker then retires instead (its whole tmpfs goes with it), so that a million files cannot
    stall the batch."""
    deadline = None if seconds is None else time.monotonic() + seconds

    def in_time() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"emptying {path} took more than {seconds} s")

    top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    serial = 0
    try:
        while True:
            found = False
            with os.scandir(top) as it:
                for entry in it:
                    found = True
                    in_time()
                    name = entry.name
                    if not entry.is_dir(follow_symlinks=False):
                        os.unlink(name, dir_fd=top)
                        continue
                    os.chmod(name, 0o700, dir_fd=top)
                    sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
                    try:
                        with os.scandir(sub) as inner:
                            for child in inner:
                                in_time()
                                if child.is_dir(follow_symlinks=False):
                                    serial += 1
                                    os.rename(child.name, f".codenl-up-{serial}", src_dir_fd=sub, dst_dir_fd=top)
                                else:
                                    os.unlink(child.name, dir_fd=sub)
                    finally:
                        os.close(sub)
                    try:
                        os.rmdir(name, dir_fd=top)
                    except OSError:
                        pass  # emptied in the next round
            if not found:
                return
    finally:
        os.close(top)


FS_IOC_GETFLAGS, FS_IOC_SETFLAGS = 0x80086601, 0x40086602


def reset_metadata(path: str) -> None:
    """What a task could leave on a directory that outlives it besides its entries: extended attributes (ACLs
    included) are removed, inode flags (``chattr``: noatime, ...) cleared and the access and modification times
    set to a fixed value, so that the next task reads nothing from them (seccomp denies setting attributes and
    flags; this also holds without it)."""
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:  # a file system without extended attributes
        names = []
    for name in names:
        os.removexattr(path, name, follow_symlinks=False)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        flags = bytearray(8)
        fcntl.ioctl(fd, FS_IOC_GETFLAGS, flags)
        if any(flags):
            fcntl.ioctl(fd, FS_IOC_SETFLAGS, bytes(8))
    except OSError:  # a file system without inode flags
        pass
    finally:
        os.close(fd)
    os.utime(path, ns=(0, 0), follow_symlinks=False)


def run_task(state: WorkerState, zygote: Zygote, task: dict[str, Any]) -> dict[str, Any]:
    limits = Limits.from_dict(task["limits"])  # checked here: a task's process is made only for valid limits
    wanted = limits.to_dict()
    scratch = state.scratch
    solution = task.get("solution")
    source = memoryview(frame_source(str(task.get("source", "")), None if solution is None else str(solution)))
    del task
    start = time.monotonic()
    proc = zygote.take(wanted)
    if not state.once:
        zygote.prepare(wanted)  # the next task's process, made ready while this one runs
    pid, pidfd = proc.pid, proc.pidfd
    src_w, out_r, err_r, rep_r, setup_r = proc.fds
    stdout = bytearray()
    stderr_tail = bytearray()
    stderr_total = 0
    report = bytearray()
    setup = bytearray()
    cap = limits.output_bytes
    deadline = start + limits.wall
    timed_out = output_exceeded = False
    poller = select.poll()
    for fd in (out_r, err_r, rep_r, pidfd):  # the setup report is read after the exit (written before the program)
        poller.register(fd, select.POLLIN)
    poller.register(src_w, select.POLLOUT)
    open_fds = {out_r, err_r, rep_r}
    src_open = True
    exited = False

    def close_source() -> None:
        nonlocal src_open
        if src_open:
            poller.unregister(src_w)
            os.close(src_w)
            src_open = False

    def drain(fd: int, budget: int | None = None) -> bool:
        """Read what is there now; False when the descriptor is at end of file."""
        nonlocal stderr_total, output_exceeded
        while True:
            try:
                chunk = os.read(fd, READ_CHUNK)
            except BlockingIOError:
                return True
            except OSError:
                return False
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
            elif fd == setup_r:
                if len(setup) < REPORT_CAP:
                    setup.extend(chunk)
            elif len(report) < REPORT_CAP:
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
            elif fd == src_w:
                try:
                    source = source[os.write(src_w, source[:READ_CHUNK]) :]
                except BlockingIOError:
                    pass
                except OSError:  # the task is gone before reading its program: its exit says why
                    source = source[:0]
                if not source:
                    close_source()
            elif fd in open_fds and not drain(fd):
                poller.unregister(fd)
                open_fds.discard(fd)
            if output_exceeded:
                break
    wall = time.monotonic() - start
    close_source()
    # the main process has exited or is to be killed now; the zygote reaps it meanwhile, while its process group
    # (and, in a pid namespace, anything else) is killed here: a group keeps its id for as long as it has members
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    zygote.ask_reap(pid)
    _kill_leftovers(pid, state.pidns, {1, os.getpid(), zygote.pid, pid}, zygote.pid)
    for fd in [*open_fds, setup_r]:  # what was written before the exit; never wait for end of file
        drain(fd, budget=cap + STDERR_TAIL)
    reaped = zygote.reaped(pid)
    status = int(reaped["status"])
    for fd in (out_r, err_r, rep_r, setup_r, pidfd):
        os.close(fd)
    facts: dict[str, Any] = {
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "wall_s": round(wall, 4),
        "cpu_s": round(float(reaped.get("cpu_s", 0.0)), 4),
        "peak_rss_kb": int(reaped.get("peak_rss_kb", 0)),
        "timed_out_wall": timed_out,
        "output_exceeded": output_exceeded,
        "stdout": stdout.decode("utf-8", errors="replace"),
        "stderr_tail": stderr_tail.decode("utf-8", errors="replace"),
    }
    facts.update(_parse_report(bytes(setup), bytes(report)))
    try:
        if state.pidns:  # with bubblewrap the scratch root is a tmpfs of the worker's own: its inode count says
            fs = os.statvfs(state.scratch_root)  # what is left (cheaper to start afresh than to remove so many)
            if fs.f_files - fs.f_ffree > CLEANUP_MAX_ENTRIES:
                raise OSError(f"the program left about {fs.f_files - fs.f_ffree} files and directories")
        os.chmod(scratch, 0o700)
        empty_directory(scratch, CLEANUP_SECONDS)
        for path in (scratch, state.scratch_root):
            reset_metadata(path)
        leftovers = [e for e in os.listdir(state.scratch_root) if e != "scratch"]
        if leftovers:  # only a task without Landlock can write there
            raise OSError(f"{len(leftovers)} entries left in {state.scratch_root}")
    except OSError as exc:
        facts["retire"] = f"the scratch directory could not be emptied: {exc}"
    return facts


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: Any, limit: int) -> str:
    """A bounded string that any JSON writer and Parquet accept (no lone surrogates)."""
    text = value if isinstance(value, str) else repr(value)
    return _SURROGATE.sub("\ufffd", text[:limit])


def _parse_report(setup: bytes, report: bytes = b"") -> dict[str, Any]:
    """``setup``: the trusted lines the task wrote before the program ran: the layers (or why it could not start),
    then whether the program compiled (``syntax``: absent when the compiler killed the process).  ``report``:
    the program's exception, written after it ran; untrusted, so read with bounds, and the last well-formed
    line wins (the runner's own line comes after anything the program wrote)."""
    out: dict[str, Any] = {
        "layers": [],
        "setup_error": None,
        "compiled": None,
        "syntax_error": None,
        "exception_type": None,
        "exception_message": None,
    }
    first, _, second = setup.decode("utf-8", errors="replace").partition("\n")
    try:
        head = json.loads(first) if first else None
    except ValueError:
        head = None
    if not isinstance(head, dict):
        out["setup_error"] = "the task process reported nothing (it died before its layers were in force)"
        return out
    if isinstance(head.get("setup_error"), str):
        out["setup_error"] = _text(head["setup_error"], 1000)
        return out
    if not isinstance(head.get("layers"), list):
        out["setup_error"] = "the task process sent no list of layers"
        return out
    out["layers"] = [_text(x, 100) for x in head["layers"]][:20]
    try:
        verdict = json.loads(second.partition("\n")[0])
    except ValueError:
        verdict = None
    if isinstance(verdict, dict) and "syntax" in verdict:
        syntax = verdict["syntax"]
        out["compiled"] = syntax is None
        if isinstance(syntax, dict):
            out["syntax_error"] = {k: _text(syntax.get(k), 1000) for k in ("where", "type", "message")}
    for line in report[:REPORT_CAP].decode("utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line, parse_constant=lambda _c: None)
        except (ValueError, RecursionError):
            continue
        if isinstance(rec, dict) and isinstance(rec.get("exception_type"), str):
            out["exception_type"] = _text(rec["exception_type"], 200)
            message = rec.get("exception_message")
            out["exception_message"] = _text(message, 1000) if message is not None else None
    return out


def main() -> None:
    """Entry point inside the sandbox: messages on stdin, replies on stdout (moved off fds 0 and 1)."""
    in_fd = os.dup(0)
    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        init = protocol.read_message(in_fd)
    except protocol.ProtocolError:
        return
    state = WorkerState(init)
    zygote = Zygote(state, (in_fd, out_fd))
    protocol.write_message(
        out_fd,
        {"ready": True, "pid": os.getpid(), "preload_errors": state.preload_errors, "landlock_abi": state.landlock_abi},
    )
    del init
    try:
        _serve(state, zygote, in_fd, out_fd)
    finally:
        zygote.close()


def _serve(state: WorkerState, zygote: Zygote, in_fd: int, out_fd: int) -> None:
    """Tasks in, replies out, until the runner says stop, goes away, or the worker must retire."""
    while True:
        try:
            task = protocol.read_message(in_fd)
        except protocol.ProtocolError:
            return
        if task.get("stop"):
            return
        task_id = task.get("id")
        try:
            reply = run_task(state, zygote, task)
        except Exception as exc:  # the worker's own failure: reported as a sandbox error, and it retires
            reply = {
                "worker_error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc()[-2000:],
                "retire": "the worker failed",
            }
        del task
        reply["id"] = task_id
        try:
            protocol.write_message(out_fd, reply)
        except OSError:
            return
        if state.once or reply.get("retire"):
            return
        del reply
