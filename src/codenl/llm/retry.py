"""Which failures are retried, and how long to wait before the next attempt (pure functions).

Policy:

* **retried**: HTTP 408, 409, 429 and every 5xx; timeouts; connection errors (refused, reset, DNS); bodies that
  are not JSON, have no ``choices`` or no ``message`` (the request is repeated, the answer was unusable);
* **fatal** (the job stops with one clear line; the ledger keeps what completed, so a rerun resumes):
  401 and 403 (key refused), 402 (credit spent), 404 (unknown model or wrong base URL);
* **rejected** (not retried, recorded as ``infra_error`` with the API's message, the job goes on): 400 and 422.
  One prompt may be refused on its own (too long for the context, say) and stopping the whole shard for it would
  block it for ever; but a systematic refusal (an unsupported parameter) would turn every request into an
  ``infra_error``, so :data:`MAX_CONSECUTIVE_REJECTED` rejections in a row without a success stop the job;
* any other 4xx is treated as rejected.

Waiting: exponential backoff with full jitter, ``uniform(0, min(cap, base * 2**attempt))``, but never less than
what the server asked for in ``Retry-After`` (seconds or an HTTP date; for a 429 without it, OpenRouter's
``X-RateLimit-Reset``), itself capped at ``max_retry_after`` so
that a bogus header cannot stall a job for hours.
"""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass
from typing import Literal

Decision = Literal["retry", "fatal", "rejected"]

RETRY_STATUSES = frozenset({408, 409, 425, 429})
FATAL_STATUSES = frozenset({401, 402, 403, 404})
REJECTED_STATUSES = frozenset({400, 422})
#: this many 400/422 in a row, with no success in between, stop the job (the parameters are wrong, not one prompt)
MAX_CONSECUTIVE_REJECTED = 10


def classify_status(status: int) -> Decision:
    """What to do with an HTTP status that is not a success."""
    if status in RETRY_STATUSES or 500 <= status <= 599:
        return "retry"
    if status in FATAL_STATUSES:
        return "fatal"
    return "rejected"


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); None when absent or unreadable.

    ``now`` is the current Unix time, used for the date form.  Negative waits become 0.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - now
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def parse_ratelimit_reset(value: str | None, now: float) -> float | None:
    """Seconds to wait from ``X-RateLimit-Reset`` (OpenRouter: Unix time in milliseconds; seconds accepted too)."""
    if value is None:
        return None
    try:
        stamp = float(value.strip())
    except ValueError:
        return None
    if stamp != stamp or stamp <= 0:
        return None
    if stamp > 1e11:  # milliseconds
        stamp /= 1000.0
    return max(0.0, stamp - now)


@dataclass(frozen=True)
class RetryPolicy:
    """The retry budget of one request and the backoff between its attempts."""

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 300.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("delays must not be negative")

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based) before the next one."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        wait = rng.uniform(0.0, ceiling)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after))
        return wait
