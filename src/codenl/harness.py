"""The program that Code Exec runs: a fixed prelude, the model's code, a fixed epilogue.

:func:`build_program` returns one self-contained Python source text (run it with ``python -I -c PROGRAM`` or
``exec`` it in a fresh interpreter):

1. **Prelude.**  The usual imports, so that a correct program never fails on a missing import: every public
   ``typing`` name (``List``, ``Dict``, ``Tuple``, ``Optional``, ``Hashable``, ``cast``, ...), ``math``,
   ``itertools``, ``functools``, ``collections`` (and their common names: ``defaultdict``, ``deque``,
   ``Counter``, ``lru_cache``, ``reduce``, ``permutations``, ``combinations``, ``product``, ...), ``heapq``,
   ``bisect``, ``fractions``, ``re``,
   ``string``, ``copy``, ``sys``: the standard library only.  What else a program may import is the sandbox's
   decision (``sandbox.allowed_packages``; by default nothing).  ``sys.setrecursionlimit`` is raised to 10**4
   (recursive DP is common; 10**4 levels of ``lru_cache`` recursion still fit the default 8 MiB C stack, where
   2*10**4 segfaulted).
2. **The model's code, verbatim**, compiled on its own under the file name ``<solution>`` and executed in the
   namespace of a module called ``solution`` (pre-filled with the prelude's names).  Line numbers in tracebacks
   are the model's own; ``from __future__ import ...`` at its top works; ``if __name__ == "__main__":`` blocks do
   not run (the module is not ``__main__``), so a model's demo code that reads stdin cannot fail the run.  A
   NUL byte in the source is reported as ``SyntaxError`` (Python 3.11 says ``ValueError``), so that every
   source that cannot compile fails the same way.
3. **Epilogue.**  Calls ``solution()`` with no arguments, converts the result to JSON only where JSON cannot hold
   it, never reordering a sequence or changing a value's meaning (the table is in docs/records.md): tuples,
   ``range``, ``deque``, dict views and numpy arrays -> lists in their own order; numpy scalars -> their Python
   value; ``Fraction``/``Decimal`` -> int when integral else float; dict keys -> strings as ``json.dumps`` writes
   them (two keys written alike, ``1`` and ``"1"``, are an error: JSON would hold one); a subclass of ``str``,
   ``int``, ``float``, ``list``, ``tuple`` or a set -> the value it holds, as ``json.dumps`` writes it (never
   through its own ``__str__``, ``__int__`` or ``__iter__``: a str-mixin Enum member is its value); a set or
   frozenset -> a list in a canonical (sorted) order **and its path in ``sets``**, so that grading knows it had
   no order.  It writes, on the real standard output (file descriptor 1, whatever the model did
   to ``sys.stdout``), a line holding :data:`SENTINEL` followed by one line of JSON: ``{"value": V}`` (plus
   ``"sets": [path, ...]`` when V holds sets), or ``{"error": "..."}`` when the result cannot be converted (NaN,
   a generator, an object, a string holding a lone surrogate, nesting deeper than 200, ...) so that this is
   reported, not a crash.

Errors raised by the model's code (at import or inside ``solution()``) propagate as ordinary uncaught
exceptions: non-zero exit status, and a traceback whose last line is ``ExceptionType: message``.

:func:`parse_output` reads the value back from the captured stdout; the last sentinel wins, so whatever the
model printed before (even a fake sentinel) is ignored.  The program can print anything, so the line is read
with bounds and anything unreadable is reported as the program's own failure, never raised.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["HARNESS_VERSION", "SENTINEL", "UNCONVERTIBLE_PREFIX", "HarnessOutput", "build_program", "parse_output"]

#: bump for a deliberate change of meaning; the hash over the program template (below) changes with every edit
HARNESS_REVISION = "1"

#: how the harness's error starts when ``solution()`` returned a value that cannot be written as JSON
UNCONVERTIBLE_PREFIX = "solution() returned "

#: printed on a line of its own, followed by one line of JSON with the result
SENTINEL = "<<<codenl-result:9f2c41>>>"

PRELUDE_IMPORTS = """\
from typing import *  # every public name (the sim prompt promises them); the names below and collections' win
from typing import (
    Any, Callable, DefaultDict, Deque, Dict, FrozenSet, Generator, Iterable, Iterator, List, Literal, Mapping,
    MutableMapping, NamedTuple, Optional, OrderedDict as TypingOrderedDict, Sequence, Set, Tuple, Type, TypeVar,
    Union,
)
import bisect
import collections
import copy
import fractions
import functools
import heapq
import itertools
import math
import operator
import random
import re
import string
import sys
from bisect import bisect_left, bisect_right, insort
from collections import Counter, OrderedDict, defaultdict, deque, namedtuple
from fractions import Fraction
from functools import cache, cmp_to_key, lru_cache, partial, reduce
from heapq import heapify, heappop, heappush, heappushpop, heapreplace, nlargest, nsmallest
from itertools import (
    accumulate, chain, combinations, combinations_with_replacement, count, groupby, islice, permutations,
    product, zip_longest,
)
from math import ceil, comb, factorial, floor, gcd, inf, isqrt, log, log2, perm, sqrt
"""

_TEMPLATE = '''\
# --- codenl harness {version}: prelude ---
import json as _codenl_json
import linecache as _codenl_linecache
import os as _codenl_os
import sys as _codenl_sys
import types as _codenl_types
import collections as _codenl_collections
import fractions as _codenl_fractions
from math import inf as _codenl_inf

_codenl_sys.setrecursionlimit(10000)


def _codenl_excepthook(etype, value, tb):
    # the default hook reads source lines from files; this one also shows the model's lines (via linecache)
    import traceback
    traceback.print_exception(etype, value, tb)


_codenl_sys.excepthook = _codenl_excepthook
_codenl_module = _codenl_types.ModuleType("solution")
_codenl_sys.modules["solution"] = _codenl_module
exec({prelude!r}, _codenl_module.__dict__)

# --- the model's code, compiled as "<solution>" so that tracebacks carry its own line numbers ---
_codenl_source = {code!r}
_codenl_linecache.cache["<solution>"] = (
    len(_codenl_source), None, _codenl_source.splitlines(True) or [""], "<solution>"
)
try:
    _codenl_code = compile(_codenl_source, "<solution>", "exec", dont_inherit=True)
except ValueError as _codenl_exc:  # NUL bytes: a SyntaxError from 3.12 on
    raise SyntaxError(str(_codenl_exc)) from None
exec(_codenl_code, _codenl_module.__dict__)

# --- epilogue ---
if "solution" not in _codenl_module.__dict__:
    raise NameError("name 'solution' is not defined (the code defines no top-level solution())")
_codenl_result = _codenl_module.__dict__["solution"]()


class _CodenlUnconvertible(Exception):
    pass


def _codenl_text(obj):
    text = str.__str__(obj)  # the characters held, as json.dumps writes them: never a subclass's __str__ (an Enum's)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _CodenlUnconvertible("a string holding an unpaired surrogate (not Unicode text)")
    return text


def _codenl_key(key):
    if isinstance(key, str):
        return _codenl_text(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return str(int.__int__(key))
    if isinstance(key, float):
        number = float.__float__(key)
        if number == number and abs(number) != _codenl_inf:
            return repr(number)
    key, _ = _codenl_to_json(key, 1)
    if isinstance(key, (int, str)) and not isinstance(key, bool):
        return str(key)
    raise _CodenlUnconvertible("dict key of type %s" % type(key).__name__)


def _codenl_order(pair):
    return _codenl_json.dumps(pair[0], sort_keys=True)


def _codenl_to_json(obj, depth=0):
    """(JSON value, paths of the sets inside it, relative to it)"""
    if depth > 200:
        raise _CodenlUnconvertible("nesting deeper than 200")
    if obj is None or obj is True or obj is False:
        return obj, []
    if isinstance(obj, str):
        return _codenl_text(obj), []
    if isinstance(obj, bool):
        return bool(obj), []
    if isinstance(obj, int):  # the number held (as json.dumps writes it), never a subclass's __int__ or __index__
        return int.__int__(obj), []
    if isinstance(obj, float):
        number = float.__float__(obj)
        if number != number or abs(number) == _codenl_inf:
            raise _CodenlUnconvertible("the float %r is not JSON" % (number,))
        return number, []
    module = type(obj).__module__ or ""
    if module == "numpy" or module.startswith("numpy."):
        if hasattr(obj, "tolist"):
            return _codenl_to_json(obj.tolist(), depth + 1)
    if isinstance(obj, _codenl_fractions.Fraction):
        return (int(obj) if obj.denominator == 1 else float(obj)), []
    if type(obj).__name__ == "Decimal" and module == "decimal":
        return (int(obj) if obj == obj.to_integral_value() else float(obj)), []
    if isinstance(obj, dict):
        out, sets = {{}}, []
        for k, v in obj.items():
            key = _codenl_key(k)
            if key in out:  # {{1: ..., "1": ...}}: JSON would hold one of the two
                raise _CodenlUnconvertible("two dict keys that are both %r in JSON" % (key,))
            out[key], inner = _codenl_to_json(v, depth + 1)
            sets += [[key] + p for p in inner]
        return out, sets
    if isinstance(obj, (set, frozenset)):
        members = set.__iter__(obj) if isinstance(obj, set) else frozenset.__iter__(obj)
        items = [_codenl_to_json(x, depth + 1) for x in members]
        try:
            items.sort(key=lambda pair: pair[0])
        except TypeError:
            items.sort(key=_codenl_order)
        sets = [[]]
        for i, (_, inner) in enumerate(items):
            sets += [[i] + p for p in inner]
        return [v for v, _ in items], sets
    if isinstance(obj, (list, tuple, range, _codenl_collections.deque)) or type(obj).__name__ in (
        "dict_keys", "dict_values", "dict_items"
    ):
        out, sets = [], []
        # the items held, as json.dumps reads a list or tuple: never a subclass's __iter__
        items = list.__iter__(obj) if isinstance(obj, list) else tuple.__iter__(obj) if isinstance(obj, tuple) else obj
        for i, x in enumerate(items):
            v, inner = _codenl_to_json(x, depth + 1)
            out.append(v)
            sets += [[i] + p for p in inner]
        return out, sets
    raise _CodenlUnconvertible("a value of type %s" % type(obj).__name__)


try:
    _codenl_value, _codenl_sets = _codenl_to_json(_codenl_result)
    _codenl_payload = {{"value": _codenl_value}}
    if _codenl_sets:
        _codenl_payload["sets"] = _codenl_sets
    _codenl_line = _codenl_json.dumps(_codenl_payload, ensure_ascii=True, allow_nan=False)
except (_CodenlUnconvertible, ValueError, TypeError, RecursionError, OverflowError) as _codenl_exc:
    _codenl_line = _codenl_json.dumps(
        {{"error": {unconvertible!r} + "%s that cannot be written as JSON: %s"
                   % (type(_codenl_result).__name__, _codenl_exc)}},
        ensure_ascii=True,
    )
try:
    _codenl_sys.stdout.flush()
except Exception:
    pass
_codenl_data = ("\\n" + {sentinel!r} + "\\n" + _codenl_line + "\\n").encode("ascii")
while _codenl_data:
    _codenl_data = _codenl_data[_codenl_os.write(1, _codenl_data):]
'''

#: in every execution record; any edit of the prelude, the epilogue or the JSON conversion changes it
HARNESS_VERSION = (
    f"harness/{HARNESS_REVISION}-"
    + hashlib.sha256((PRELUDE_IMPORTS + _TEMPLATE + SENTINEL + UNCONVERTIBLE_PREFIX).encode()).hexdigest()[:8]
)

#: where the model's code begins in the program (for people reading a program, not for line numbers)
CODE_FILENAME = "<solution>"


def build_program(code: str) -> str:
    """The complete program that runs ``code`` and prints ``solution()``'s value behind :data:`SENTINEL`.  Run it
    with the code beside it (``Sandbox.run(program, solution=code)``): the sandbox then checks that the code
    compiles before the program runs, which is what makes a ``syntax_error``."""
    return _TEMPLATE.format(
        version=HARNESS_VERSION,
        prelude=PRELUDE_IMPORTS,
        code=code,
        sentinel=SENTINEL,
        unconvertible=UNCONVERTIBLE_PREFIX,
    )


@dataclass(frozen=True)
class HarnessOutput:
    """``found``: the harness printed a value; ``value``: it (JSON); ``error``: why there is none (None if found);
    ``sets``: the paths (lists of list indices and dict keys) at which ``value`` holds what was a Python set."""

    found: bool
    value: Any = None
    error: str | None = None
    sets: tuple[tuple[int | str, ...], ...] = ()


NO_SENTINEL = "the harness printed no result (solution() did not return normally)"
#: deepest value read back (the epilogue refuses deeper ones)
MAX_DEPTH = 200


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _safe(text: str, limit: int = 300) -> str:
    """A bounded string without lone surrogates (any JSON writer and Parquet accept it)."""
    return _SURROGATE.sub("\ufffd", text[:limit])


def value_problem(value: Any) -> str | None:
    """Why ``value`` cannot be an executed value (too deep, a string that is not Unicode text), else None.
    Iterative: no recursion limit."""
    stack = [(value, 0)]
    while stack:
        obj, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nesting deeper than {MAX_DEPTH}"
        if isinstance(obj, str):
            texts = [obj]
        elif isinstance(obj, dict):
            texts = list(obj)
            stack.extend((v, depth + 1) for v in obj.values())
        elif isinstance(obj, list):
            texts = []
            stack.extend((v, depth + 1) for v in obj)
        else:
            continue
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return "a string holding an unpaired surrogate (not Unicode text)"
    return None


def _set_paths(value: Any, raw: Any) -> tuple[tuple[int | str, ...], ...] | None:
    """The set paths of a result line, each checked to lead to a list in ``value``; None when malformed."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > 100_000:
        return None
    out = []
    for path in raw:
        if not isinstance(path, list):
            return None
        node = value
        for step in path:
            if (isinstance(node, list) and type(step) is int and 0 <= step < len(node)) or (
                isinstance(node, dict) and isinstance(step, str) and step in node
            ):
                node = node[step]
            else:
                return None
        if not isinstance(node, list):
            return None
        out.append(tuple(path))
    return tuple(out)


