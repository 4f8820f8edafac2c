"""The runner side: workers started once (the pool) or once per program (fresh mode), and the API.

    with Sandbox(SandboxConfig(), workers=2) as sb:
        result = sb.run(source)                  # one program -> SandboxResult
        results = sb.map(sources)                # many, over all workers, in input order

Pool mode keeps one worker per core alive with the usual modules (and numpy, when allowed) imported; each task
is a fork of it, made ready while the previous task runs (about 3 ms of CPU in all, 2 ms of latency).  Fresh
mode starts a new worker, which imports nothing in advance, for every program: the same layers, a fresh
interpreter, about 50 ms more.  The two must agree on every program (a differential test).

A worker that dies, hangs past the task's deadline, or sends nonsense is killed (its whole bwrap namespace or
cgroup with it) and replaced; the task gets ``sandbox_error``, which grading treats as an infrastructure error
once :func:`run_with_retries` has tried it again on fresh workers.  A worker that could not clean up after a task
(its scratch directory) retires: the task's own result stands and the next task gets a fresh worker.

What a task may import is ``SandboxConfig.packages`` (distributions; their requirements come with them) beside
the standard library; by default nothing else (:func:`codenl.sandbox.paths.package_access`).  Only modules a
task may import are preloaded.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from codenl.sandbox import bwrap as bwrap_layer
from codenl.sandbox import cgroups, hygiene, protocol
from codenl.sandbox.limits import MIB, Limits
from codenl.sandbox.paths import (
    PackageAccess,
    RuntimePaths,
    package_access,
    runtime_paths,
    system_rules,
    task_rules,
    task_sys_path,
)
from codenl.sandbox.result import MAX_SOURCE_BYTES, SandboxResult, classify, sandbox_failure, too_large
from codenl.sandbox.selfcheck import (
    ALL_LAYERS,
    CANARY,
    DEFAULT_REQUIRED,
    LayerReport,
    SandboxUnavailable,
    canary_problems,
    choose_layers,
    probe_layers,
)
from codenl.sandbox.worker import empty_directory

#: 2: a zygote per worker, the standard library only unless packages are allowed; 3: ``syntax_error`` only when
#: the program or the model's code does not compile (a SyntaxError raised as the program runs is a runtime error)
SANDBOX_VERSION = "sandbox/3"
#: imported once by every pool worker (the harness prelude's modules, and numpy when a task may import it); not
#: ``threading``, whose clean-up after every fork costs a task 0.2 ms (a program that uses it imports it)
DEFAULT_PRELOAD = (
    "typing",
    "bisect",
    "collections",
    "copy",
    "fractions",
    "functools",
    "heapq",
    "itertools",
    "math",
    "operator",
    "random",
    "re",
    "string",
    "json",
    "linecache",
    "types",
    "decimal",
    "traceback",
    "numpy",
)
#: attempts of a program whose run ended in ``sandbox_error`` (each on a worker that is alive or fresh)
SANDBOX_ATTEMPTS = 3
START_TIMEOUT = 60.0
REPLY_GRACE = 10.0  # seconds past a task's wall limit before the worker itself is declared hung


@dataclass(frozen=True)
class SandboxConfig:
    limits: Limits = field(default_factory=Limits)
    enable: tuple[str, ...] = ALL_LAYERS
    require: tuple[str, ...] = DEFAULT_REQUIRED
    allow_degraded: bool = False
    preload: tuple[str, ...] = DEFAULT_PRELOAD
    tmpfs_mb: int = 256
    max_pids: int = 64
    #: distributions a task may import beside the standard library (e.g. ("numpy", "networkx"))
    packages: tuple[str, ...] = ()


_spawn_queue: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
_spawn_thread: threading.Thread | None = None
_spawn_lock = threading.Lock()


def _spawner() -> None:
    while True:
        fn, fut = _spawn_queue.get()
        try:
            fut.set_result(fn())
        except BaseException as exc:
            fut.set_exception(exc)


def spawn(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` (a Popen) in one thread that lives as long as the process.  bwrap's ``--die-with-parent`` is
    the parent-death signal, which Linux sends when the *thread* that forked exits: a worker started from a
    short-lived thread (a thread pool's) would be killed with it."""
    global _spawn_thread
    with _spawn_lock:
        if _spawn_thread is None or not _spawn_thread.is_alive():
            _spawn_thread = threading.Thread(target=_spawner, name="codenl-sandbox-spawner", daemon=True)
            _spawn_thread.start()
    if threading.current_thread() is _spawn_thread:
        return fn()
    fut: Future[Any] = Future()
    _spawn_queue.put((fn, fut))
    return fut.result()


