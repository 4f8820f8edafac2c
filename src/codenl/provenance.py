"""What produced a run's results: the code's commit, the interpreter, the installed packages, the machine, the
sandbox layers and the configuration, gathered into one JSON document (``results/provenance.json``).

The workflow writes it whenever the aggregate table is rebuilt, so it describes the code and environment of the
run that last changed the results; each record also carries the versions of the stages that produced it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

#: the packages whose versions the report shows first (all installed distributions are recorded)
KEY_PACKAGES = (
    "codenl",
    "snakemake",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "pingouin",
    "seaborn",
    "matplotlib",
    "aiohttp",
    "networkx",
    "pulp",
    "llama-cpp-python",
)


def config_sha256(config: Mapping[str, Any]) -> str:
    """sha256 of the configuration as canonical JSON (sorted keys, no spaces, ASCII), the text the Snakefile
    passes to ``python -m codenl config``."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def git_state(repo: str | os.PathLike[str]) -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None, "error": why or None}`` of the checkout at ``repo``.

    ``dirty`` is true when tracked files differ from the commit or untracked files are not ignored."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, timeout=30
        ).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        dirty = bool(git("status", "--porcelain", "--untracked-files=normal").strip())
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        return {"commit": None, "dirty": None, "error": f"not a git checkout: {detail.strip()[:200]}"}
    return {"commit": commit, "dirty": dirty, "error": None}


def packages() -> dict[str, str]:
    """Every installed distribution of this interpreter, name -> version, sorted by name."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(name.lower().replace("_", "-"), dist.version)
    return dict(sorted(found.items()))


def machine() -> dict[str, Any]:
    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def interpreter() -> dict[str, str]:
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
    }


def layers_used(execution_files: Iterable[str | os.PathLike[str]]) -> dict[str, int]:
    """How many programs ran under each set of sandbox layers (``"bwrap,hygiene,..." -> count``), read from the
    execution records' ``layers`` field; records without a run (``no_code``, ``infra_error``) are not counted."""
    from codenl.records import iter_jsonl

    counts: Counter[str] = Counter()
    for path in execution_files:
        if not Path(path).is_file():
            continue
        for _, record in iter_jsonl(path):
            layers = record.get("layers")
            if isinstance(layers, list) and layers:
                counts[",".join(sorted(str(x) for x in layers))] += 1
    return dict(sorted(counts.items()))


def sandbox_layers() -> dict[str, Any]:
    """The layers this machine offers (``present``) and why the others are missing."""
    from codenl.sandbox.selfcheck import probe_layers

    report = probe_layers()
    return {
        "present": report.present,
        "missing": {k: v for k, v in report.available.items() if v is not None},
        "landlock_abi": report.landlock_abi,
    }


def collect(
    config: Mapping[str, Any],
    repo: str | os.PathLike[str],
    execution_files: Iterable[str],
    versions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The provenance document of a run of ``config`` from the checkout at ``repo``."""
    sandbox_cfg = dict(config.get("sandbox", {}))
    return {
        "written_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git": git_state(repo),
        "python": interpreter(),
        "platform": machine(),
        "packages": packages(),
        "sandbox": {
            "mode": sandbox_cfg.get("mode"),
            "allow_degraded": sandbox_cfg.get("allow_degraded"),
            "this_machine": sandbox_layers(),
            "layers_used": layers_used(execution_files),
        },
        "config_sha256": config_sha256(config),
        "stage_versions": dict(versions or {}),
    }


def markdown(prov: Mapping[str, Any]) -> str:
    """The provenance section of the report (pure)."""
    git = prov.get("git", {})
    if git.get("commit"):
        commit = f"`{git['commit']}`" + (" with uncommitted changes (dirty)" if git.get("dirty") else " (clean)")
    else:
        commit = f"unknown ({git.get('error') or 'no git'})"
    py, plat, sb = prov.get("python", {}), prov.get("platform", {}), prov.get("sandbox", {})
    pkgs = prov.get("packages", {})
    key = ", ".join(f"{name} {pkgs[name]}" for name in KEY_PACKAGES if name in pkgs)
    used = sb.get("layers_used") or {}
    used_text = "; ".join(f"{layers} ({n} programs)" for layers, n in used.items()) or "no program ran"
    here = sb.get("this_machine", {})
    lines = [
        "## Provenance",
        "",
        f"- Code: commit {commit}",
        f"- Python {py.get('version', '?')} ({py.get('implementation', '?')}) on {plat.get('platform', '?')}, "
        f"{plat.get('cpus', '?')} CPUs",
        f"- Packages: {key} ({len(pkgs)} installed; all in `provenance.json`)",
        f"- Sandbox: mode {sb.get('mode')}, allow_degraded {sb.get('allow_degraded')}; layers used: {used_text}; "
        f"this machine offers {', '.join(here.get('present', [])) or 'none'}",
        f"- Configuration sha256: `{prov.get('config_sha256', '?')}`",
        f"- Written {prov.get('written_utc', '?')}",
        "",
    ]
    return "\n".join(lines)
