"""``python -m codenl ask`` against the fake server: a reply, a refused key, an unreachable port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codenl.llm.local import free_port
from tests.fake_openai import FakeServerThread, read_log

PYTHON = sys.executable
KEY = "sk-ask-test-key-987654321"


def ask(*args: str, env_key: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENROUTER_API_KEY", "ASK_KEY")}
    if env_key is not None:
        env["ASK_KEY"] = env_key
    return subprocess.run(
        [PYTHON, "-m", "codenl", "ask", *args], capture_output=True, text=True, timeout=60, env=env, cwd=cwd
    )


@pytest.mark.timeout(60)
def test_ask_prints_reply_usage_cost_and_latency(tmp_path: Path) -> None:
    with FakeServerThread(log_path=tmp_path / "log.jsonl", require_key=KEY) as srv:
        proc = ask("--provider", "openai_compatible", "--base-url", srv.url, "--model", "fake/model",
                   "--api-key-env", "ASK_KEY", "--seed", "3", "What is 2+2?", env_key=KEY, cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert '{"answer": ' in out
    assert "model: fake/model via fake (fake-1)" in out
    assert "tokens: 3 prompt," in out and "cost: $" in out and "latency: " in out and "attempts: 1" in out
    log = read_log(tmp_path / "log.jsonl")
    assert len(log) == 1 and log[0]["params"]["seed"] == 3
    assert KEY not in out + proc.stderr
    assert not (tmp_path / "results").exists()  # the ledger is off


@pytest.mark.timeout(60)
def test_ask_with_a_refused_key_gives_one_line_naming_the_variable(tmp_path: Path) -> None:
    with FakeServerThread(require_key=KEY) as srv:
        proc = ask("--provider", "openai_compatible", "--base-url", srv.url, "--model", "m",
                   "--api-key-env", "ASK_KEY", "hello", env_key="sk-wrong-key-123456789", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "refused the key from ASK_KEY (HTTP 401)" in lines[0]
    assert "sk-wrong-key" not in proc.stderr and proc.stdout == ""


@pytest.mark.timeout(60)
def test_ask_openrouter_reads_the_key_from_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"OPENROUTER_API_KEY='{KEY}'\n")
    with FakeServerThread(require_key=KEY) as srv:
        proc = ask("--provider", "openrouter", "--base-url", srv.url, "--model", "m", "hi", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    missing = ask("--provider", "openrouter", "--model", "m", "hi", cwd=tmp_path / "..")
    assert missing.returncode == 2 and "OPENROUTER_API_KEY" in missing.stderr


@pytest.mark.timeout(60)
def test_ask_to_an_unreachable_port_gives_one_line_and_fails(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    proc = ask("--provider", "openai_compatible", "--base-url", f"http://127.0.0.1:{port}/v1", "--model", "m",
               "--max-attempts", "2", "hello", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "2 attempts failed" in lines[0]
