"""Answer and code extraction from model responses (pure functions, no I/O).

Answers
-------
Every prompt asks the model to end with one JSON object ``{"answer": ...}``.  :func:`extract_answer` finds the
**last** object that carries an ``"answer"`` key anywhere in the text (fenced in a ```json block or bare, with
any prose around it) and converts its value to the instance's ``answer_type`` (grammar in
:mod:`codenl.problems.base`).  The object syntax is read tolerantly, because these slips say nothing about the
model's reasoning:

* trailing commas, single-quoted strings, unquoted keys, Python literals ``True``/``False``/``None``, Python
  tuples ``(1, 2)`` read as lists, non-string dict keys (``{0: 1}``) read as their JSON text (``"0"``);
* numbers written as strings (``"42"``), with thousands separators (``"1,234"``, or bare ``{"answer": 1,234}``
  in an object value), with a trailing ``.0``;
* big integers are exact: digits go straight to ``int``, never through ``float``.

No object with an ``"answer"`` key -> not found (``parse_error``); likewise when the last ``{"answer": ...}`` in the
text cannot be read (malformed, or cut by ``max_tokens``): an earlier readable one was a draft, not the final answer.
Found but not convertible to ``answer_type`` -> a reason naming the position at fault (``answer[3]: expected an
integer, got 'x'``).

Code
----
:func:`extract_code` returns the body of the last fenced code block that defines ``solution(`` (a line
``def solution(`` at any indentation), byte for byte: nothing inside the block is rewritten, so docstrings,
comments and the word "python" survive.  Blocks tagged ``python``, ``py``, ``python3`` (any case) or untagged
count; other languages do not.  A fence indented by *k* spaces has up to *k* leading spaces removed from each
line (CommonMark), which is the only change ever made.

An unterminated last block (a response cut by ``max_tokens``) is taken only when its text still compiles as
Python: then only the closing fence was lost and the program is the one the model wrote.  When it does not
compile, the model never finished writing it; running it would score a truncation as the model's
``syntax_error``, so it is ignored (and the response is ``no_code`` unless an earlier block defines
``solution``).  :func:`find_code` says which case applied.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

__all__ = [
    "AnswerTypeError",
    "CodeExtraction",
    "Extracted",
    "coerce",
    "extract_answer",
    "extract_code",
    "find_answer_object",
    "find_code",
    "parse_answer_type",
    "without_code",
]


# ---------------------------------------------------------------------------------------------------------------
# answer types


class AnswerTypeError(ValueError):
    """A value cannot be converted to the answer type; the message names the position (``answer[2]``)."""


TypeSpec = tuple[Any, ...]  # ("int",) ("float",) ("bool",) ("str",) ("any",) ("list", T) ("dict", T)

_SCALARS = ("int", "float", "bool", "str", "any")


@cache
def parse_answer_type(answer_type: str) -> TypeSpec:
    """Parse the ``answer_type`` grammar of :mod:`codenl.problems.base`; ``ValueError`` if malformed."""
    text = answer_type.replace(" ", "")
    spec, rest = _parse_type(text, answer_type)
    if rest:
        raise ValueError(f"malformed answer_type {answer_type!r}: unexpected {rest!r}")
    return spec


def _parse_type(text: str, whole: str) -> tuple[TypeSpec, str]:
    for name in _SCALARS:
        if text.startswith(name) and not text[len(name) : len(name) + 1].isalnum():
            return (name,), text[len(name) :]
    for prefix, tag in (("list[", "list"), ("dict[str,", "dict")):
        if text.startswith(prefix):
            inner, rest = _parse_type(text[len(prefix) :], whole)
            if not rest.startswith("]"):
                raise ValueError(f"malformed answer_type {whole!r}: missing ']'")
            return (tag, inner), rest[1:]
    raise ValueError(f"malformed answer_type {whole!r}: cannot read {text!r}")


_INT_PLAIN = re.compile(r"[+-]?\d+")
_INT_GROUPED = re.compile(r"[+-]?\d{1,3}(?:(?:,\d{3})+|(?:_\d{3})+|(?:[ \u00a0\u202f\u2009]\d{3})+)")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TRUE = {"true", "yes"}
_FALSE = {"false", "no"}
#: a float equal to an integer converts to int only below this (beyond it the float may not be the number meant)
_EXACT_FLOAT_INT = 2**53


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _normalise_number_text(text: str) -> str:
    text = text.strip().replace("\u2212", "-")
    if _INT_GROUPED.fullmatch(text):
        text = re.sub(r"[,_ \u00a0\u202f\u2009]", "", text)
    return text


def _to_int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise AnswerTypeError(f"{where}: expected an integer, got the boolean {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise AnswerTypeError(f"{where}: expected an integer, got {value!r}")
        if not value.is_integer():
            raise AnswerTypeError(f"{where}: expected an integer, got the fraction {value!r}")
        if abs(value) >= _EXACT_FLOAT_INT:
            raise AnswerTypeError(
                f"{where}: expected an integer, got the float {value!r} (too large to be exact; write digits)"
            )
        return int(value)
    if isinstance(value, str):
        text = _normalise_number_text(value)
        if _INT_PLAIN.fullmatch(text):
            try:
                return int(text)
            except ValueError as exc:  # more digits than int() allows
                raise AnswerTypeError(f"{where}: {exc}") from None
        if _DECIMAL.fullmatch(text):
            try:
                number = Decimal(text)
            except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
                number = None
            if number is not None and number == number.to_integral_value():
                if number == 0:
                    return 0
                # "1e100000000" would take hours to build, and past int()'s digit limit no JSON writer takes it
                limit = sys.get_int_max_str_digits()
                if limit and number.adjusted() + 1 > limit:
                    raise AnswerTypeError(
                        f"{where}: expected an integer, got {_short(value)} (more than {limit} digits)"
                    )
                return int(number)
            raise AnswerTypeError(f"{where}: expected an integer, got the fraction {_short(value)}")
        raise AnswerTypeError(f"{where}: expected an integer, got the string {_short(value)}")
    raise AnswerTypeError(f"{where}: expected an integer, got {_describe(value)}")


def _to_float(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise AnswerTypeError(f"{where}: expected a number, got the boolean {value!r}")
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:
            raise AnswerTypeError(f"{where}: number {_short(value)} is too large for a float") from None
    if isinstance(value, str):
        text = _normalise_number_text(value)
        if _DECIMAL.fullmatch(text):
            return float(text)
        raise AnswerTypeError(f"{where}: expected a number, got the string {_short(value)}")
    raise AnswerTypeError(f"{where}: expected a number, got {_describe(value)}")


def _to_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise AnswerTypeError(f"{where}: expected true or false, got the string {_short(value)}")
    raise AnswerTypeError(f"{where}: expected true or false, got {_describe(value)}")


def _to_str(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise AnswerTypeError(f"{where}: expected a string, got {_describe(value)}")


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return f"a list {_short(value)}"
    if isinstance(value, dict):
        return f"an object {_short(value)}"
    if isinstance(value, str):
        return f"the string {_short(value)}"
    return f"{type(value).__name__} {_short(value)}"


def _container_from_string(value: str, opener: str) -> Any:
    """A list or object that the model wrote inside a string (``"[1, 2]"``), else the string unchanged."""
    text = value.strip()
    if not text.startswith(opener):
        return value
    try:
        parsed, end = _Reader(text).value_at(0)
    except _ParseFail:
        return value
    return parsed if text[end:].strip() == "" else value


def _coerce(value: Any, spec: TypeSpec, where: str) -> Any:
    tag = spec[0]
    if tag == "any":
        return value
    if tag == "int":
        return _to_int(value, where)
    if tag == "float":
        return _to_float(value, where)
    if tag == "bool":
        return _to_bool(value, where)
    if tag == "str":
        return _to_str(value, where)
    if tag == "list":
        if isinstance(value, str):
            value = _container_from_string(value, "[")
        if not isinstance(value, list):
            raise AnswerTypeError(f"{where}: expected a list, got {_describe(value)}")
        return [_coerce(item, spec[1], f"{where}[{i}]") for i, item in enumerate(value)]
    if tag == "dict":
        if isinstance(value, str):
            value = _container_from_string(value, "{")
        if not isinstance(value, dict):
            raise AnswerTypeError(f"{where}: expected an object, got {_describe(value)}")
        return {str(k): _coerce(v, spec[1], f"{where}[{str(k)!r}]") for k, v in value.items()}
    raise AssertionError(spec)  # pragma: no cover


def coerce(value: Any, answer_type: str) -> Any:
    """Convert a JSON value to ``answer_type``; :class:`AnswerTypeError` says why it cannot be.

    Lenient only where the meaning is unambiguous: ``"1,234"`` and ``1234.0`` are the integer 1234, ``"true"``
    is true, ``"[1, 2]"`` is a list; a fraction is not an integer, 1 is not true, null is nothing.
    """
    return _coerce(value, parse_answer_type(answer_type), "answer")


# ---------------------------------------------------------------------------------------------------------------
# a tolerant reader for JSON-like objects


class _ParseFail(Exception):
    pass


_WS = re.compile(r"\s*")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?![\d.eE])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LITERALS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "\\": "\\", '"': '"', "'": "'"}
_MAX_DEPTH = 100


class _Reader:
    """Recursive descent over a superset of JSON (see the module docstring).  Positions index ``text``."""

    def __init__(self, text: str) -> None:
        self.text = text
        # position -> the object read there (or None: no object there).  Without it, text like '{"a": ' * 5000
        # (a small model's loop) costs quadratic time, since every '{' is tried as the start of an answer.
        self.objects: dict[int, tuple[dict[str, Any], int] | None] = {}

    def ws(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()  # type: ignore[union-attr]

    def value_at(self, pos: int, depth: int = 0, in_object: bool = False) -> tuple[Any, int]:
        if depth > _MAX_DEPTH:
            raise _ParseFail
        text = self.text
        pos = self.ws(pos)
        if pos >= len(text):
            raise _ParseFail
        ch = text[pos]
        if ch == "{":
            return self.object_at(pos, depth + 1)
        if ch in "[(":
            return self.array_at(pos, depth + 1)
        if ch in "\"'":
            return self.string_at(pos)
        if in_object:
            m = _THOUSANDS.match(text, pos)
            if m and text[self.ws(m.end()) : self.ws(m.end()) + 1] in ("}", ","):
                try:
                    return int(m.group().replace(",", "")), m.end()
                except ValueError:  # more digits than int() converts
                    raise _ParseFail from None
        m = _NUMBER.match(text, pos)
        if m:
            token = m.group()
            if any(c in token for c in ".eE"):
                try:
                    return float(token), m.end()
                except ValueError:  # pragma: no cover - the regex admits only floats
                    raise _ParseFail from None
            try:
                return int(token), m.end()
            except ValueError:  # more digits than int() converts
                raise _ParseFail from None
        m = _IDENT.match(text, pos)
        if m and m.group() in _LITERALS:
            return _LITERALS[m.group()], m.end()
        raise _ParseFail

    def string_at(self, pos: int) -> tuple[str, int]:
        text = self.text
        quote = text[pos]
        out: list[str] = []
        i = pos + 1
        n = len(text)
        while i < n:
            j = i
            while j < n and text[j] != quote and text[j] != "\\":
                j += 1
            out.append(text[i:j])
            if j >= n:
                break
            if text[j] == quote:
                return "".join(out), j + 1
            # backslash escape
            if j + 1 >= n:
                break
            esc = text[j + 1]
            if esc == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[j + 2 : j + 6]):
                code = int(text[j + 2 : j + 6], 16)
                i = j + 6
                if 0xD800 <= code < 0xDC00 and text[i : i + 2] == "\\u":
                    low_hex = text[i + 2 : i + 6]
                    if re.fullmatch(r"[0-9a-fA-F]{4}", low_hex) and 0xDC00 <= int(low_hex, 16) < 0xE000:
                        code = 0x10000 + ((code - 0xD800) << 10) + (int(low_hex, 16) - 0xDC00)
                        i += 6
                out.append(chr(code))
                continue
            out.append(_ESCAPES.get(esc, "\\" + esc))
            i = j + 2
        raise _ParseFail

    def key_at(self, pos: int) -> tuple[str, int]:
        text = self.text
        if pos < len(text) and text[pos] in "\"'":
            return self.string_at(pos)
        m = _NUMBER.match(text, pos)
        if m:
            return m.group(), m.end()
        m = _IDENT.match(text, pos)
        if m:
            return m.group(), m.end()
        raise _ParseFail

    def object_at(self, pos: int, depth: int) -> tuple[dict[str, Any], int]:
        if pos in self.objects:
            known = self.objects[pos]
            if known is None:
                raise _ParseFail
            return known
        try:
            found = self._object_at(pos, depth)
        except (_ParseFail, RecursionError):
            self.objects[pos] = None
            raise _ParseFail from None
        self.objects[pos] = found
        return found

    def _object_at(self, pos: int, depth: int) -> tuple[dict[str, Any], int]:
        text = self.text
        result: dict[str, Any] = {}
        pos = self.ws(pos + 1)
        while True:
            if pos >= len(text):
                raise _ParseFail
            if text[pos] == "}":
                return result, pos + 1
            key, pos = self.key_at(pos)
            pos = self.ws(pos)
            if text[pos : pos + 1] != ":":
                raise _ParseFail
            value, pos = self.value_at(pos + 1, depth, in_object=True)
            result[key] = value
            pos = self.ws(pos)
            if text[pos : pos + 1] == ",":
                pos = self.ws(pos + 1)
            elif text[pos : pos + 1] != "}":
                raise _ParseFail

    def array_at(self, pos: int, depth: int) -> tuple[list[Any], int]:
        text = self.text
        close = "]" if text[pos] == "[" else ")"
        result: list[Any] = []
        pos = self.ws(pos + 1)
        while True:
            if pos >= len(text):
                raise _ParseFail
            if text[pos] == close:
                return result, pos + 1
            value, pos = self.value_at(pos, depth)
            result.append(value)
            pos = self.ws(pos)
            if text[pos : pos + 1] == ",":
                pos = self.ws(pos + 1)
            elif text[pos : pos + 1] != close:
                raise _ParseFail


def _answer_key(obj: dict[str, Any]) -> str | None:
    if "answer" in obj:
        return "answer"
    for key in obj:
        if key.strip().lower() == "answer":
            return key
    return None


def find_answer_object(text: str) -> tuple[bool, Any]:
    """``(True, value)`` of the last object in ``text`` with an ``"answer"`` key, else ``(False, None)``.

    Objects are read left to right; an object that carries the answer is taken whole (objects nested inside it
    are not candidates), an object without one is searched inside.  The candidate that starts last wins.
    """
    found, value, _end = _last_answer_object(text)
    return found, value


def _last_answer_object(text: str) -> tuple[bool, Any, int]:
    """:func:`find_answer_object` and where the object found ends (0 when none)."""
    reader = _Reader(text)
    found = False
    value: Any = None
    found_end = 0
    pos = text.find("{")
    while pos != -1:
        try:
            obj, end = reader.object_at(pos, 1)
        except (_ParseFail, RecursionError):
            pos = text.find("{", pos + 1)
            continue
        key = _answer_key(obj)
        if key is None:
            pos = text.find("{", pos + 1)
        else:
            found, value, found_end = True, obj[key], end
            pos = text.find("{", end)
    return found, value, found_end


#: the start of an object with an "answer" key, as :func:`_answer_key` reads keys; not the prompts' own
#: ``{"answer": ANSWER}`` / ``{"answer": VALUE}`` echoed by the model
_ANSWER_START = re.compile(
    r"""\{\s*(?:"\s*answer\s*"|'\s*answer\s*'|answer\b)\s*:(?!\s*(?:ANSWER|VALUE)\s*\})""", re.IGNORECASE
)


@dataclass(frozen=True)
class Extracted:
    """What :func:`extract_answer` found.

    ``found``: an object with an ``"answer"`` key was present; ``raw``: its value as written; ``value``: that value
    converted to the answer type (None unless ``ok``); ``error``: why there is no typed value (None when ``ok``).
    """

    found: bool
    value: Any = None
    raw: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


NO_TEXT = "the response has no text (content was null)"
EMPTY_TEXT = "the response is empty"
NO_ANSWER = 'no JSON object with an "answer" key in the response'
UNREADABLE_LAST = (
    'the last object with an "answer" key cannot be read (malformed or truncated); an earlier one is not taken'
)


def extract_answer(text: str | None, answer_type: str, *, outside_code: bool = False) -> Extracted:
    """The last ``{"answer": ...}`` in ``text`` converted to ``answer_type``, or the reason there is none.

    ``outside_code``: ignore complete python code blocks (:func:`without_code`), for replies that hold a program.
    """
    if text is None:
        return Extracted(found=False, error=NO_TEXT)
    if not text.strip():
        return Extracted(found=False, error=EMPTY_TEXT)
    searched = without_code(text) if outside_code else text
    found, raw, end = _last_answer_object(searched)
    if not found:
        return Extracted(found=False, error=NO_ANSWER)
    if _ANSWER_START.search(searched, end):
        # an answer object after the last readable one could not be read (malformed, or cut by max_tokens): the
        # earlier one is a draft, not the final answer
        return Extracted(found=False, error=UNREADABLE_LAST)
    try:
        value = coerce(raw, answer_type)
    except AnswerTypeError as exc:
        return Extracted(found=True, raw=raw, error=f"answer not of type {answer_type}: {exc}")
    return Extracted(found=True, value=value, raw=raw)


# ---------------------------------------------------------------------------------------------------------------
# code blocks

_FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[^\s`]*)[^\n`]*$")
_CODE_LANGS = {"", "python", "py", "python3", "py3"}
_DEFINES_SOLUTION = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+solution[ \t]*\(", re.MULTILINE)


@dataclass(frozen=True)
class CodeBlock:
    lang: str
    code: str
    terminated: bool
    #: the block's lines in ``text.splitlines()``: ``start`` is the opening fence, ``end`` one past the closing one
    start: int = 0
    end: int = 0


def code_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block of ``text`` in order (CommonMark-style fences of backticks or tildes)."""
    lines = text.splitlines(keepends=True)
    blocks: list[CodeBlock] = []
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i].rstrip("\r\n"))
        if not m:
            i += 1
            continue
        fence, indent = m.group("fence"), len(m.group("indent"))
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not closing.match(lines[j].rstrip("\r\n")):
            line = lines[j]
            strip = len(line) - len(line.lstrip(" "))
            body.append(line[min(strip, indent) :])
            j += 1
        terminated = j < len(lines)
        code = "".join(body)
        if terminated and code.endswith("\n"):
            code = code[:-1]  # the newline before the closing fence belongs to the fence
            if code.endswith("\r"):
                code = code[:-1]
        blocks.append(CodeBlock(lang=m.group("lang").lower(), code=code, terminated=terminated, start=i, end=j + 1))
        i = j + 1
    return blocks


