"""A single-node SLURM cluster on loopback, for the workflow's cluster test (needs root and Debian's slurm-wlm).

:class:`SlurmCluster` writes a minimal ``slurm.conf`` into a private directory, starts its own ``munged`` (user
munge, private key and socket), ``slurmctld`` and ``slurmd`` on free loopback ports, waits for the node to be
idle, and on exit cancels every job, stops the daemons by their PIDs and removes the directory.  Nothing under /etc is
changed but ``/etc/slurm/slurm.conf``, which must be absent or one of ours (a job's nested ``srun`` finds the
configuration only there: Snakemake's job-step plugin drops ``SLURM_CONF``); it is removed at the end, and a lock
keeps two test clusters from running at once.  Clients also get ``SLURM_CONF`` (:attr:`SlurmCluster.env`).
No accounting daemon runs,
so Snakemake's executor must query ``squeue`` (``--slurm-status-command squeue``), and ``MinJobAge`` keeps
finished jobs visible to it.

    with SlurmCluster() as cluster:
        subprocess.run(["sbatch", "--wrap", "true"], env=cluster.env)

``python tests/slurm_cluster.py`` brings a cluster up, runs one job and tears it down (a smoke test).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

DAEMONS = ("munged", "slurmctld", "slurmd")
ETC_CONF = Path("/etc/slurm/slurm.conf")
MARKER = "# codenl test cluster (tests/slurm_cluster.py): removed when the test ends"


class SlurmUnavailable(RuntimeError):
    """This machine cannot run the test cluster (not root, or the packages are missing)."""


def missing_requirements() -> str | None:
    """Why a cluster cannot be brought up here, or None."""
    if os.geteuid() != 0:
        return "needs root (slurmd runs jobs as their user)"
    for tool in (*DAEMONS, "sbatch", "squeue", "sinfo", "scancel", "runuser"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            return f"{tool} is not installed (scripts/setup-system.sh installs slurm-wlm and munge)"
    if ETC_CONF.exists() and MARKER not in ETC_CONF.read_text(errors="replace"):
        return f"{ETC_CONF} exists and is not a test cluster's: this machine has a real SLURM configuration"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mem_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(int(line.split()[1]) / 1024 * 0.8)
    return 1024


def slurm_conf(root: Path, host: str, cpus: int, mem_mb: int, ctl_port: int, node_port: int, munge_socket: Path) -> str:
    """The text of a minimal single-node slurm.conf whose state, logs and spool live under ``root``."""
    return "\n".join(
        [
            MARKER,
            "ClusterName=codenltest",
            f"SlurmctldHost={host}(127.0.0.1)",
            f"SlurmctldPort={ctl_port}",
            f"SlurmdPort={node_port}",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={munge_socket}",
            "SlurmUser=root",
            "SlurmdUser=root",
            f"StateSaveLocation={root}/state",
            f"SlurmdSpoolDir={root}/spool",
            f"SlurmctldPidFile={root}/slurmctld.pid",
            f"SlurmdPidFile={root}/slurmd.pid",
            f"SlurmctldLogFile={root}/slurmctld.log",
            f"SlurmdLogFile={root}/slurmd.log",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "SchedulerType=sched/backfill",
            "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "ReturnToService=2",
            "MinJobAge=600",
            "SlurmctldTimeout=30",
            "SlurmdTimeout=30",
            f"NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem_mb} State=UNKNOWN",
            f"PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP",
            "",
        ]
    )


class SlurmCluster:
    """A private single-node SLURM cluster that lives as long as the ``with`` block."""

    def __init__(self, start_timeout: float = 60.0) -> None:
        why = missing_requirements()
        if why:
            raise SlurmUnavailable(why)
        self.start_timeout = start_timeout
        self.root = Path(tempfile.mkdtemp(prefix="codenl-slurm-"))
        self.host = socket.gethostname().split(".")[0]
        self.conf = self.root / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._lock_fd: int | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def __enter__(self) -> SlurmCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        ETC_CONF.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(ETC_CONF.parent / ".codenl-test-cluster.lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        for d in ("state", "spool", "munge"):
            (self.root / d).mkdir()
        self.root.chmod(0o755)
        munge_dir = self.root / "munge"
        shutil.chown(munge_dir, "munge", "munge")
        munge_socket = munge_dir / "munge.socket"
        key = munge_dir / "munge.key"  # a private key: this cluster has one node and its own munged
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        shutil.chown(key, "munge", "munge")
        self.conf.write_text(
            slurm_conf(self.root, self.host, os.cpu_count() or 1, _mem_mb(), _free_port(), _free_port(), munge_socket)
        )
        shutil.copyfile(self.conf, ETC_CONF)
        self._spawn(
            "munged",
            [
                "runuser",
                "-u",
                "munge",
                "--",
                "munged",
                "-F",
                f"--socket={munge_socket}",
                f"--key-file={key}",
                f"--pid-file={munge_dir}/munged.pid",
                f"--log-file={munge_dir}/munged.log",
                f"--seed-file={munge_dir}/munged.seed",
            ],
        )
        self._wait(lambda: munge_socket.exists(), "munged did not create its socket")
        self._spawn("slurmctld", ["slurmctld", "-D", "-i", "-f", str(self.conf)])
        self._spawn("slurmd", ["slurmd", "-D", "-f", str(self.conf), "-N", self.host])
        self._wait(lambda: self.node_state() == "idle", "the node did not become idle")

    def stop(self) -> None:
        if self.procs.get("slurmctld") and self.procs["slurmctld"].poll() is None:
            subprocess.run(
                ["scancel", "--full", "--quiet", "--partition=debug"],
                env=self.env,
                capture_output=True,
                timeout=20,
                check=False,
            )
        for name in reversed(DAEMONS):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)
        if self._lock_fd is not None:
            if ETC_CONF.exists() and MARKER in ETC_CONF.read_text(errors="replace"):
                ETC_CONF.unlink()
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- helpers ------------------------------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.root / f"{name}.out", "wb")
        self.procs[name] = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
        )
        log.close()

    def _wait(self, ready: object, message: str) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with status {proc.returncode}: {self.log_tail(name)}")
            if ready():  # type: ignore[operator]
                return
            time.sleep(0.2)
        raise RuntimeError(f"{message} within {self.start_timeout:.0f} s: {self.log_tail()}")

    def node_state(self) -> str:
        out = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], env=self.env, capture_output=True, text=True, timeout=20, check=False
        )
        return out.stdout.strip().rstrip("*")

    def log_tail(self, name: str | None = None, chars: int = 2000) -> str:
        """The end of a daemon's output and log files (all daemons when ``name`` is None), for error messages."""
        parts = []
        for n in [name] if name else list(DAEMONS):
            for path in (self.root / f"{n}.out", self.root / f"{n}.log", self.root / "munge" / f"{n}.log"):
                if path.exists():
                    parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)

    def jobs(self) -> list[str]:
        """Every job the controller knows (finished ones stay for MinJobAge): ``"id state name"`` lines."""
        out = subprocess.run(
            ["squeue", "-h", "-t", "all", "-o", "%i %T %j"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        return [line for line in out.stdout.splitlines() if line.strip()]


if __name__ == "__main__":
    with SlurmCluster() as c:
        print("node:", c.node_state())
        job = subprocess.run(
            ["sbatch", "--parsable", "--wrap", "echo hello from slurm"],
            env=c.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for _ in range(100):
            states = c.jobs()
            if any(s.startswith(job) and "COMPLETED" in s for s in states):
                break
            time.sleep(0.2)
        print("jobs:", c.jobs())
