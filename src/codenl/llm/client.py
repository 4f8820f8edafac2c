"""One async client for OpenAI-compatible ``/chat/completions`` (aiohttp): sliding window, retries, ledger.

Concurrency.  Within a job, requests run in a *sliding window*: at most ``window`` HTTP attempts are in flight,
and a new one starts the moment one finishes (an ``asyncio.Semaphore`` around each attempt; no fixed batches,
so one slow reply never holds up the others).  Across the parallel jobs of a workflow run, the bound is
Snakemake's: every query job of provider ``P`` takes one unit of the global resource ``api_P`` and the run is
started with ``--resources api_P=U``, so at most ``U`` query jobs of that provider run at once and at most
``U x window`` requests are in flight for it, on one machine or on a cluster (Snakemake accounts global
resources in the main process).  Example: ``api_openrouter=4`` and ``--window 16`` allow 64 requests in flight.
A 429 also pauses every new attempt of the job until its ``Retry-After`` has passed.

Retries follow :mod:`codenl.llm.retry`.  A request whose budget runs out returns a :class:`ChatResult` with status
``infra_error`` and the history of its attempts; the job goes on.  A fatal answer (401, 402, 403, 404, or
:data:`~codenl.llm.retry.MAX_CONSECUTIVE_REJECTED` rejections in a row) raises :class:`FatalAPIError`, whose
message names the key's variable (never its value).

Outages.  A request whose every attempt failed before an HTTP reply (refused, DNS, reset, timeout) adds one to a
streak that any success resets; ``breaker`` such requests in a row stop the job with :class:`CircuitOpen` (one
line; no response file is written) instead of turning its shards into failures.  Their ``infra_error`` outcomes are
written to the ledger only once a later request succeeds or the job ends normally, so an outage that trips the
breaker uses up none of the ``reask`` runs of those requests.

Exactly once.  With a :class:`~codenl.llm.ledger.Ledger`, a request whose key has an ``ok`` line is answered from
the ledger without any request; every outcome is appended (and fsynced) the moment it is known; identical
requests in flight at the same time are sent once and share the answer.  A key whose ledger lines are all
``infra_error`` is asked again while it has failed in at most ``reask`` runs; after that its last failure is
returned from the ledger without a request.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp

from codenl.errors import CodenlError
from codenl.llm.ledger import Ledger, request_key
from codenl.llm.progress import Progress
from codenl.llm.providers import Provider, redact
from codenl.llm.retry import (
    MAX_CONSECUTIVE_REJECTED,
    RetryPolicy,
    classify_status,
    parse_ratelimit_reset,
    parse_retry_after,
)

Messages = Sequence[Mapping[str, Any]]
_MSG_LIMIT = 500


class FatalAPIError(CodenlError):
    """The API refused the job as a whole (key, credit, model): stop; the ledger keeps what completed."""


class CircuitOpen(FatalAPIError):
    """The API could not be reached for many requests in a row (refused, DNS, resets, timeouts): the job stops
    before it turns a whole shard into failures; the ledger keeps what completed."""


class MalformedResponse(ValueError):
    """A 200 reply that holds no usable completion (retried)."""


class EmptyReply(MalformedResponse):
    """A 200 reply with ``content: null``, no reasoning text and a finish other than ``length``: a provider fault
    (retried, then ``infra_error``), never the model's answer."""


#: attempt types that mean the request never got an HTTP reply
TRANSPORT_FAILURES = frozenset({"timeout", "connection"})


@dataclass(frozen=True)
class Sampling:
    """The sampling parameters sent with every request (and part of its key)."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 1024
    seed: int | None = None

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {"temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens}
        if self.seed is not None:
            out["seed"] = self.seed
        return out


@dataclass
class ChatResult:
    """The outcome of one request: the fields of a response record that come from the API."""

    status: str
    text: str | None = None
    reasoning: str | None = None
    finish_reason: str | None = None
    usage: dict[str, int | None] = field(
        default_factory=lambda: {"prompt_tokens": None, "completion_tokens": None, "reasoning_tokens": None}
    )
    cost: float | None = None
    latency_s: float | None = None
    attempts: int = 0
    answered_model: str | None = None
    answered_provider: str | None = None
    system_fingerprint: str | None = None
    error: dict[str, Any] | None = None
    from_ledger: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("from_ledger")
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, from_ledger: bool = False) -> ChatResult:
        names = {f for f in cls.__dataclass_fields__ if f != "from_ledger"}
        return cls(**{k: v for k, v in d.items() if k in names}, from_ledger=from_ledger)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text_of(content: Any) -> str | None:
    """Message content as text: a string, or the text parts of a list of content parts."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
        return "".join(parts)
    raise MalformedResponse(f"message content is a {type(content).__name__}")