def without_code(text: str) -> str:
    """``text`` without its complete python blocks (tagged python/py, or untagged and defining ``solution``).

    Used for the sim and controlsim arms, whose replies hold code: a dict literal ``{"answer": ...}`` inside the
    program is not the model's stated answer.  Unterminated blocks are kept (the answer may follow a missing
    closing fence).  One exception: a reply that *ends* with a python block (nothing but blank lines after its
    closing fence) whose last non-blank line is an answer object and nothing else (``{"answer": 42}``) keeps that
    line: the model ended its reply with the answer line as asked and closed the fence after it (small models do
    this often).  An answer-shaped dict that is part of a statement (``r = {"answer": 1}``) stays code.
    """
    blocks = [
        b
        for b in code_blocks(text)
        if b.terminated and b.lang in _CODE_LANGS and (b.lang or _DEFINES_SOLUTION.search(b.code))
    ]
    if not blocks:
        return text
    lines = text.splitlines(keepends=True)
    kept = _trailing_answer_line(lines, blocks[-1])
    for b in blocks:
        lines[b.start : b.end] = ["\n"] * (b.end - b.start)
    if kept is not None:
        lines[kept[0]] = kept[1]
    return "".join(lines)


def _trailing_answer_line(lines: list[str], block: CodeBlock) -> tuple[int, str] | None:
    """``(index, line)`` of the answer line that ends the reply inside its last block (:func:`without_code`)."""
    if any(line.strip() for line in lines[block.end :]):
        return None
    for i in range(block.end - 2, block.start, -1):  # the body, last line first (block.end - 1 is the fence)
        stripped = lines[i].strip()
        if not stripped:
            continue
        if stripped.startswith("{") and stripped.endswith("}") and _ANSWER_START.match(stripped):
            return i, lines[i]
        return None
    return None


