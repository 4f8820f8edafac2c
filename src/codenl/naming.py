"""Filesystem-safe names for models, kept reversible, in one place.

Model ids contain '/', e.g. ``mistralai/codestral-2508``; paths use the slug ``mistralai--codestral-2508``.
"""

from __future__ import annotations

import re

from codenl.errors import UsageError

_SEP = "--"
_ALLOWED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*$")


def model_slug(model: str) -> str:
    """``org/name`` -> ``org--name``; rejects names that could not be mapped back."""
    if not _ALLOWED.match(model) or _SEP in model or "//" in model or model.endswith("/"):
        raise UsageError(
            f"model id {model!r} cannot be used in paths: use letters, digits and . _ : / @ + -, "
            f"without '{_SEP}' or an empty path segment"
        )
    return model.replace("/", _SEP)


def model_from_slug(slug: str) -> str:
    """Inverse of :func:`model_slug`."""
    if not _SLUG.match(slug):
        raise UsageError(f"{slug!r} is not a model slug")
    return slug.replace(_SEP, "/")
