"""bubblewrap: one set of namespaces per worker (user, pid, network, IPC, UTS, cgroup, mount).

The runner is root here and in CI, and the interpreter lives under /root (mode 700).  bubblewrap is run with
``--unshare-user --uid 65534 --gid 65534``: inside, the worker is an unprivileged user with no capabilities
(bubblewrap drops them for a non-zero uid), so it cannot remount anything or gain privileges; started by root
without --uid it would keep every capability inside its namespace.  The new root is an empty tmpfs into which
only these are bound **read-only**: /usr (with the /bin, /lib, /lib64 links), /etc/ld.so.cache, the
interpreter's prefix, the environment's site-packages and the ``codenl`` package, each at its own path; the
directories leading to them (/root, /root/.pyenv, ...) are created by bubblewrap, so the sandbox user can reach
the interpreter without /root being opened to anybody on the host.  /tmp is a fresh size-limited tmpfs that
holds the scratch directories, /proc is the pid namespace's own, /dev a minimal set of devices.

What that gives: no network but a private loopback; no host file but the read-only ones; the runner, its
environment and every host process invisible (pid namespace); ``kill(-1)`` reaches the worker's own namespace
only, which the worker uses to kill everything a task left behind; and the whole namespace dies with the
worker's bwrap (``--die-with-parent``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping

from codenl.sandbox.paths import RuntimePaths

SANDBOX_UID = 65534
TOP_LEVEL_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def bwrap_binary() -> str | None:
    return shutil.which("bwrap")


def _under_usr(path: str) -> bool:
    return path == "/usr" or path.startswith("/usr/")


def bwrap_argv(paths: RuntimePaths, env: Mapping[str, str], *, tmpfs_mb: int = 256, binary: str = "bwrap") -> list[str]:
    """The bwrap command line (without the command to run inside).  Pure apart from reading links in /."""
    argv = [
        binary,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "sandbox",
        "--cap-drop",
        "ALL",
        "--clearenv",
    ]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    # the tmpfs first: a checkout or an environment under /tmp (CI clones anywhere) is bound on top of it
    argv += ["--size", str(tmpfs_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    argv += ["--ro-bind", "/usr", "/usr"]
    for link in TOP_LEVEL_LINKS:
        if os.path.islink(link):
            argv += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            argv += ["--ro-bind", link, link]
    argv += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    argv += ["--ro-bind-try", "/etc/localtime", "/etc/localtime"]
    for path in paths.read_only:
        if not _under_usr(path):
            argv += ["--ro-bind", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp"]
    return argv


def probe(binary: str | None = None, timeout: float = 10.0) -> str | None:
    """None when bubblewrap can create the namespaces here, else why not (one line)."""
    binary = binary or bwrap_binary()
    if not binary:
        return "bwrap not found (Debian: apt-get install bubblewrap)"
    argv = [
        binary,
        "--unshare-all",
        "--die-with-parent",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--ro-bind",
        "/usr",
        "/usr",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        "--symlink",
        "usr/bin",
        "/bin",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "/usr/bin/true",
    ]
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap failed to start: {exc}"
    if proc.returncode != 0:
        return f"bwrap cannot create namespaces here: {proc.stderr.decode(errors='replace').strip()[:200]}"
    return None
