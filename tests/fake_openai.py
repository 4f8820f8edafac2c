"""A fake OpenAI-compatible chat server for tests and benchmarks (aiohttp.web), with scripted faults.

It answers ``POST /v1/chat/completions`` (and ``/chat/completions``) with a plausible reply for the arm it
recognises in the prompt, ending with ``{"answer": N}`` where N comes from a hash of the request unless
``--value`` fixes it (``nl``: prose; ``sim``: a python block defining ``solution()`` that returns N, then N;
``controlsim``: the prompt carries code, so a simulation and N), and
``GET /v1/models``.  Every request is logged (one JSON line per request, written when it arrives): its sequence
number, request key (sha256 of model, messages and sampling parameters), the action taken, the number of requests
in flight, and a sha256 of the Authorization header (never the header itself).

Actions (``--script a,b,c`` is consumed in arrival order; then ``--default``; ``--fault-rate R`` replaces an
``ok`` by a random fault from ``--faults`` with probability R, seeded):

=================== ==============================================================================
``ok``              a normal reply after ``--latency`` +- ``--jitter`` seconds
``slow:S``          a normal reply after S seconds (longer than the client's timeout: a timeout)
``429`` ``429:S``   HTTP 429 with ``Retry-After: S`` (default 1)
``NNN``             HTTP NNN with an OpenAI-style error body (400, 401, 402, 403, 404, 408, 422, 500, ...)
``reset``           the connection is closed without a reply
``malformed``       200 with a body that is not JSON
``empty_choices``   200 with ``"choices": []``
``null_content``    200 with ``content: null``, no reasoning, ``finish_reason: "length"``
``reasoning``       200 with ``content: null`` and the text in ``reasoning``
``null_stop``       200 with ``content: null``, no reasoning, ``finish_reason: "stop"`` (a provider fault)
``blank``           200 with ``content: ""``, no reasoning, ``finish_reason: "stop"``
``routed:NAME``     a normal reply whose ``provider`` (OpenRouter's upstream) is NAME
``error_body:NNN``  200 whose body is ``{"error": {"code": NNN, ...}}`` (as OpenRouter sends mid-stream)
=================== ==============================================================================

``--require-key K``: requests whose ``Authorization`` is not ``Bearer K`` get 401.

Command line (the workflow's end-to-end test runs it as a process)::

    python tests/fake_openai.py --port P --log FILE [--script ok,429:1,500] [--latency 0.01] [--fault-rate 0.1]

prints ``fake_openai listening on http://127.0.0.1:P/v1`` once it accepts connections, and stops on SIGTERM/SIGINT.
In tests, :class:`FakeServerThread` runs it in a background thread: ``with FakeServerThread(...) as srv: srv.url``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aiohttp import web

SAMPLING = ("temperature", "top_p", "max_tokens", "seed")
DEFAULT_FAULTS = ("429:0", "500", "502", "503", "reset", "malformed", "empty_choices")


def body_key(body: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of (model, messages, sampling parameters) of a request body."""
    payload = {
        "model": body.get("model"),
        "messages": body.get("messages"),
        "params": {k: body[k] for k in SAMPLING if k in body},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def guess_arm(messages: Any) -> str:
    """``controlsim`` when the prompt shows a program, ``sim`` when it asks for ``solution()``, else ``nl``."""
    text = (
        "\n".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))
        if isinstance(messages, list)
        else ""
    )
    if re.search(r"```[a-zA-Z0-9]*\s*\n[^`]*def solution\(", text):
        return "controlsim"
    if "solution()" in text or "def solution" in text:
        return "sim"
    return "nl"


def reply_text(arm: str, value: int) -> str:
    """A plausible reply for an arm, ending with ``{"answer": value}``."""
    if arm == "sim":
        return (
            "I will write the program.\n\n```python\ndef solution():\n"
            f"    total = {value}\n    return total\n```\n\n"
            f'Simulating: total is set to {value} and returned.\n\n```json\n{{"answer": {value}}}\n```\n'
        )
    if arm == "controlsim":
        return (
            "Simulating the given program step by step: the function computes its value and returns it.\n\n"
            f'```json\n{{"answer": {value}}}\n```\n'
        )
    return f'Let me reason step by step. The result is {value}.\n\n```json\n{{"answer": {value}}}\n```\n'


