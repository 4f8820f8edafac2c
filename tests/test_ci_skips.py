"""In CI a test that needs installed infrastructure (browser, SLURM, the local model) fails instead of skipping."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PROBE = """
import pytest

@pytest.mark.browser
@pytest.mark.skipif(True, reason="no chromium here")
def test_needs_a_browser():
    pass

@pytest.mark.skipif(True, reason="an ordinary skip")
def test_plain_skip():
    pass
"""


def _run(tmp_path: Path, ci: str) -> str:
    tests = tmp_path / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "__init__.py").write_text("")
    (tests / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (tests / "test_probe.py").write_text(PROBE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    browser: x\n")
    env = {"PATH": "/usr/bin:/bin", "CI": ci}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rEfs", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return out.stdout


def test_infrastructure_skip_fails_in_ci_only(tmp_path: Path) -> None:
    ci = _run(tmp_path, "true")
    # a skipif skips at set-up, so the converted skip is reported as an error: either way the run fails
    assert "1 skipped, 1 error" in ci and "CI=true but this 'browser' test was skipped: no chromium here" in ci
    local = _run(tmp_path, "")
    assert "2 skipped" in local and "failed" not in local
