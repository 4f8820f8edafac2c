"""Providers: key lookup from the environment or .env, never shown; base URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from codenl.errors import UsageError
from codenl.llm.providers import OPENROUTER_BASE_URL, lookup_key, make_provider, parse_dotenv, redact


def test_parse_dotenv_handles_export_quotes_and_comments() -> None:
    text = "# comment\nexport A=1\nB='two words'\nC=\"x#y\"\nD=plain # trailing\nnot a line\n=x\nA=3\n"
    assert parse_dotenv(text) == {"A": "3", "B": "two words", "C": "x#y", "D": "plain"}


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("OPENROUTER_API_KEY=from-file-123456\n")
    assert lookup_key("OPENROUTER_API_KEY", {"OPENROUTER_API_KEY": "from-env-123456"}, env_file) == "from-env-123456"
    assert lookup_key("OPENROUTER_API_KEY", {}, env_file) == "from-file-123456"
    assert lookup_key("OPENROUTER_API_KEY", {}, tmp_path / "missing") is None


def test_openrouter_provider_and_missing_key_message(tmp_path: Path) -> None:
    p = make_provider("openrouter", environ={"OPENROUTER_API_KEY": "sk-secret-value-1"}, dotenv=tmp_path / "none")
    assert p.base_url == OPENROUTER_BASE_URL
    assert "sk-secret-value-1" not in repr(p)
    assert p.headers()["Authorization"] == "Bearer sk-secret-value-1"
    with pytest.raises(UsageError, match="OPENROUTER_API_KEY"):
        make_provider("openrouter", environ={}, dotenv=tmp_path / "none")


def test_openai_compatible_needs_a_base_url_and_key_is_optional(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--base-url"):
        make_provider("openai_compatible", environ={})
    p = make_provider("openai_compatible", base_url="http://127.0.0.1:9/v1/", environ={}, dotenv=tmp_path / "x")
    assert p.base_url == "http://127.0.0.1:9/v1" and p.api_key is None
    assert "Authorization" not in p.headers()
    with pytest.raises(UsageError, match="MY_KEY"):
        make_provider(
            "openai_compatible", base_url="http://h/v1", api_key_env="MY_KEY", environ={}, dotenv=tmp_path / "x"
        )


def test_redact_removes_the_secret() -> None:
    assert redact("bad key sk-abcdefgh123 given", "sk-abcdefgh123") == "bad key <redacted> given"
    assert redact("nothing here", "sk-abcdefgh123") == "nothing here"
    assert redact("short", None) == "short"
