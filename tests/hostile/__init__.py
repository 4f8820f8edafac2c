"""Hostile (and benign) programs for the sandbox tests, one file each.

Placeholders in a program (``__TOKEN__``, ``__PORT__``, ``__PATH__``, ...) are filled in by :func:`render`.
Every hostile program first renames itself (``prctl(PR_SET_NAME)``) to the test's token, so that the test can
look for stray processes by name on the host afterwards.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

MARK = """\
import ctypes as _c
_c.CDLL(None).prctl(15, b"__TOKEN__", 0, 0, 0)
"""


def render(program_file: str, **values: object) -> str:
    source = (HERE / program_file).read_text()
    source = source.replace("# @mark\n", MARK)
    for key, value in values.items():
        source = source.replace(f"__{key.upper()}__", str(value))
    return source
