"""The command-line convention: ``python -m codenl NAME`` is the module ``codenl.commands.NAME``, which exposes
``configure(parser)`` and ``run(args)``; every module of ``codenl.commands`` is a registered subcommand."""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys

import pytest

import codenl.commands
from codenl.cli import COMMANDS, build_parser


def test_every_command_is_its_own_module_under_commands() -> None:
    for name, (module, help_text) in COMMANDS.items():
        assert module == f"codenl.commands.{name}", name
        assert help_text and len(help_text) < 100, name
    modules = {m.name for m in pkgutil.iter_modules(codenl.commands.__path__)}
    assert modules == set(COMMANDS), "a module under codenl/commands/ that is no subcommand, or the reverse"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_configures_its_parser_and_runs(name: str) -> None:
    module = importlib.import_module(COMMANDS[name][0])
    assert callable(module.configure) and callable(module.run)
    parser = build_parser(only=name)
    with pytest.raises(SystemExit) as stop:
        parser.parse_args([name, "--help"])
    assert stop.value.code == 0


def test_help_lists_every_command_in_data_flow_order() -> None:
    out = subprocess.run([sys.executable, "-m", "codenl", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    # a command's own line: four spaces, its name, then its help on the same line or the next
    positions = [re.search(rf"^    {name}(?:\s)", out.stdout, re.M).start() for name in COMMANDS]
    assert positions == sorted(positions)
