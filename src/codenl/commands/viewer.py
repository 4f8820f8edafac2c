"""``python -m codenl viewer``: write the static results browser (``results/viewer``).

Its arguments (``configure``) and its work (``run``) live beside the logic in :mod:`codenl.viewer.build`, whose
docstring documents the command line and the files it writes.
"""

from codenl.viewer.build import configure, run

__all__ = ["configure", "run"]
