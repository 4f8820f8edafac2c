"""A static results browser: accuracy tables and figures down to one instance's four arms side by side.

:mod:`codenl.viewer.build` writes the site (``python -m codenl viewer``), :mod:`codenl.viewer.jsdata` turns data
into JavaScript files that are safe to load with ``<script src>`` from the file system, and
:mod:`codenl.viewer.serve` serves a built site on loopback (``python -m codenl view``).  The HTML, CSS and
JavaScript of the site are package data under ``assets/``.  Inputs and data files: docs/viewer.md.
"""
