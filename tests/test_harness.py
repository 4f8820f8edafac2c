"""The Code Exec program harness (codenl.harness), run in a plain subprocess.

The sandbox (codenl.sandbox) runs the same program text with its limits; these tests check the harness itself:
imports available, the value printed behind the sentinel and read back, errors with their real line numbers.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from codenl.harness import HARNESS_VERSION, NO_SENTINEL, SENTINEL, build_program, parse_output


def run(code: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-c", build_program(textwrap.dedent(code))],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def value_of(code: str) -> object:
    proc = run(code)
    assert proc.returncode == 0, proc.stderr
    out = parse_output(proc.stdout)
    assert out.found, out.error
    return out.value


def test_version_names_revision_and_template_hash() -> None:
    import re

    assert re.fullmatch(r"harness/\d+-[0-9a-f]{8}", HARNESS_VERSION)


def test_typing_names_and_common_modules_without_imports() -> None:
    code = """
    def helper(xs: List[int]) -> Tuple[int, Dict[str, int]]:
        c = Counter(xs)
        d: DefaultDict[str, int] = defaultdict(int)
        d["a"] += 1
        return (max(c.values()), dict(d))

    @lru_cache(maxsize=None)
    def fib(n: int) -> int:
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    def solution() -> Optional[List[Any]]:
        h = [3, 1, 2]
        heapify(h)
        return [helper([1, 1, 2]), fib(30), heappop(h), math.gcd(12, 18), list(permutations([1, 2]))[1],
                bisect_left([1, 2, 3], 2), reduce(operator.add, [1, 2, 3]), Fraction(6, 3), isqrt(17),
                deque([1, 2]), sorted({3, 1, 2}), string.ascii_lowercase[:2], copy.deepcopy([1]),
                re.findall(r"\\d", "a1b2"), list(accumulate([1, 2, 3])), comb(5, 2)]
    """
    assert value_of(code) == [
        [2, {"a": 1}],
        832040,
        1,
        6,
        [2, 1],
        1,
        6,
        2,
        4,
        [1, 2],
        [1, 2, 3],
        "ab",
        [1],
        ["1", "2"],
        [1, 3, 6],
        10,
    ]


def test_every_name_of_the_typing_module_without_imports() -> None:
    # the sim prompt promises "every name of the typing module"; annotations are evaluated when a def runs, so a
    # missing one is a NameError that scores a correct program as runtime_error
    code = """
    import typing

    T = TypeVar("T", bound=Hashable)

    class Graph(Generic[T]):
        limit: ClassVar[int] = 3

    def first(xs: Collection[T], seen: AbstractSet[T], out: MutableSequence[T]) -> Text:
        return cast(str, "ok")

    def fail() -> NoReturn:
        raise RuntimeError

    def solution() -> Final[List[str]]:
        missing = [name for name in typing.__all__ if name not in globals()]
        return [first([1], {1}, []), str(Graph.limit), type(Counter()).__module__, type(OrderedDict()).__module__,
                *missing]
    """
    assert value_of(code) == ["ok", "3", "collections", "collections"]


def test_future_import_and_dataclass_and_main_guard() -> None:
    code = """
    from __future__ import annotations
    from dataclasses import dataclass

    @dataclass
    class Item:
        w: int
        v: int

    def solution() -> int:
        return sum(i.v for i in [Item(1, 2), Item(3, 4)])

    if __name__ == "__main__":
        n = int(input())  # stdin is closed: this must not run
        print(solution())
    """
    assert value_of(code) == 6


def test_conversions_to_json() -> None:
    code = """
    def solution():
        return {
            "tuple": (1, (2, 3)),
            "set": {3, 1, 2},
            "frozen": frozenset({"b", "a"}),
            "intkeys": {2: "x", 1: "y"},
            "tuplekey": {(1, 2): 3} and 0,
            "frac": Fraction(1, 4),
            "big": 2 ** 200,
            "range": range(3),
            "keys": {"a": 1}.keys(),
            "bool": True,
            "none": None,
        }
    """
    assert value_of(code) == {
        "tuple": [1, [2, 3]],
        "set": [1, 2, 3],
        "frozen": ["a", "b"],
        "intkeys": {"2": "x", "1": "y"},
        "tuplekey": 0,
        "frac": 0.25,
        "big": 2**200,
        "range": [0, 1, 2],
        "keys": ["a"],
        "bool": True,
        "none": None,
    }


def test_numpy_values_are_converted() -> None:
    pytest.importorskip("numpy")
    code = """
    import numpy as np

    def solution():
        a = np.array([[1, 2], [3, 4]], dtype=np.int64)
        return {"m": a, "s": a.sum(), "f": np.float64(0.5), "b": np.bool_(True), "l": [np.int32(7)]}
    """
    assert value_of(code) == {"m": [[1, 2], [3, 4]], "s": 10, "f": 0.5, "b": True, "l": [7]}


def test_stray_prints_and_fake_sentinels_do_not_confuse_the_result() -> None:
    code = f"""
    import sys
    def solution():
        print("working...", end="")
        print({SENTINEL!r})
        print('{{"value": 666}}')
        sys.stdout = open("/dev/null", "w")  # the harness still writes to fd 1
        return 5
    """
    assert value_of(code) == 5


def test_unconvertible_error_starts_with_the_prefix_grading_relies_on() -> None:
    from codenl.harness import UNCONVERTIBLE_PREFIX

    out = parse_output(run("def solution():\n    return {1, 'a'} and object()\n").stdout)
    assert out.error is not None and out.error.startswith(UNCONVERTIBLE_PREFIX)


def test_print_instead_of_return_gives_null_value() -> None:
    code = """
    def solution():
        print(42)
    """
    assert value_of(code) is None


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("def solution():\n    return float('nan')\n", "float nan"),
        ("def solution():\n    return (i for i in range(3))\n", "generator"),
        ("def solution():\n    return object()\n", "object"),
        ("def solution():\n    return {(1, 2): 3}\n", "dict key"),
        ("def solution():\n    return 1 + 2j\n", "complex"),
        ("from decimal import Decimal\ndef solution():\n    return [Decimal('Infinity')]\n", "Infinity"),
        ("def solution():\n    return Fraction(10**400, 3)\n", "too large"),
        ("def solution():\n    return {1: 'a', '1': 'b'}\n", "two dict keys"),  # JSON would keep one of them
        ("def solution():\n    return {True: 'a', 'true': 'b'}\n", "two dict keys"),
        ("def solution():\n    return 10 ** 5000\n", "4300 digits"),
    ],
)
def test_unconvertible_results_are_reported_not_crashes(code: str, fragment: str) -> None:
    proc = run(code)
    assert proc.returncode == 0, proc.stderr
    out = parse_output(proc.stdout)
    assert not out.found
    assert fragment in (out.error or ""), out.error


def last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_subclasses_are_written_as_what_they_hold_like_json_dumps() -> None:
    """A str, int, float, list, tuple or set subclass is written as the value it holds (as ``json.dumps`` writes
    it), never through its own ``__str__``, ``__int__``, ``__float__`` or ``__iter__``: a str-mixin Enum member is
    its value, not ``"Dir.UP"``."""
    code = """
    import enum

    class Dir(str, enum.Enum):
        UP = "up"

    class Level(enum.IntEnum):
        ONE = 1

    class Loud(str):
        def __str__(self):
            return "forged"

    class Seven(int):
        def __int__(self):
            return 7

        def __index__(self):
            return 7

    class Half(float):
        def __float__(self):
            return 0.5

    class Endless(list):
        def __iter__(self):
            while True:
                yield 0

    class Odd(frozenset):
        def __iter__(self):
            return iter([9])

    def solution():
        return [Dir.UP, Level.ONE, Loud("real"), Seven(5), Half(2.0), Endless([1, 2]), Odd({3}), {Dir.UP: Seven(5)},
                {Loud("k"): 1, Seven(6): 2}]
    """
    assert value_of(code) == ["up", 1, "real", 5, 2.0, [1, 2], [3], {"up": 5}, {"k": 1, "6": 2}]


def test_runtime_error_keeps_model_line_numbers() -> None:
    code = "def solution():\n    x = [1]\n    return x[5]\n"
    proc = run(code)
    assert proc.returncode == 1
    assert 'File "<solution>", line 3, in solution' in proc.stderr
    assert "return x[5]" in proc.stderr  # the source line is shown
    assert last_line(proc.stderr).startswith("IndexError:")
    assert parse_output(proc.stdout).error == NO_SENTINEL


@pytest.mark.parametrize(
    "code, exc",
    [
        ("def solution(:\n    return 1\n", "SyntaxError"),
        ("def solution():\nreturn 1\n", "IndentationError"),
        ("def solution():\n    return 1\x00\n", "SyntaxError"),
        ("x = 1\nfrom __future__ import annotations\ndef solution():\n    return 1\n", "SyntaxError"),
    ],
)
def test_source_that_does_not_compile_is_a_syntax_error(code: str, exc: str) -> None:
    proc = run(code)
    assert proc.returncode == 1
    assert last_line(proc.stderr).startswith(exc + ":"), proc.stderr


def test_missing_solution_is_a_name_error() -> None:
    proc = run("class Solution:\n    def solution(self):\n        return 1\n")
    assert proc.returncode == 1
    assert last_line(proc.stderr).startswith("NameError:")


def test_model_names_do_not_break_the_epilogue() -> None:
    # the model shadows builtins and names the harness uses; its namespace is its own module
    code = """
    json = None
    int = str
    def isinstance(*a):
        raise RuntimeError
    def solution():
        return [1, 2]
    """
    assert value_of(code) == [1, 2]


def test_recursion_limit_raised() -> None:
    code = """
    def depth(n):
        return 0 if n == 0 else 1 + depth(n - 1)
    def solution():
        return depth(5000)
    """
    assert value_of(code) == 5000


@pytest.mark.parametrize(
    "stdout, found, value",
    [
        (f"\n{SENTINEL}\n" + '{"value": [1, 2]}\n', True, [1, 2]),
        (f"{SENTINEL}\n" + '{"value": 3}\n', True, 3),
        (f"noise\n{SENTINEL}\n" + '{"value": 1}\n' + f"\n{SENTINEL}\n" + '{"value": 2}\n', True, 2),
        (f"\n{SENTINEL}\n" + '{"value": null}', True, None),
        ("42\n", False, None),
        ("", False, None),
        (f"\n{SENTINEL}\n" + '{"value": [1, ', False, None),
        (f"\n{SENTINEL}\n" + '{"error": "bad"}\n', False, None),
        (f"x{SENTINEL}\n" + '{"value": 1}\n', False, None),  # not on a line of its own
    ],
)
def test_parse_output(stdout: str, found: bool, value: object) -> None:
    out = parse_output(stdout)
    assert out.found is found
    assert out.value == value
    assert (out.error is None) is found