class FakeOpenAI:
    """The server's state and request handler; see the module docstring."""

    def __init__(
        self,
        *,
        script: Iterable[str] = (),
        default: str = "ok",
        latency: float = 0.0,
        jitter: float = 0.0,
        fault_rate: float = 0.0,
        faults: Iterable[str] = DEFAULT_FAULTS,
        log_path: str | Path | None = None,
        require_key: str | None = None,
        seed: int = 0,
        cost_per_token: float | None = 1e-6,
        value: int | None = None,
    ) -> None:
        self.script: deque[str] = deque(script)
        self.default = default
        self.latency = latency
        self.jitter = jitter
        self.fault_rate = fault_rate
        self.faults = list(faults)
        self.rng = random.Random(seed)
        self.require_key = require_key
        self.cost_per_token = cost_per_token
        self.value = value
        self.log_path = Path(log_path) if log_path else None
        self._log = open(self.log_path, "a", encoding="utf-8") if self.log_path else None
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.count = 0

    def next_action(self) -> str:
        action = self.script.popleft() if self.script else self.default
        if action == "ok" and self.fault_rate > 0 and self.rng.random() < self.fault_rate:
            action = self.rng.choice(self.faults)
        return action

    def _log_request(self, entry: dict[str, Any]) -> None:
        self.requests.append(entry)
        if self._log is not None:
            self._log.write(json.dumps(entry) + "\n")
            self._log.flush()

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for prefix in ("/v1", ""):
            app.router.add_post(prefix + "/chat/completions", self.chat)
            app.router.add_get(prefix + "/models", self.models)
        return app

    async def models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "fake/model", "object": "model"}]})

    async def chat(self, request: web.Request) -> web.StreamResponse:
        self.count += 1
        seq = self.count
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._chat(request, seq)
        finally:
            self.in_flight -= 1

    async def _chat(self, request: web.Request, seq: int) -> web.StreamResponse:
        raw = await request.read()
        auth = request.headers.get("Authorization")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        action = self.next_action()
        if self.require_key is not None and auth != f"Bearer {self.require_key}":
            action = "401"
        entry: dict[str, Any] = {
            "seq": seq,
            "time": time.time(),
            "path": request.path,
            "key": body_key(body) if isinstance(body, dict) else None,
            "model": body.get("model") if isinstance(body, dict) else None,
            "params": {k: body[k] for k in SAMPLING if k in body} if isinstance(body, dict) else None,
            "routing": body.get("provider") if isinstance(body, dict) else None,
            "messages": body.get("messages") if isinstance(body, dict) else None,
            "action": action,
            "in_flight": self.in_flight,
            "auth_sha256": hashlib.sha256(auth.encode()).hexdigest() if auth else None,
        }
        self._log_request(entry)
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return _error(400, "request body must be a JSON object with messages")
        name, _, arg = action.partition(":")
        if name == "ok":
            delay = self.latency + (self.rng.uniform(-self.jitter, self.jitter) if self.jitter else 0.0)
            if delay > 0:
                await asyncio.sleep(delay)
            return web.json_response(self.completion(body))
        if name == "slow":
            await asyncio.sleep(float(arg or 30))
            return web.json_response(self.completion(body))
        if name == "reset":
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("fake reset")
        if name == "malformed":
            return web.Response(status=200, text='{"choices": [{"message": ', content_type="application/json")
        if name == "empty_choices":
            out = self.completion(body)
            out["choices"] = []
            return web.json_response(out)
        if name in ("null_content", "reasoning"):
            out = self.completion(body)
            msg = out["choices"][0]["message"]
            if name == "reasoning":
                msg["reasoning"] = msg["content"]
            else:
                out["choices"][0]["finish_reason"] = "length"
            msg["content"] = None
            return web.json_response(out)
        if name in ("null_stop", "blank"):
            out = self.completion(body)
            out["choices"][0]["message"]["content"] = None if name == "null_stop" else ""
            return web.json_response(out)
        if name == "routed":
            out = self.completion(body)
            out["provider"] = arg
            return web.json_response(out)
        if name == "error_body":
            code = int(arg or 502)
            return web.json_response({"error": {"code": code, "message": f"upstream error {code}"}})
        if name == "429":
            return _error(429, "rate limited", {"Retry-After": arg or "1"})
        if name.isdigit():
            status = int(name)
            messages = {
                400: "invalid request",
                401: "invalid API key",
                402: "insufficient credits",
                403: "forbidden",
                404: "model not found",
                422: "unprocessable request",
            }
            return _error(status, messages.get(status, f"server error {status}"))
        raise ValueError(f"unknown fake action {action!r}")

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        arm = guess_arm(messages)
        value = self.value if self.value is not None else int(body_key(body)[:8], 16) % 1000
        text = reply_text(arm, value)
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages if isinstance(m, dict))
        completion_tokens = len(text.split())
        usage: dict[str, Any] = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if self.cost_per_token is not None:
            usage["cost"] = round((prompt_tokens + completion_tokens) * self.cost_per_token, 9)
        return {
            "id": f"fake-{body_key(body)[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or "fake/model",
            "provider": "fake",
            "system_fingerprint": "fake-1",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": usage,
        }


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"message": message, "code": status}}, status=status, headers=headers)


