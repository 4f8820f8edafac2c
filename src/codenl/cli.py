"""Command line: one subcommand per stage (`python -m codenl STAGE --help`).

Subcommand NAME is the module `codenl.commands.NAME` (one module per subcommand, named after it), imported only
when that subcommand runs, so that `python -m codenl generate` does not pay for aiohttp, pandas or seaborn.  A
command module exposes

    configure(parser: argparse.ArgumentParser) -> None   # adds the subcommand's arguments
    run(args: argparse.Namespace) -> int                  # does the work, returns the exit status

and raises `codenl.errors.UsageError` for bad input (printed as one line, exit status 2).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from codenl.errors import CodenlError, UsageError

# name -> (module, one-line help): the module is always codenl.commands.<name> (tests/test_cli.py checks it).
# The order is the order of the data flow.
COMMANDS: dict[str, tuple[str, str]] = {
    "models": ("codenl.commands.models", "list the local models, fetch and verify them into the model cache"),
    "generate": ("codenl.commands.generate", "generate problem instances with exact gold answers"),
    "baselines": ("codenl.commands.baselines", "grade cheap strategies (constants, majority, heuristics) per instance"),
    "plan": ("codenl.commands.plan", "print requests, tokens and cost a config will spend"),
    "check": ("codenl.commands.check", "pre-flight: key accepted, every model id exists"),
    "ask": ("codenl.commands.ask", "send one chat request and print the reply, usage, cost, latency"),
    "query": ("codenl.commands.query", "query a model for one arm over problem shards"),
    "sandbox": ("codenl.commands.sandbox", "run one program in the sandbox, print its result as JSON"),
    "execute": ("codenl.commands.execute", "run every sim program of shards in the sandbox"),
    "grade": ("codenl.commands.grade", "grade all arms of shards into graded records"),
    "aggregate": ("codenl.commands.aggregate", "join graded shards into one Parquet table"),
    "validate": ("codenl.commands.validate", "check counts, coverage and error rates"),
    "stats": ("codenl.commands.stats", "accuracy, CIs, tests and hypothesis verdicts"),
    "plots": ("codenl.commands.plots", "draw the figures"),
    "config": ("codenl.commands.config", "write a run's effective configuration as YAML"),
    "provenance": ("codenl.commands.provenance", "record commit, packages, platform and sandbox layers of a run"),
    "viewer": ("codenl.commands.viewer", "write the static results browser (results/viewer)"),
    "view": ("codenl.commands.view", "serve the results browser on 127.0.0.1"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m codenl", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="STAGE", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if name == only:
            importlib.import_module(module_name).configure(sp)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        return int(module.run(args) or 0)
    except UsageError as exc:
        print(f"codenl {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except CodenlError as exc:
        print(f"codenl {args.command}: {exc}", file=sys.stderr)
        return 1