def parse_completion(body: Any) -> ChatResult:
    """The :class:`ChatResult` of a chat completion body, or :class:`MalformedResponse`.

    ``content: null`` is a valid answer when reasoning models put their text in ``reasoning`` or
    ``reasoning_content``, or ran out of tokens before answering (``finish_reason`` ``length``): it is recorded
    with ``text`` null and graded as the model's.  ``content: null`` with no reasoning text and any other finish
    is :class:`EmptyReply`: the provider answered nothing, so the request is retried.  An empty string is what the
    model generated (a model may stop at once): it is recorded and graded as the model's.
    """
    if not isinstance(body, dict):
        raise MalformedResponse(f"body is a JSON {type(body).__name__}, not an object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        raise MalformedResponse("no choices in the reply")
    choice = choices[0]
    if isinstance(choice, dict) and isinstance(choice.get("error"), dict):
        # OpenRouter reports an upstream failure inside the choice; nothing usable was produced
        raise MalformedResponse(f"upstream error: {str(choice['error'].get('message', choice['error']))[:200]}")
    message = choice.get("message") if isinstance(choice, dict) else None
    if not isinstance(message, dict):
        raise MalformedResponse("first choice has no message")
    text = _text_of(message.get("content"))
    reasoning = message.get("reasoning")
    if not isinstance(reasoning, str) or not reasoning:
        reasoning = message.get("reasoning_content")
    if not isinstance(reasoning, str) or not reasoning:
        reasoning = None
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    details = usage.get("completion_tokens_details") if isinstance(usage.get("completion_tokens_details"), dict) else {}
    reasoning_tokens = _int_or_none(details.get("reasoning_tokens"))
    if reasoning_tokens is None:
        reasoning_tokens = _int_or_none(usage.get("reasoning_tokens"))
    cost = usage.get("cost", body.get("cost"))
    cost = float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else None
    finish = choice.get("finish_reason") or choice.get("native_finish_reason")
    if text is None and reasoning is None and finish != "length":
        raise EmptyReply(f"no content and no reasoning text (finish_reason {finish!r})")

    def str_or_none(v: Any) -> str | None:
        return v if isinstance(v, str) else None

    return ChatResult(
        status="ok",
        text=text,
        reasoning=reasoning,
        finish_reason=str_or_none(finish),
        usage={
            "prompt_tokens": _int_or_none(usage.get("prompt_tokens")),
            "completion_tokens": _int_or_none(usage.get("completion_tokens")),
            "reasoning_tokens": reasoning_tokens,
        },
        cost=cost,
        answered_model=str_or_none(body.get("model")),
        answered_provider=str_or_none(body.get("provider")),
        system_fingerprint=str_or_none(body.get("system_fingerprint")),
    )


def error_message(raw: bytes) -> str:
    """The API's own message from an error body (``{"error": {"message": ...}}``), else the start of the body."""
    text = raw.decode("utf-8", errors="replace")
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:_MSG_LIMIT]
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            msg = err.get("message") or err.get("detail") or err
            return str(msg)[:_MSG_LIMIT]
        return str(err)[:_MSG_LIMIT]
    return text.strip()[:_MSG_LIMIT]


