"""Which isolation layers this machine offers, and the refusal to run without the ones the config requires.

Layers (each can be switched on or off on its own, and each has its own test):

``hygiene``  the task's own process group, killed at the end; no inherited descriptors; stdin at end of file;
             a private scratch directory as working directory; no capabilities.  Always available.
``rlimits``  CPU time, address space, file size, open files, processes, no core dumps.  Always available.
``seccomp``  no new processes or programs, no sockets, no signals but to itself, no kernel facilities, no
             System V IPC, no change of scheduling, priority or CPU affinity
             (needs the ``pyseccomp`` package and the system's libseccomp).
``landlock`` reads limited to the interpreter, its packages and /usr; writes to the scratch directory only; no
             TCP; no signal or abstract unix socket outside the task (kernel >= 5.13; TCP from ABI 4, scoping
             from ABI 6).
``bwrap``    one set of namespaces per worker: user (uid 65534, no capabilities), pid, network, IPC, mount
             (only read-only binds of what the interpreter needs), UTS, cgroup (needs ``bwrap`` and user
             namespaces).
``cgroups``  a group per worker with a process and a memory limit (needs a writable cgroup hierarchy).

The environment given to workers never contains the runner's variables (API keys): that is not a layer that
can be switched off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codenl.errors import CodenlError

ALL_LAYERS = ("hygiene", "rlimits", "seccomp", "landlock", "bwrap", "cgroups")
#: required unless the config says otherwise; cgroups are a backstop where the machine allows them
DEFAULT_REQUIRED = ("hygiene", "rlimits", "seccomp", "landlock", "bwrap")


class SandboxUnavailable(CodenlError):
    """A required isolation layer is missing on this machine."""


@dataclass
class LayerReport:
    available: dict[str, str | None] = field(default_factory=dict)  # layer -> None or why it is missing
    landlock_abi: int = 0

    @property
    def present(self) -> list[str]:
        return [name for name in ALL_LAYERS if self.available.get(name) is None]

    def to_dict(self) -> dict[str, object]:
        return {"available": self.available, "present": self.present, "landlock_abi": self.landlock_abi}


def probe_layers(layers: tuple[str, ...] = ALL_LAYERS) -> LayerReport:
    """Look at what this machine offers (a few ms, plus one bwrap start of about 5 ms)."""
    from codenl.sandbox import bwrap, cgroups, landlock, seccomp

    report = LayerReport()
    for name in layers:
        reason: str | None = None
        if name == "seccomp":
            reason = seccomp.available()
            if reason is None:
                try:
                    with open("/proc/self/status") as fh:
                        if "Seccomp:" not in fh.read():
                            reason = "the kernel has no seccomp"
                except OSError as exc:
                    reason = f"cannot read /proc/self/status: {exc}"
        elif name == "landlock":
            report.landlock_abi = landlock.abi_version()
            if report.landlock_abi < 1:
                reason = "Landlock is not enabled in this kernel (needs Linux >= 5.13 with lsm=landlock)"
        elif name == "bwrap":
            reason = bwrap.probe()
        elif name == "cgroups":
            reason = cgroups.probe()
        elif name not in ("hygiene", "rlimits"):
            reason = f"unknown layer {name!r}"
        report.available[name] = reason
    return report


def choose_layers(
    report: LayerReport, enable: tuple[str, ...], require: tuple[str, ...], allow_degraded: bool
) -> list[str]:
    """The layers to use: those of ``enable`` that are present.  Raises when a required one is missing and
    degraded mode is not allowed (pure)."""
    unknown = [name for name in (*enable, *require) if name not in ALL_LAYERS]
    if unknown:
        raise SandboxUnavailable(f"unknown sandbox layer(s) {', '.join(unknown)}; known: {', '.join(ALL_LAYERS)}")
    missing = [name for name in require if report.available.get(name, "not probed") is not None]
    if missing and not allow_degraded:
        why = "; ".join(f"{name}: {report.available.get(name) or 'not enabled'}" for name in missing)
        raise SandboxUnavailable(
            f"sandbox layer(s) required but missing: {why}. Install what is missing (scripts/setup-system.sh), "
            "or accept degraded isolation with --allow-degraded (sandbox.allow_degraded in the config)"
        )
    return [name for name in ALL_LAYERS if name in enable and report.available.get(name) is None]


#: run once when a sandbox starts: each check shows that a layer claimed active is really in force
CANARY = r"""
import json, os, resource, socket
out = {}
try:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    out["seccomp"] = False
except PermissionError:
    out["seccomp"] = True
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
denied = []
for name, call in (("shmget", lambda: libc.shmget(0, 4096, 0o1600)), ("semget", lambda: libc.semget(0, 1, 0o1600)),
                   ("msgget", lambda: libc.msgget(0, 0o1600))):
    ctypes.set_errno(0)
    denied.append(call() == -1 and ctypes.get_errno() == 1)
for call in (lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)), lambda: os.setpriority(os.PRIO_PROCESS, 0, 1),
             lambda: os.setxattr(".", "user.codenl", b"1"), lambda: os.memfd_create("codenl")):
    try:
        call()
        denied.append(False)
    except PermissionError:
        denied.append(True)
out["seccomp"] = out["seccomp"] and all(denied)
try:
    open("/proc/self/status").close()
    out["landlock"] = False
except PermissionError:
    out["landlock"] = True
out["rlimits"] = resource.getrlimit(resource.RLIMIT_CORE) == (0, 0) and \
    resource.getrlimit(resource.RLIMIT_CPU)[0] != resource.RLIM_INFINITY
out["bwrap"] = os.getuid() == 65534 and socket.gethostname() == "sandbox"
out["hygiene"] = os.getpgid(0) == os.getpid()
print(json.dumps(out))
"""


def canary_problems(stdout: str, layers: list[str]) -> list[str]:
    """Layers that claim to be active but that the canary's output shows are not (pure)."""
    import json

    try:
        seen = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return [f"the self-check program printed no verdict: {stdout[-200:]!r}"]
    problems = []
    for layer in layers:
        if layer in seen and seen[layer] is not True:
            problems.append(f"{layer} is reported active but the self-check program was not confined by it")
    return problems
