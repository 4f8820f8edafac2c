"""``python -m codenl query``: ask one model, for one arm, every instance of problem shards.

Its arguments (``configure``) and its work (``run``) live beside the logic in
:mod:`codenl.llm.query`, whose docstring documents the command line.
"""

from codenl.llm.query import configure, run

__all__ = ["configure", "run"]
