"""``python -m codenl execute``: run every sim program of shards in the sandbox (one execution record each).

Its arguments (``configure``) and its work (``run``) live beside the logic in
:mod:`codenl.sandbox.execute`, whose docstring documents the command line.
"""

from codenl.sandbox.execute import configure, run

__all__ = ["configure", "run"]
