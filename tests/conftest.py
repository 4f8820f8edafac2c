"""Shared test fixtures."""

from __future__ import annotations

import os
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


#: tests that skip where the machine lacks what they need (a browser, a SLURM cluster, the local model); in CI
#: (CI=true, whose set-up installs all of it) such a skip would hide a broken install step, so it fails instead
NEEDS_INFRASTRUCTURE = ("browser", "slurm", "local_llm")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        return
    marker = next((m for m in NEEDS_INFRASTRUCTURE if item.get_closest_marker(m) is not None), None)
    if marker is not None:
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        report.longrepr = f"CI=true but this '{marker}' test was skipped: {reason}"
