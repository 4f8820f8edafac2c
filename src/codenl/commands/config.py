"""``config``: write the effective configuration of a run (defaults filled in) as YAML, for the record and for
the stages that read it (``validate``, ``aggregate``, ``provenance``).

    python -m codenl config --json '{"models": [...], ...}' --out results/config.yaml

The Snakefile passes the configuration it loaded as canonical JSON; the file is written whole, then renamed.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from codenl.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", required=True, help="the effective configuration as a JSON object")
    parser.add_argument("--out", required=True, help="output YAML file, e.g. results/config.yaml")


def run(args: argparse.Namespace) -> int:
    import yaml

    try:
        config = json.loads(args.json)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--json: not JSON ({exc})") from None
    if not isinstance(config, dict):
        raise UsageError(f"--json: expected a JSON object, got {type(config).__name__}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        yaml.safe_dump(config, fh, sort_keys=False)
    os.replace(tmp, out)
    return 0