class FakeServerThread:
    """Run a :class:`FakeOpenAI` on 127.0.0.1 in a background thread (for tests whose client is a subprocess)."""

    def __init__(self, port: int = 0, **kwargs: Any) -> None:
        self.fake = FakeOpenAI(**kwargs)
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeServerThread:
        self._thread = threading.Thread(target=self._run, name="fake-openai", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake server did not start within 10 s")
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)
        self.fake.close()

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        runner = web.AppRunner(self.fake.app(), access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", self.port)
            await site.start()
            self.port = runner.addresses[0][1]
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            await runner.cleanup()
            return
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """The requests logged by a fake server (skips a partial last line)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


async def serve(fake: FakeOpenAI, host: str, port: int) -> None:
    runner = web.AppRunner(fake.app(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    print(f"fake_openai listening on http://{host}:{bound}/v1", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        fake.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="fake OpenAI-compatible chat server for tests")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--log", help="append one JSON line per request to this file")
    p.add_argument("--script", default="", help="comma-separated actions for the first requests")
    p.add_argument("--default", default="ok", help="action once the script is used up")
    p.add_argument("--latency", type=float, default=0.0)
    p.add_argument("--jitter", type=float, default=0.0)
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--faults", default=",".join(DEFAULT_FAULTS))
    p.add_argument("--require-key")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--value", type=int, help="the answer every reply states (default: a number from the prompt's hash)")
    args = p.parse_args(argv)
    fake = FakeOpenAI(
        script=[a for a in args.script.split(",") if a],
        default=args.default,
        latency=args.latency,
        jitter=args.jitter,
        fault_rate=args.fault_rate,
        faults=[f for f in args.faults.split(",") if f],
        log_path=args.log,
        require_key=args.require_key,
        seed=args.seed,
        value=args.value,
    )
    asyncio.run(serve(fake, args.host, args.port))
    return 0


class running:
    """Run a :class:`FakeOpenAI` in the current event loop on a free loopback port."""

    def __init__(self, **kwargs: Any) -> None:
        self.fake = FakeOpenAI(**kwargs)
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> tuple[FakeOpenAI, str]:
        self._runner = web.AppRunner(self.fake.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return self.fake, f"http://127.0.0.1:{port}/v1"

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self.fake.close()


if __name__ == "__main__":
    raise SystemExit(main())
