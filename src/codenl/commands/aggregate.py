"""``python -m codenl aggregate``: join a run's graded shards into one Parquet table.

Its arguments (``configure``) and its work (``run``) live beside the logic in
:mod:`codenl.analysis.aggregate`, whose docstring documents the command line.
"""

from codenl.analysis.aggregate import configure, run

__all__ = ["configure", "run"]
