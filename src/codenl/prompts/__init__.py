"""Prompts for the arms that ask a model (``nl``, ``sim``, ``controlsim``: the asked arms of the arm registry).

One template per arm, shared by every kind and model (:mod:`codenl.prompts.templates`, named by the arm's registry
line); the instance contributes its ``statement`` and ``answer_format``.  An arm that shows another arm's code
(``controlsim``: the code the same model wrote in ``sim``) shows only that code (no problem statement, no answer
format: the code is the control).

Each arm's version is ``{arm}/{REVISION}-{hash}`` where the hash is taken over the template text (for ``sim``, with
the sentence on the importable packages filled in), so any edit of a template, and any change of
``sandbox.allowed_packages``, changes the version recorded with every sim response (and hence the request keys of
the ledger).
Messages are a single user message: every chat template accepts it (some reject system messages).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from codenl.arms import ARM_REGISTRY, ASKED_ARMS
from codenl.errors import UsageError
from codenl.prompts import templates
from codenl.prompts.templates import libraries_sentence

__all__ = [
    "ARMS",
    "PROMPT_VERSIONS",
    "TEMPLATES",
    "build_messages",
    "libraries_sentence",
    "prompt_version",
    "prompt_versions",
    "render",
]

#: arms that send a prompt, in order
ARMS: tuple[str, ...] = ASKED_ARMS
#: arm -> its template (the text named by the arm's registry line)
TEMPLATES: dict[str, str] = {arm: getattr(templates, str(ARM_REGISTRY[arm].template)) for arm in ARMS}
#: bump together with a deliberate change of meaning; the hash catches every other edit
REVISION = "1"


def _template(arm: str, packages: tuple[str, ...] | list[str] = ()) -> str:
    return TEMPLATES[arm].replace("<<libraries>>", libraries_sentence(packages))


def prompt_versions(packages: tuple[str, ...] | list[str] = ()) -> dict[str, str]:
    """The version of each arm's prompt when a program may import ``packages`` beside the standard library."""
    return {
        arm: f"{arm}/{REVISION}-{hashlib.sha256(_template(arm, packages).encode('utf-8')).hexdigest()[:8]}"
        for arm in ARMS
    }


#: the versions with the default sandbox (the standard library only)
PROMPT_VERSIONS: dict[str, str] = prompt_versions()


def prompt_version(arm: str, packages: tuple[str, ...] | list[str] = ()) -> str:
    """The version of ``arm``'s prompt: :data:`PROMPT_VERSIONS`, except for sim when ``packages`` are allowed."""
    if arm == "sim" and packages:
        return prompt_versions(packages)["sim"]
    return PROMPT_VERSIONS[arm]


def _fence_for(code: str) -> str:
    longest = run = 0
    for ch in code:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def _field(instance: Mapping[str, Any], name: str) -> str:
    value = instance.get(name)
    if not isinstance(value, str) or not value.strip():
        where = instance.get("id", "?")
        raise UsageError(f"instance {where}: field {name!r} must be a non-empty string to build a prompt")
    return value.strip()


def render(
    arm: str,
    instance: Mapping[str, Any] | None = None,
    code: str | None = None,
    packages: tuple[str, ...] | list[str] = (),
) -> str:
    """The prompt text of ``arm`` for ``instance`` (nl, sim) or ``code`` (an arm that shows code: controlsim);
    ``packages``: what the sandbox lets a program import beside the standard library (the sim prompt says so)."""
    if arm not in TEMPLATES:
        raise UsageError(f"arm {arm!r} has no prompt; arms with prompts: {' '.join(ARMS)}")
    template = _template(arm, packages)
    shown = ARM_REGISTRY[arm].code_of
    if shown is not None:
        if code is None or not code.strip():
            raise UsageError(f"{arm} needs the code the model wrote in {shown} (got none)")
        # replace <<code>> last: the code itself may contain the placeholder strings
        return template.replace("<<fence>>", _fence_for(code)).replace("<<code>>", code.rstrip("\n"))
    if instance is None:
        raise UsageError(f"arm {arm!r} needs an instance")
    statement = _field(instance, "statement")
    answer_format = _field(instance, "answer_format")
    head, sep, tail = template.partition("<<statement>>")
    return head + statement + sep.replace("<<statement>>", "") + tail.replace("<<answer_format>>", answer_format)


def build_messages(
    arm: str, instance: Mapping[str, Any] | None, code: str | None = None, packages: tuple[str, ...] | list[str] = ()
) -> list[dict[str, str]]:
    """The chat messages for one request: ``[{"role": "user", "content": PROMPT}]``."""
    return [{"role": "user", "content": render(arm, instance, code, packages)}]