class Worker:
    """One worker process and the channel to it."""

    def __init__(
        self,
        config: SandboxConfig,
        layers: list[str],
        paths: RuntimePaths,
        bpf: bytes | None,
        *,
        once: bool = False,
        access: PackageAccess | None = None,
    ) -> None:
        self.config, self.layers, self.paths, self.bpf, self.once = config, layers, paths, bpf, once
        self.access = access or package_access(config.packages)
        self.proc: subprocess.Popen[bytes] | None = None
        self.group: cgroups.WorkerGroup | None = None
        self.oom_kills = 0  # in its group, when its last task ended
        self.scratch_root: str | None = None
        self.stderr_file: Any = None
        self.pid_inside: int | None = None

    # -- life cycle
    def start(self) -> None:
        use_bwrap = "bwrap" in self.layers
        boot = (
            "import sys; sys.path[:] = " + json.dumps(self.paths.sys_path) + "; "
            "from codenl.sandbox.worker import main; main()"
        )
        command = [self.paths.python, "-I", "-S", "-B", "-c", boot]
        env = hygiene.clean_env("/tmp")
        if use_bwrap:
            argv = (
                bwrap_layer.bwrap_argv(
                    self.paths, env, tmpfs_mb=self.config.tmpfs_mb, binary=bwrap_layer.bwrap_binary() or "bwrap"
                )
                + command
            )
            scratch_root = "/tmp"
            cwd = None
        else:
            self.scratch_root = tempfile.mkdtemp(prefix="codenl-sandbox-")
            os.chmod(self.scratch_root, 0o700)
            env = hygiene.clean_env(self.scratch_root)
            argv, scratch_root, cwd = command, self.scratch_root, self.scratch_root
        if "cgroups" in self.layers:
            memory = (self.config.limits.memory_mb + self.config.tmpfs_mb + 768) * MIB
            self.group = cgroups.create(memory, self.config.max_pids)
        group = self.group
        self.stderr_file = tempfile.TemporaryFile()
        self.proc = spawn(
            lambda: subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr_file,
                env=env,
                cwd=cwd,
                start_new_session=True,
                close_fds=True,
                preexec_fn=group.add_self if group else None,
            )
        )
        allowed = set(self.access.modules)
        preload = [
            m
            for m in self.config.preload
            if m.partition(".")[0] in allowed or m.partition(".")[0] in sys.stdlib_module_names
        ]
        init = {
            "layers": self.layers,
            # what a task may read: its interpreter and packages, and /usr but the Python packages installed there
            "rules": task_rules(self.paths, self.access) + system_rules("/usr"),
            "task_sys_path": task_sys_path(self.paths, self.access),
            "stdlib_path": list(self.paths.stdlib_path),
            "modules": list(self.access.modules),
            "scratch_root": scratch_root,
            "pidns": use_bwrap,
            "seccomp_bpf": base64.b64encode(self.bpf).decode() if self.bpf and "seccomp" in self.layers else None,
            "preload": [] if self.once else preload,
            "once": self.once,
        }
        try:
            self._send(init)
            ready = self._receive(START_TIMEOUT)
        except Exception:
            self.kill()
            raise
        if not ready.get("ready"):
            self.kill()
            raise RuntimeError(f"sandbox worker did not start: {ready}")
        self.pid_inside = ready.get("pid")
        self.preload_errors = ready.get("preload_errors") or {}
        self.oom_kills = self.group.oom_kills() if self.group else 0

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc and self.proc.stdin
        protocol.write_message(self.proc.stdin.fileno(), message)

    def _receive(self, timeout: float) -> dict[str, Any]:
        assert self.proc and self.proc.stdout
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise TimeoutError(f"no answer from the sandbox worker within {timeout:.0f} s")
        return protocol.read_message(fd)

    def stderr_tail(self) -> str:
        if self.stderr_file is None:
            return ""
        try:
            self.stderr_file.seek(0, os.SEEK_END)
            size = self.stderr_file.tell()
            self.stderr_file.seek(max(0, size - 1500))
            return self.stderr_file.read().decode("utf-8", errors="replace").strip()
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """Kill the worker and everything under it (its session; its cgroup; bwrap takes its namespace)."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    if stream:
                        stream.close()
                except OSError:
                    pass
        if self.group is not None:
            self.group.destroy()
            self.group = None
        if self.scratch_root:
            try:
                empty_directory(self.scratch_root)
                os.rmdir(self.scratch_root)
            except OSError:
                shutil.rmtree(self.scratch_root, ignore_errors=True)
            self.scratch_root = None
        if self.stderr_file is not None:
            self.stderr_file.close()
            self.stderr_file = None

    def close(self) -> None:
        if self.alive():
            try:
                self._send({"stop": True})
                assert self.proc is not None
                self.proc.wait(timeout=5)
            except Exception:
                pass
        self.kill()

    # -- one task
    def run(self, source: str, limits: Limits, solution: str | None = None) -> SandboxResult:
        start = time.monotonic()
        if not self.alive():  # never started, or died with an earlier task: start afresh
            self.kill()
            try:
                self.start()
            except Exception as exc:
                return sandbox_failure(
                    f"could not start a sandbox worker: {type(exc).__name__}: {exc}",
                    self.layers,
                    time.monotonic() - start,
                )
        try:
            task = {"id": 0, "source": source, "limits": limits.to_dict()}
            if solution is not None:
                task["solution"] = solution
            self._send(task)
            facts = self._receive(limits.wall + REPLY_GRACE)
        except (OSError, TimeoutError, protocol.ProtocolError) as exc:
            tail = self.stderr_tail()
            oom = self.group is not None and self.group.oom_kills() > self.oom_kills
            self.kill()
            if oom:  # the group's memory ran out during this program (what else it holds is the harness's own few
                # megabytes): the kernel's killer took the worker too, which is the program's doing, not the sandbox's
                return SandboxResult(
                    status="memory_limit",
                    exception_message="the out-of-memory killer ended the worker during this program's run",
                    layers=list(self.layers),
                    wall_s=time.monotonic() - start,
                )
            message = f"sandbox worker failed: {type(exc).__name__}: {exc}"
            return sandbox_failure(
                message + (f"; worker stderr: {tail[-500:]}" if tail else ""), self.layers, time.monotonic() - start
            )
        if self.group:  # the count before this task is the count after the previous one
            oom_kills = self.group.oom_kills()
            if oom_kills > self.oom_kills:
                facts["oom_killed"] = True
            self.oom_kills = oom_kills
        if facts.get("retire"):  # it could not clean up after this task: the next one gets a fresh worker
            self.kill()
        result = classify(facts, limits)
        if facts.get("oom_killed") and result.status in ("crashed", "runtime_error"):
            result.status = "memory_limit"
        return result


class Sandbox:
    """Runs programs under the configured layers; see the module docstring."""

    def __init__(self, config: SandboxConfig | None = None, *, workers: int = 1, mode: str = "pool") -> None:
        if mode not in ("pool", "fresh"):
            raise ValueError(f"mode must be pool or fresh, not {mode!r}")
        self.config = config or SandboxConfig()
        self.mode = mode
        self.n_workers = max(1, int(workers))
        self.report: LayerReport | None = None
        self.layers: list[str] = []
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self._started = False
        self.paths = runtime_paths()
        self.access = package_access(self.config.packages)
        self.bpf: bytes | None = None

    # -- life cycle
    def start(self) -> Sandbox:
        if self._started:
            return self
        self.report = probe_layers(tuple(dict.fromkeys((*self.config.enable, *self.config.require))))
        self.layers = choose_layers(self.report, self.config.enable, self.config.require, self.config.allow_degraded)
        if "seccomp" in self.layers:
            from codenl.sandbox import seccomp

            self.bpf = seccomp.build_filter()
        self._started = True
        try:
            if self.mode == "pool":
                with ThreadPoolExecutor(self.n_workers) as ex:
                    workers = list(ex.map(lambda _: self._new_worker(), range(self.n_workers)))
                for worker in workers:
                    self._idle.put(worker)
        except BaseException:
            self.close()  # the workers that did start
            raise
        self._self_check()
        return self

    def _self_check(self) -> None:
        """Run the canary: every layer reported active must be seen in force, else refuse to run."""
        result = self.run(CANARY, Limits(cpu_s=10, memory_mb=256))
        why = result.sandbox_error or result.stderr_tail[-300:]
        problems = (
            canary_problems(result.stdout, self.layers)
            if result.status == "ok"
            else [f"the self-check program ended with {result.status}: {why}"]
        )
        applied = sorted(layer.split("(")[0] for layer in result.layers)  # "landlock(fs)" on an older kernel
        if applied != sorted(self.layers) and result.status == "ok":
            problems.append(f"layers applied {result.layers} differ from the layers chosen {self.layers}")
        if problems:
            self.close()
            raise SandboxUnavailable("sandbox self-check failed: " + "; ".join(problems))

    def _new_worker(self, once: bool = False) -> Worker:
        worker = Worker(self.config, self.layers, self.paths, self.bpf, once=once, access=self.access)
        worker.start()
        if not once:
            with self._lock:
                self._workers.append(worker)
        return worker

    def close(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.close()
        self._idle = queue.Queue()
        self._started = False

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running
    def run(self, source: str, limits: Limits | None = None, solution: str | None = None) -> SandboxResult:
        """Run one program; never raises for anything the program does.  ``solution``: the model's code that
        ``source`` carries (the harness's program), which must compile for the run to count as free of syntax
        errors (checked before the program runs, on the trusted channel)."""
        if not self._started:
            self.start()
        limits = limits or self.config.limits
        size = len(source.encode("utf-8", "surrogatepass")) + len((solution or "").encode("utf-8", "surrogatepass"))
        if size > MAX_SOURCE_BYTES:
            return too_large(size)
        if self.mode == "fresh":
            try:
                worker = self._new_worker(once=True)
            except Exception as exc:
                return sandbox_failure(f"could not start a sandbox worker: {type(exc).__name__}: {exc}", self.layers)
            try:
                return worker.run(source, limits, solution)
            finally:
                worker.close()
        worker = self._idle.get()
        try:
            return worker.run(source, limits, solution)
        finally:
            if not worker.alive():
                with self._lock:
                    if worker in self._workers:
                        self._workers.remove(worker)
                worker.kill()
                try:
                    worker = self._new_worker()
                except Exception:  # the next task retries the start and reports its failure
                    worker = Worker(self.config, self.layers, self.paths, self.bpf, access=self.access)
                    with self._lock:
                        self._workers.append(worker)
            self._idle.put(worker)

    def map(self, sources: Sequence[str], limits: Limits | None = None) -> list[SandboxResult]:
        """Run many programs over all workers; results in input order."""
        if not self._started:
            self.start()
        threads = self.n_workers if self.mode == "pool" else max(1, self.n_workers)
        with ThreadPoolExecutor(threads) as ex:
            return list(ex.map(lambda s: self.run(s, limits), sources))

    def worker_pids(self) -> list[int]:
        """Host pids of the workers' top processes (bwrap, or the interpreter): for tests and diagnostics."""
        with self._lock:
            return [w.proc.pid for w in self._workers if w.proc is not None]


def run_once(source: str, config: SandboxConfig | None = None, mode: str = "fresh") -> SandboxResult:
    """Run one program in a sandbox started for it."""
    with Sandbox(config, workers=1, mode=mode) as sb:
        return sb.run(source)


def run_with_retries(
    sandbox: Sandbox,
    source: str,
    limits: Limits | None = None,
    attempts: int = SANDBOX_ATTEMPTS,
    solution: str | None = None,
) -> tuple[SandboxResult, int]:
    """Run ``source``; a ``sandbox_error`` (the sandbox's own failure, never the program's) is tried again, up to
    ``attempts`` runs in all.  Returns the last result and the number of runs."""
    result = sandbox.run(source, limits, solution)
    n = 1
    while result.status == "sandbox_error" and n < attempts:
        result = sandbox.run(source, limits, solution)
        n += 1
    return result, n
