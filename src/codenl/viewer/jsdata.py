"""Data as JavaScript files that assign into a global: what a page opened from ``file://`` can load.

Chromium does not let a page from the file system ``fetch()`` a JSON file, but it runs ``<script src>`` from the
same directory tree.  Each data file is one statement::

    (window.CODENL_DATA = window.CODENL_DATA || {})["list/m0/add/seed0"] = {...JSON...};

The JSON is untrusted model text: :func:`js_literal` escapes ``<``, ``>``, ``&`` and U+2028/U+2029 as ``\\uXXXX``
inside strings (the only place JSON can hold them), so no ``</script>``, ``<!--`` or line separator reaches the
parser raw, and the value the page reads is identical to the one written.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

GLOBAL = "CODENL_DATA"
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_TABLE = str.maketrans(_ESCAPES)


def _finite(value: Any) -> Any:
    """NaN and infinities (e.g. pandas' missing floats) become null: JSON cannot hold them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def js_literal(value: Any) -> str:
    """``value`` as a JSON text that is also a safe JavaScript expression (see the module docstring)."""
    text = json.dumps(_finite(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.translate(_TABLE)


def js_assignment(key: str, value: Any) -> str:
    """The text of one data file: ``value`` stored under ``key`` in the page's global."""
    return f"(window.{GLOBAL}=window.{GLOBAL}||{{}})[{js_literal(key)}]={js_literal(value)};\n"


def write_js(path: Path, key: str, value: Any) -> int:
    """Write one data file atomically; returns its size in bytes."""
    data = js_assignment(key, value).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return len(data)