class ChatClient:
    """Send chat requests for one model through one provider.  Use as ``async with ChatClient(...) as c``."""

    def __init__(
        self,
        provider: Provider,
        model: str,
        *,
        window: int = 8,
        policy: RetryPolicy | None = None,
        request_timeout: float = 600.0,
        ledger: Ledger | None = None,
        progress: Progress | None = None,
        rng: random.Random | None = None,
        reask: int | None = None,
        breaker: int = 0,
        routing: Mapping[str, Any] | None = None,
    ) -> None:
        """``reask``: later runs that ask again a request the ledger has as ``infra_error`` (None: every run);
        ``breaker``: requests in a row that never reached the API (refused, DNS, reset, timeout) after which the
        job stops with :class:`CircuitOpen` (0: never); ``routing``: OpenRouter provider preferences sent with
        each request (``provider`` in the body) and part of its key."""
        if window < 1:
            raise ValueError("window must be at least 1")
        if reask is not None and reask < 0:
            raise ValueError("reask must not be negative")
        if breaker < 0:
            raise ValueError("breaker must not be negative")
        self.provider = provider
        self.model = model
        self.window = window
        self.policy = policy or RetryPolicy()
        self.request_timeout = request_timeout
        self.ledger = ledger
        self.progress = progress or Progress()
        self.rng = rng or random.Random()
        self._sem = asyncio.Semaphore(window)
        self._inflight: dict[str, asyncio.Task[ChatResult]] = {}
        self._pause_until = 0.0
        self._rejected_streak = 0
        self._stopped: FatalAPIError | None = None
        self._session: aiohttp.ClientSession | None = None
        self._writer = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")
        self._pending: list[tuple[tuple[str, str, dict[str, Any]], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.url = provider.base_url.rstrip("/") + "/chat/completions"
        self.reask = reask
        self.breaker = breaker
        self.routing = dict(routing) if routing else None
        self._transport_streak = 0
        #: infra_error outcomes of requests that never reached the API, written once a request succeeds or the job
        #: ends normally: when the breaker stops the job they are dropped, so an outage uses up no re-ask
        self._deferred: list[tuple[str, ChatResult]] = []
        #: the most HTTP attempts that were in flight at once (for tests and the benchmark)
        self.peak_in_flight = 0

    async def __aenter__(self) -> ChatClient:
        connector = aiohttp.TCPConnector(limit=self.window, limit_per_host=self.window)
        self._session = aiohttp.ClientSession(connector=connector, headers=self.provider.headers())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._flusher is not None and not self._flusher.done():
            try:
                await self._flusher
            except BaseException:
                pass
        self._writer.shutdown(wait=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- public -------------------------------------------------------------------------------------------------

    def key(self, messages: Messages, sampling: Sampling) -> str:
        params = sampling.params()
        if self.routing:
            params["provider"] = self.routing  # who may answer is part of what is measured (docs/recovery.md)
        return request_key(self.provider.ledger_url, self.model, messages, params)

    async def complete(self, messages: Messages, sampling: Sampling) -> ChatResult:
        """The answer to one request: from the ledger, from an identical request in flight, or from the API."""
        key = self.key(messages, sampling)
        if self.ledger is not None:
            stored = self.ledger.get(key)
            if stored is not None:
                self.progress.cached += 1
                self.progress.done += 1
                return ChatResult.from_dict(stored, from_ledger=True)
            final = self.ledger.final_failure(key, self.reask)
            if final is not None:
                self.progress.cached += 1
                self.progress.final_failed += 1
                self.progress.done += 1
                return ChatResult.from_dict(final, from_ledger=True)
        task = self._inflight.get(key)
        if task is None:
            if self.ledger is not None and key in self.ledger.failures:
                self.progress.reasked += 1
                task = asyncio.ensure_future(self._reask(key, messages, sampling))
            else:
                task = asyncio.ensure_future(self._send_and_record(key, messages, sampling))
            self._inflight[key] = task
            task.add_done_callback(lambda _t, k=key: self._inflight.pop(k, None))
        result = await task
        self.progress.done += 1
        return result

    async def complete_many(self, requests: Sequence[tuple[Messages, Sampling]]) -> list[ChatResult]:
        """Answers to all requests, in order, through the sliding window.  A fatal error cancels the rest."""
        self.progress.total += len(requests)
        try:
            async with asyncio.TaskGroup() as tg:
                tasks = [tg.create_task(self.complete(m, s)) for m, s in requests]
        except BaseExceptionGroup as group:
            breaker = group.subgroup(CircuitOpen)
            if breaker is not None:
                raise _first_leaf(breaker) from None
            fatal = group.subgroup(FatalAPIError)
            if fatal is not None:
                raise _first_leaf(fatal) from None
            raise _first_leaf(group) from None
        await self._write_deferred()
        return [t.result() for t in tasks]

    # -- internals ----------------------------------------------------------------------------------------------

    def body(self, messages: Messages, sampling: Sampling) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": [dict(m) for m in messages], **sampling.params()}
        if self.provider.name == "openrouter":
            body["usage"] = {"include": True}
            if self.routing:
                body["provider"] = dict(self.routing)
        return body

    async def _reask(self, key: str, messages: Messages, sampling: Sampling) -> ChatResult:
        result = await self._send_and_record(key, messages, sampling)
        if result.status != "ok":
            self.progress.reasked_failed += 1
        return result

    async def _send_and_record(self, key: str, messages: Messages, sampling: Sampling) -> ChatResult:
        result = await self._send(key, messages, sampling)
        if result.status == "ok":  # ok outcomes are persisted inside the window
            self._transport_streak = 0
            await self._write_deferred()
        else:
            self.progress.failed += 1
            if self.breaker and _never_reached(result):
                self._transport_streak += 1
                self._deferred.append((key, result))
                if self._transport_streak >= self.breaker and self._stopped is None:
                    self._stopped = self._circuit_open(result)
                if self._stopped is not None:
                    raise self._stopped
            elif self.ledger is not None:
                await self._persist(key, result)
        self.progress.add_usage(result.usage, result.cost)
        return result

    def _circuit_open(self, last: ChatResult) -> CircuitOpen:
        completed = len(self.ledger.completed) if self.ledger is not None else 0
        message = last.error["message"] if last.error else ""
        return CircuitOpen(
            f"stopped: {self._transport_streak} requests in a row could not reach {self.provider.base_url} "
            f"({message[:200]}); no response file was written and the ledger keeps its {completed} completed "
            "request(s): run the same command again once the API is reachable"
        )

    async def _write_deferred(self) -> None:
        if not self._deferred or self._stopped is not None:
            return
        batch, self._deferred = self._deferred, []
        if self.ledger is not None:
            await asyncio.gather(*(self._persist(k, r) for k, r in batch))

    async def _persist(self, key: str, result: ChatResult) -> None:
        """Append the outcome to the ledger; returns once it is on disk.

        Appends run on one writer thread (the event loop keeps serving replies), and the outcomes that arrive
        while one write is being fsynced go together in the next write: one fsync per batch, not per reply.
        """
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(((key, result.status, result.to_dict()), future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush())
        await asyncio.shield(future)

    async def _flush(self) -> None:
        assert self.ledger is not None
        loop = asyncio.get_running_loop()
        while self._pending:
            batch, self._pending = self._pending, []
            write = functools.partial(
                self.ledger.record_many, [o for o, _ in batch], model=self.model, base_url=self.provider.ledger_url
            )
            try:
                await asyncio.shield(loop.run_in_executor(self._writer, write))
            except BaseException as exc:
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
            else:
                for _, fut in batch:
                    if not fut.done():
                        fut.set_result(None)

    async def _wait_for_pause(self) -> None:
        while (delay := self._pause_until - time.monotonic()) > 0:
            await asyncio.sleep(delay)

    def _fatal(self, status: int, message: str) -> FatalAPIError:
        p = self.provider
        if status in (401, 403):
            what = f"{p.name} at {p.base_url} refused {p.describe_key()} (HTTP {status})"
        elif status == 402:
            what = (
                f"{p.name} says the credit of {p.describe_key()} is spent (HTTP 402); add credit and rerun: "
                f"completed requests are kept in the ledger"
            )
        else:
            what = (
                f"{p.name} at {p.base_url} answered HTTP {status} for model {self.model!r} (an unknown model id, "
                f"or a base URL without its /v1)"
            )
        return FatalAPIError(f"{what}: {message}" if message else what)

    async def _send(self, key: str, messages: Messages, sampling: Sampling) -> ChatResult:
        assert self._session is not None, "use ChatClient as an async context manager"
        payload = json.dumps(self.body(messages, sampling), ensure_ascii=False).encode("utf-8")
        timeout = aiohttp.ClientTimeout(total=self.request_timeout)
        history: list[dict[str, Any]] = []
        secret = self.provider.api_key
        for attempt in range(1, self.policy.max_attempts + 1):
            await self._wait_for_pause()
            status: int | None = None
            raw = b""
            retry_after: float | None = None
            kind: str
            message = ""
            async with self._sem:
                if self._stopped is not None:
                    raise self._stopped
                self.progress.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.progress.in_flight)
                started = time.monotonic()
                try:
                    async with self._session.post(self.url, data=payload, timeout=timeout) as resp:
                        status = resp.status
                        raw = await resp.read()
                        retry_after = parse_retry_after(resp.headers.get("Retry-After"), time.time())
                        if retry_after is None and status == 429:
                            retry_after = parse_ratelimit_reset(resp.headers.get("X-RateLimit-Reset"), time.time())
                    kind = "http"
                except TimeoutError:
                    kind, message = "timeout", f"no complete reply within {self.request_timeout:g} s"
                except aiohttp.ClientError as exc:
                    kind, message = "connection", f"{type(exc).__name__}: {exc}"
                except OSError as exc:
                    kind, message = "connection", f"{type(exc).__name__}: {exc}"
                finally:
                    self.progress.in_flight -= 1
                latency = time.monotonic() - started
                if kind == "http" and status is not None and classify_status(status) == "fatal":
                    # stop before the window slot is released, so that no other request starts after this one
                    self._stopped = self._fatal(status, redact(error_message(raw), secret))
                    raise self._stopped
                decision = "retry"
                if kind == "http" and status == 200:
                    try:
                        result = parse_completion(json.loads(raw))
                    except (ValueError, MalformedResponse) as exc:
                        kind = "empty_reply" if isinstance(exc, EmptyReply) else "malformed"
                        message = f"{type(exc).__name__}: {exc}"
                        body_error = _body_error(raw)
                        if body_error is not None:
                            kind = "api_error"
                            status, message = body_error
                            decision = classify_status(status)
                    else:
                        self._rejected_streak = 0
                        result.latency_s = round(latency, 4)
                        result.attempts = attempt
                        if self.ledger is not None:
                            # on disk before the slot is released: after a kill, at most `window` answered
                            # requests (those in flight) can be missing from the ledger
                            await self._persist(key, result)
                        return result
            if kind == "http":
                assert status is not None
                message = error_message(raw)
                decision = classify_status(status)
                kind = f"http_{status}"
            message = redact(message, secret)
            history.append(
                {"attempt": attempt, "type": kind, "status": status, "message": message, "latency_s": round(latency, 4)}
            )
            if decision == "fatal":
                assert status is not None
                self._stopped = self._fatal(status, message)
                raise self._stopped
            if decision == "rejected":
                self._rejected_streak += 1
                if self._rejected_streak >= MAX_CONSECUTIVE_REJECTED:
                    self._stopped = FatalAPIError(
                        f"{self.provider.name} rejected {self._rejected_streak} requests in a row for model "
                        f"{self.model!r} (HTTP {status}): {message}"
                    )
                    raise self._stopped
                return _infra_error(history, "rejected", message)
            if attempt == self.policy.max_attempts:
                break
            self.progress.retries += 1
            delay = self.policy.delay(attempt, retry_after, self.rng)
            if status == 429 or retry_after is not None:
                self._pause_until = max(self._pause_until, time.monotonic() + delay)
            await asyncio.sleep(delay)
        last = history[-1]
        return _infra_error(
            history, "retries_exhausted", f"{len(history)} attempts failed; last: {last['type']}: {last['message']}"
        )


def _never_reached(result: ChatResult) -> bool:
    """Every attempt of a failed request failed before an HTTP reply (refused, DNS, reset, timeout)."""
    history = (result.error or {}).get("history") or []
    return bool(history) and all(h.get("type") in TRANSPORT_FAILURES for h in history)


def _infra_error(history: list[dict[str, Any]], kind: str, message: str) -> ChatResult:
    return ChatResult(
        status="infra_error",
        attempts=len(history),
        error={"type": kind, "message": message, "history": history},
    )


def _body_error(raw: bytes) -> tuple[int, str] | None:
    """A 200 reply whose body is ``{"error": {"code": N, "message": ...}}`` (OpenRouter does this mid-stream)."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    code = body["error"].get("code")
    status = code if isinstance(code, int) and 400 <= code <= 599 else 502
    return status, str(body["error"].get("message", ""))[:_MSG_LIMIT]


def _first_leaf(group: BaseException) -> BaseException:
    while isinstance(group, BaseExceptionGroup):
        group = group.exceptions[0]
    return group
