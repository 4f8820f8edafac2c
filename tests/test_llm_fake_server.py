"""The fake server's command line (used by the workflow's end-to-end test) and its arm-aware replies."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.fake_openai import guess_arm, read_log

ROOT = Path(__file__).resolve().parents[1]


def post(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url + "/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.timeout(60)
def test_command_line_serves_logs_follows_the_script_and_stops_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "fake.jsonl"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_openai.py"), "--port", "0", "--log", str(log),
         "--script", "503,ok"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("fake_openai listening on http://127.0.0.1:")
        url = line.split()[-1]
        body = {"model": "m", "messages": [{"role": "user", "content": "Write `solution()`."}], "seed": 4}
        status, err = post(url, body)
        assert status == 503 and err["error"]["code"] == 503
        status, ok = post(url, body)
        assert status == 200
        text = ok["choices"][0]["message"]["content"]
        assert "```python\ndef solution():" in text and text.rstrip().endswith("```")
        assert ok["usage"]["prompt_tokens"] > 0 and ok["usage"]["cost"] > 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    entries = read_log(log)
    assert [e["action"] for e in entries] == ["503", "ok"]
    assert entries[0]["key"] == entries[1]["key"] and entries[0]["params"] == {"seed": 4}


def test_guess_arm_from_the_prompt() -> None:
    assert guess_arm([{"role": "user", "content": "Solve by reasoning in natural language."}]) == "nl"
    sim = "Write a Python function `solution()` ... in one ```python code block."
    assert guess_arm([{"role": "user", "content": sim}]) == "sim"
    shown = "Here is a Python program.\n\n```python\ndef solution():\n    return 1\n```\n"
    assert guess_arm([{"role": "user", "content": shown}]) == "controlsim"
