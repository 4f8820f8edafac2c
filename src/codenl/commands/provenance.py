"""``provenance``: what produced the results (commit, interpreter, packages, platform, sandbox layers, config
hash, stage versions), written as ``results/provenance.json``; the statistics report shows it.

    python -m codenl provenance --configfile results/config.yaml --repo . --out results/provenance.json
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from codenl.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--configfile", required=True, help="the run's effective configuration (results/config.yaml)")
    parser.add_argument("--repo", default=".", help="the checkout whose commit ran the workflow (default: .)")
    parser.add_argument("--results", default="results", help="results directory (for the execution records)")
    parser.add_argument("--out", required=True, help="output JSON file, e.g. results/provenance.json")


def run(args: argparse.Namespace) -> int:
    import yaml

    from codenl import layout, provenance
    from codenl.workflow.versions import stage_versions

    path = Path(args.configfile)
    if not path.is_file():
        raise UsageError(f"--configfile {path}: no such file")
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(config, dict) or not all(k in config for k in ("models", "seeds", "kinds")):
        raise UsageError(f"--configfile {path}: not an effective configuration (models, seeds, kinds)")
    executions = layout.run_shards(config, layout.EXECUTIONS, args.results)
    doc = provenance.collect(config, args.repo, executions, stage_versions(config["kinds"]))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    git = doc["git"]
    print(f"provenance: commit {git['commit'] or 'unknown'}{' (dirty)' if git['dirty'] else ''} -> {out}")
    return 0
