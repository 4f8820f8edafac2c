"""Providers: where requests go and which key they carry.

===================== ====================================== ===============================================
provider              base URL                                key
===================== ====================================== ===============================================
``openrouter``        ``https://openrouter.ai/api/v1``       ``OPENROUTER_API_KEY`` (or ``--api-key-env``), required
``openai_compatible`` ``--base-url`` (vLLM, Ollama, ...)     ``--api-key-env VAR`` when given, else none
``local``             the llama.cpp server this job starts   none
===================== ====================================== ===============================================

A key is read from the environment, else from a ``.env`` file in the working directory (``VAR=value`` lines,
optional ``export`` and quotes, ``#`` comments).  The key lives only in :class:`Provider` (hidden from ``repr``)
and in the ``Authorization`` header; messages name the variable, never the value, and :func:`redact` removes the
value from any text an API sends back before it is printed or written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from codenl.errors import UsageError

OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"
OPENROUTER_KEY_ENV = "OPENROUTER_API_KEY"
PROVIDER_NAMES = ("openrouter", "openai_compatible", "local")


def parse_dotenv(text: str) -> dict[str, str]:
    """The ``NAME=value`` pairs of a ``.env`` file (later lines win)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[name] = value
    return out


def lookup_key(
    var: str, environ: Mapping[str, str] | None = None, dotenv: str | os.PathLike[str] = ".env"
) -> str | None:
    """The value of ``var`` from the environment, else from the ``.env`` file; None when neither has it."""
    env = os.environ if environ is None else environ
    value = env.get(var)
    if value:
        return value
    path = Path(dotenv)
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return None
    return parse_dotenv(text).get(var) or None


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced (secrets shorter than 8 characters are left alone)."""
    if secret and len(secret) >= 8 and secret in text:
        return text.replace(secret, "<redacted>")
    return text


@dataclass(frozen=True)
class Provider:
    """Where one job's requests go.  ``key_url`` is the base URL that request keys use (stable across runs)."""

    name: str
    base_url: str
    api_key: str | None = field(default=None, repr=False)
    api_key_env: str | None = None
    key_url: str | None = None

    @property
    def ledger_url(self) -> str:
        return (self.key_url or self.base_url).rstrip("/")

    def headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json"}
        if self.api_key:
            h["Authorization"] = f"Bearer {self.api_key}"
        if self.name == "openrouter":
            h["X-Title"] = "codenl"
        return h

    def describe_key(self) -> str:
        """How a message names the key: its variable, never its value."""
        if self.api_key_env:
            return f"the key from {self.api_key_env}"
        return "the request (no key sent)"


def make_provider(
    name: str,
    *,
    base_url: str | None = None,
    api_key_env: str | None = None,
    environ: Mapping[str, str] | None = None,
    dotenv: str | os.PathLike[str] = ".env",
) -> Provider:
    """A :class:`Provider` for ``openrouter`` or ``openai_compatible`` (``local``: :mod:`codenl.llm.local`)."""
    if name == "openrouter":
        var = api_key_env or OPENROUTER_KEY_ENV
        key = lookup_key(var, environ, dotenv)
        if not key:
            raise UsageError(f"provider openrouter needs an API key: set {var} in the environment or in ./.env")
        return Provider("openrouter", (base_url or OPENROUTER_BASE_URL).rstrip("/"), key, var)
    if name == "openai_compatible":
        if not base_url:
            raise UsageError("provider openai_compatible needs --base-url (e.g. http://127.0.0.1:8000/v1)")
        if not base_url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url {base_url!r} must start with http:// or https://")
        key = None
        if api_key_env:
            key = lookup_key(api_key_env, environ, dotenv)
            if not key:
                raise UsageError(f"--api-key-env {api_key_env}: no such variable in the environment or ./.env")
        return Provider("openai_compatible", base_url.rstrip("/"), key, api_key_env)
    if name == "local":
        raise UsageError("provider local is started by codenl.llm.local.LocalServer, not make_provider")
    raise UsageError(f"unknown provider {name!r}: choose one of {', '.join(PROVIDER_NAMES)}")