def parse_output(stdout: str) -> HarnessOutput:
    """The value behind the last :data:`SENTINEL` line of ``stdout``, or the reason there is none.

    ``stdout`` is the program's: whatever stands after the sentinel is read with bounds (no NaN or Infinity, no
    nesting deeper than :data:`MAX_DEPTH`, no lone surrogate), and what cannot be read is reported, never raised."""
    marker = SENTINEL + "\n"
    pos = stdout.rfind("\n" + marker)
    if pos == -1:
        if stdout.startswith(marker):
            pos = -1
        else:
            return HarnessOutput(found=False, error=NO_SENTINEL)
    start = pos + 1 + len(marker)
    end = stdout.find("\n", start)
    line = stdout[start:] if end == -1 else stdout[start:end]
    try:
        payload = json.loads(line, parse_constant=_refuse_constant)
    except (ValueError, RecursionError, MemoryError):
        return HarnessOutput(found=False, error=f"the result line after the sentinel is not JSON: {line[:80]!r}")
    if isinstance(payload, dict) and "value" in payload:
        value = payload["value"]
        problem = value_problem(value)
        if problem is not None:
            return HarnessOutput(found=False, error=f"{UNCONVERTIBLE_PREFIX}a value that cannot be stored: {problem}")
        sets = _set_paths(value, payload.get("sets"))
        if sets is None:
            return HarnessOutput(found=False, error=f"malformed set paths in the result line: {line[:80]!r}")
        return HarnessOutput(found=True, value=value, sets=sets)
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        return HarnessOutput(found=False, error=_safe(payload["error"]))
    return HarnessOutput(found=False, error=f"unexpected result line after the sentinel: {line[:80]!r}")