def _compiles(code: str) -> bool:
    try:
        compile(code, "<solution>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


@dataclass(frozen=True)
class CodeExtraction:
    """``code`` (None when no usable block) and a note on how it was chosen or why there is none."""

    code: str | None
    note: str


NO_BLOCK = "no fenced code block in the response"
NO_SOLUTION = "no python code block defines solution()"
TRUNCATED = "the only code block defining solution() is unterminated and does not compile (truncated response)"


def find_code(text: str | None) -> CodeExtraction:
    """The code :func:`extract_code` returns, with a note for the record."""
    if not text:
        return CodeExtraction(None, NO_BLOCK if text is not None else "the response has no text")
    blocks = code_blocks(text)
    if not blocks:
        return CodeExtraction(None, NO_BLOCK)
    truncated = False
    for block in reversed(blocks):
        if block.lang not in _CODE_LANGS or not _DEFINES_SOLUTION.search(block.code):
            continue
        if not block.terminated:
            if not _compiles(block.code):
                truncated = True
                continue
            return CodeExtraction(block.code, "unterminated final code block taken: it compiles")
        return CodeExtraction(block.code, "")
    return CodeExtraction(None, TRUNCATED if truncated else NO_SOLUTION)


def extract_code(text: str | None) -> str | None:
    """The last fenced python block that defines ``solution()``, byte for byte; None when there is none."""
    return find_code(text).code


#: Changes with every edit of this module.  The execute stage and the controlsim queries run and show the code that
#: :func:`extract_code` finds, so their rules depend on it: after an edit they run again.  Re-asking controlsim costs
#: nothing where the shown code is unchanged (an identical request is served from the ledger).
CODE_EXTRACTION_VERSION = f"extract/1-{hashlib.sha256(open(__file__, 'rb').read()).hexdigest()[:8]}"
