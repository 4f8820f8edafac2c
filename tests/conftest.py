"""Shared test fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: the project environment's interpreter.  Not os.path.realpath(): that resolves the venv's symlink to the base
#: interpreter, which has none of the venv's packages.
PYTHON = sys.executable


@pytest.fixture
def python() -> str:
    return PYTHON
