"""``python -m codenl plots``: draw the figures from the records and the statistics tables.

Its arguments (``configure``) and its work (``run``) live beside the logic in
:mod:`codenl.analysis.plots`, whose docstring documents the command line.
"""

from codenl.analysis.plots import configure, run

__all__ = ["configure", "run"]
