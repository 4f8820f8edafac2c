"""A static results browser: accuracy tables and figures down to one instance's four arms side by side.

:mod:`codenl.viewer.build` writes the site (``python -m codenl viewer``), :mod:`codenl.viewer.jsdata` turns data
into JavaScript files that are safe to load with ``<script src>`` from the file system, and
:mod:`codenl.viewer.serve` serves a built site on loopback (``python -m codenl view``).  The HTML, CSS and
JavaScript of the site are package data under ``assets/``.  Inputs and data files: docs/viewer.md.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: data format of the files under data/ (the page checks it)
FORMAT = 1
#: the page's files, copied from assets/ into the site
ASSETS = ("index.html", "app.js", "style.css")


def _source_version() -> str:
    """Changes with every edit of the builder or the page, so the workflow rebuilds the site after one."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in [here / "build.py", here / "jsdata.py"] + [here / "assets" / name for name in ASSETS]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"viewer/{FORMAT}-{digest.hexdigest()[:8]}"


#: version of the site's code, for the workflow's params (stdlib only: the Snakefile imports it)
VIEWER_VERSION = _source_version()
