"""``python -m codenl validate``: check a records table against its configuration: counts, coverage, error rates.

Its arguments (``configure``) and its work (``run``) live beside the logic in
:mod:`codenl.analysis.validate`, whose docstring documents the command line.
"""

from codenl.analysis.validate import configure, run

__all__ = ["configure", "run"]
