"""``python -m codenl view``: serve the results browser on 127.0.0.1 (it also opens from the file system).

Its arguments (``configure``) and its work (``run``) live in :mod:`codenl.viewer.serve`.
"""

from codenl.viewer.serve import configure, run

__all__ = ["configure", "run"]
