"""The command line's subcommands: ``python -m codenl NAME`` is the module ``codenl.commands.NAME``.

Each module exposes ``configure(parser)`` (its arguments) and ``run(args) -> int`` (reads the files it is given,
calls the domain modules, writes its outputs); :mod:`codenl.cli` dispatches to them.
"""
