"""Shared test fixtures."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: the real interpreter of the project's environment (never a pyenv shim)
PYTHON = os.path.realpath(sys.executable)


@pytest.fixture
def python() -> str:
    return PYTHON
