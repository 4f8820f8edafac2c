"""Answer extraction, type coercion and code extraction (codenl.answers)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codenl.answers import (
    EMPTY_TEXT,
    NO_ANSWER,
    NO_SOLUTION,
    NO_TEXT,
    TRUNCATED,
    AnswerTypeError,
    code_blocks,
    coerce,
    extract_answer,
    extract_code,
    find_answer_object,
    find_code,
    parse_answer_type,
)

# --------------------------------------------------------------------------------------------------- answer types


@pytest.mark.parametrize(
    "text, spec",
    [
        ("int", ("int",)),
        ("list[int]", ("list", ("int",))),
        ("list[list[int]]", ("list", ("list", ("int",)))),
        ("dict[str,int]", ("dict", ("int",))),
        ("dict[str, list[int]]", ("dict", ("list", ("int",)))),
        ("any", ("any",)),
    ],
)
def test_parse_answer_type(text: str, spec: tuple) -> None:
    assert parse_answer_type(text) == spec


@pytest.mark.parametrize("bad", ["integer", "list[int", "dict[int,int]", "list[]", "int]", ""])
def test_parse_answer_type_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="malformed answer_type"):
        parse_answer_type(bad)


@pytest.mark.parametrize(
    "value, answer_type, expected",
    [
        (42, "int", 42),
        ("42", "int", 42),
        (" -1,234 ", "int", -1234),
        ("1,234,567", "int", 1234567),
        ("1_000", "int", 1000),
        ("12.0", "int", 12),
        (12.0, "int", 12),
        ("\u22127", "int", -7),
        ("123456789012345678901234567890", "int", 123456789012345678901234567890),
        (3, "float", 3.0),
        ("2.5", "float", 2.5),
        (True, "bool", True),
        ("False", "bool", False),
        ("yes", "bool", True),
        ("abc", "str", "abc"),
        (17, "str", "17"),
        ([1, "2", "3,000"], "list[int]", [1, 2, 3000]),
        ("[1, 2, 3]", "list[int]", [1, 2, 3]),
        ([[1, 2], [3, "4"]], "list[list[int]]", [[1, 2], [3, 4]]),
        ({"A": "1", "B": 2}, "dict[str,int]", {"A": 1, "B": 2}),
        ("{'A': 1}", "dict[str,int]", {"A": 1}),
        ({"x": [1]}, "any", {"x": [1]}),
        (None, "any", None),
    ],
)
def test_coerce_accepts(value: object, answer_type: str, expected: object) -> None:
    result = coerce(value, answer_type)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "value, answer_type, fragment",
    [
        (True, "int", "boolean"),
        (1.5, "int", "fraction"),
        ("1.5", "int", "fraction"),
        (1e20, "int", "too large"),
        ("12 apples", "int", "string"),
        ("1,23", "int", "string"),  # not a valid grouping
        (None, "int", "null"),
        ([1], "int", "list"),
        (1, "bool", "true or false"),
        ("maybe", "bool", "true or false"),
        (True, "str", "string"),
        ("1, 2, 3", "list[int]", "list"),
        ([1, "x"], "list[int]", "answer[1]"),
        ([[1], [2, None]], "list[list[int]]", "answer[1][1]"),
        ({"A": "blue"}, "dict[str,int]", "answer['A']"),
        ([1], "dict[str,int]", "object"),
        (float("nan"), "int", "nan"),
    ],
)
def test_coerce_rejects_with_position(value: object, answer_type: str, fragment: str) -> None:
    with pytest.raises(AnswerTypeError) as info:
        coerce(value, answer_type)
    assert fragment in str(info.value)


# ------------------------------------------------------------------------------------------------ answer finding


@pytest.mark.parametrize(
    "text, answer_type, expected",
    [
        ('{"answer": 5}', "int", 5),
        ('So the result is:\n```json\n{"answer": 1234}\n```\nDone.', "int", 1234),
        ('```json\n{\n  "answer": [1, 2, 3],\n}\n```', "list[int]", [1, 2, 3]),  # trailing comma
        ("{'answer': True}", "bool", True),
        ("{answer: 7}", "int", 7),
        ('{"answer": "1,234"}', "int", 1234),
        ('{"answer": 1,234,567}', "int", 1234567),  # bare thousands separators in an object value
        ('{"answer": 1,234, "note": "x"}', "int", 1234),
        ('{"Answer": 3}', "int", 3),
        ('{"answer": (1, 2)}', "list[int]", [1, 2]),
        ('{"answer": {0: 1, 1: 2}}', "dict[str,int]", {"0": 1, "1": 2}),
        ('first {"answer": 1} then corrected {"answer": 2}', "int", 2),
        ('{"answer": 99999999999999999999999999999999}', "int", 99999999999999999999999999999999),
        ('{"answer": None}', "any", None),
        ('{"reasoning": "see {x}", "answer": "a\\"b"}', "str", 'a"b'),
        ('{"answer": "caf\\u00e9 \\ud83d\\ude00"}', "str", "caf\u00e9 \U0001f600"),
        ('{"result": {"answer": 4}}', "int", 4),  # wrapped
        ('{"answer": {"answer": 1, "b": 2}}', "any", {"answer": 1, "b": 2}),  # the outer object wins
    ],
)
def test_extract_answer_finds(text: str, answer_type: str, expected: object) -> None:
    got = extract_answer(text, answer_type)
    assert got.ok, got.error
    assert got.found
    assert got.value == expected
    assert type(got.value) is type(expected)


def test_thousands_in_lists_are_separate_items() -> None:
    assert extract_answer('{"answer": [1,234]}', "list[int]").value == [1, 234]


@pytest.mark.parametrize(
    "text, error",
    [
        (None, NO_TEXT),
        ("", EMPTY_TEXT),
        ("   \n", EMPTY_TEXT),
        ("The answer is 42.", NO_ANSWER),
        ('{"result": 42}', NO_ANSWER),
        ('{"answer": 4', NO_ANSWER),  # truncated
        ('```json\n{"answer": [1, 2,', NO_ANSWER),
    ],
)
def test_extract_answer_not_found(text: str | None, error: str) -> None:
    got = extract_answer(text, "int")
    assert not got.found and not got.ok
    assert got.error == error
    assert got.value is None


def test_extract_answer_found_but_wrong_type_is_reported() -> None:
    got = extract_answer('{"answer": "forty-two"}', "int")
    assert got.found and not got.ok
    assert got.raw == "forty-two"
    assert "expected an integer" in (got.error or "")
    assert got.value is None


def test_last_answer_wins_even_if_unconvertible() -> None:
    got = extract_answer('{"answer": 3} ... {"answer": "unknown"}', "int")
    assert got.found and not got.ok and got.raw == "unknown"


@pytest.mark.parametrize(
    "text, answer_type",
    [
        ('Draft: {"answer": 5}\nWait, I dropped a carry. Final:\n{"answer": 1 234}', "int"),
        ('{"answer": [0, 1, 2]}\nLet me recheck the order... final answer:\n{"answer": [0, 2, 1, ...]}', "list[int]"),
        ('First guess {"answer": [0, 1]}. Simulating again step by step ... {"answer": [0, 2', "list[int]"),
        ("{'answer': true} no, the tour is too long: {'Answer': flase}", "bool"),
    ],
)
def test_an_unreadable_last_answer_is_not_replaced_by_an_earlier_one(text: str, answer_type: str) -> None:
    # the last answer wins: when it cannot be read (malformed, cut by max_tokens), an earlier draft is not the
    # model's final answer, so the reply is parse_error rather than graded on the draft
    got = extract_answer(text, answer_type)
    assert not got.ok and got.value is None
    assert "cannot be read" in (got.error or "")


def test_objects_after_the_answer_without_an_answer_key_do_not_matter() -> None:
    assert extract_answer('{"answer": 5}\n(format: {"result": ...})', "int").value == 5
    assert extract_answer('{"answer": 5} {"answers": [1, 2} {"my answer": 3', "int").value == 5
    # the prompts' own format line echoed after the answer is not an unreadable answer
    assert extract_answer('{"answer": 5}\nas asked, in the form {"answer": ANSWER}', "int").value == 5
    assert extract_answer("{'answer': [1]} (format {'answer': VALUE})", "list[int]").value == [1]


def test_deep_nesting_does_not_crash() -> None:
    text = "[" * 5000 + '{"answer": 1}'
    assert extract_answer(text, "int").value == 1
    assert find_answer_object("{" * 3000)[0] is False


_json_scalars = (
    st.integers(min_value=-(10**40), max_value=10**40)
    | st.booleans()
    | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False)
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)
_prose = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(before=_prose, value=_json_values, after=_prose, fenced=st.booleans(), indent=st.sampled_from([None, 2]))
def test_any_json_answer_in_prose_is_extracted_exactly(
    before: str, value: object, after: str, fenced: bool, indent: int | None
) -> None:
    blob = json.dumps({"answer": value}, indent=indent)
    if fenced:
        blob = f"```json\n{blob}\n```"
    # prose after the answer must not itself carry an answer object
    after = after.replace("{", "(")
    found, raw = find_answer_object(f"{before}\n{blob}\n{after}")
    assert found
    assert raw == value
    assert json.dumps(raw) == json.dumps(value)  # same types too (1 is not 1.0, True is not 1)


@settings(max_examples=200)
@given(n=st.integers(min_value=-(10**60), max_value=10**60), before=_prose)
def test_big_integers_exact_in_every_spelling(n: int, before: str) -> None:
    before = before.replace("{", "(")
    for spelled in (str(n), f'"{n}"', f'"{n:,}"', f"{n:,}"):
        got = extract_answer(f'{before} {{"answer": {spelled}}}', "int")
        assert got.value == n, (spelled, got)


def test_integers_past_the_digit_limit_are_unreadable_not_a_crash() -> None:
    # int() refuses more than sys.get_int_max_str_digits() (4300) digits: a degenerate reply is parse_error, never
    # an exception that stops the grade job, whichever spelling carries the digits
    grouped = "1" + ",000" * 1500  # 4501 digits written with thousands separators, bare in an object
    assert extract_answer('{"answer": ' + grouped + "}", "int").found is False
    assert extract_answer('{"note": ' + grouped + '} {"answer": 7}', "int").value == 7
    assert extract_answer('{"answer": "' + grouped + '"}', "int").ok is False


@pytest.mark.parametrize("spelled", ['"1e5000"', '"1e100000000"', '"-2.5e9999"', '["1e5000"]'])
def test_exponent_strings_cannot_build_huge_integers(spelled: str) -> None:
    # "1e5000" would become an int of 5001 digits that no JSON writer accepts (the graded record could not be
    # written) and "1e100000000" would take hours to build: too many digits is a type error, at once
    answer_type = "list[int]" if spelled.startswith("[") else "int"
    got = extract_answer('{"answer": ' + spelled + "}", answer_type)
    assert got.found and not got.ok
    assert "digits" in (got.error or "")
    assert extract_answer('{"answer": "0e100000000"}', "int").value == 0
    assert extract_answer('{"answer": "1.5e3"}', "int").value == 1500


# ------------------------------------------------------------------------------------------------------ code


def test_code_is_taken_byte_for_byte() -> None:
    code = (
        "def solution():\n"
        '    """Compute the python answer: uses \'\'\'quotes\'\'\' and "python" words."""\n'
        "    # python comment ```\n"
        "    s = 'python'\n"
        "    return len(s)  \n"
    )
    text = f"Here is my code:\n```python\n{code}```\nNow I simulate it."
    assert extract_code(text) == code.rstrip("\n")


@pytest.mark.parametrize("tag", ["python", "py", "Python3", "", "PY"])
def test_accepted_language_tags(tag: str) -> None:
    assert extract_code(f"```{tag}\ndef solution():\n    return 1\n```") == "def solution():\n    return 1"


@pytest.mark.parametrize("tag", ["javascript", "text", "json"])
def test_other_languages_do_not_count(tag: str) -> None:
    got = find_code(f"```{tag}\ndef solution():\n    return 1\n```")
    assert got.code is None and got.note == NO_SOLUTION


def test_last_block_defining_solution_wins_and_helper_blocks_are_skipped() -> None:
    text = (
        "```python\ndef solution():\n    return 1\n```\n"
        "Better:\n```python\ndef solution():\n    return 2\n```\n"
        "Test it:\n```python\nprint(solution())\n```\n"
    )
    assert extract_code(text) == "def solution():\n    return 2"


def test_tilde_and_long_fences_and_inner_backticks() -> None:
    text = "~~~~python\ndef solution():\n    s = '```'\n    return s\n~~~~\n"
    assert extract_code(text) == "def solution():\n    s = '```'\n    return s"
    text = "````python\ndef solution():\n```\n    return 1\n````"
    assert extract_code(text) == "def solution():\n```\n    return 1"


def test_indented_fence_removes_only_its_indentation() -> None:
    text = "1. Code:\n   ```python\n   def solution():\n       return 3\n   ```\n"
    assert extract_code(text) == "def solution():\n    return 3"


def test_crlf_line_endings_are_kept_inside() -> None:
    text = "```python\r\ndef solution():\r\n    return 3\r\n```\r\n"
    assert extract_code(text) == "def solution():\r\n    return 3"


def test_unterminated_block_taken_only_if_it_compiles() -> None:
    whole = "```python\ndef solution():\n    return [1, 2]\n"
    got = find_code(whole)
    assert got.code == "def solution():\n    return [1, 2]\n"
    assert "unterminated" in got.note
    cut = "```python\ndef solution():\n    return [1, 2"
    got = find_code(cut)
    assert got.code is None and got.note == TRUNCATED
    # an earlier complete block is used instead of a cut-off later one
    both = "```python\ndef solution():\n    return 1\n```\nagain\n" + cut
    assert extract_code(both) == "def solution():\n    return 1"


def test_syntax_errors_in_complete_blocks_are_kept() -> None:
    # the model wrote it whole: executing it is the fair way to score it (syntax_error)
    assert extract_code("```python\ndef solution(:\n    return 1\n```") == "def solution(:\n    return 1"


@pytest.mark.parametrize(
    "text",
    [None, "", "no code here", "```python\nprint(42)\n```", "def solution():\n    return 1\n"],
)
def test_no_code(text: str | None) -> None:
    assert extract_code(text) is None


def test_method_named_solution_counts_as_code() -> None:
    text = "```python\nclass Solution:\n    def solution(self):\n        return 1\n```"
    assert extract_code(text) is not None


def test_code_blocks_lists_all() -> None:
    blocks = code_blocks("```js\nx\n```\ntext\n```\ny\n")
    assert [(b.lang, b.code, b.terminated) for b in blocks] == [("js", "x", True), ("", "y\n", False)]


def test_degenerate_loops_are_read_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # small models loop until max_tokens; every '{' is a candidate start, each must be read at most once
    import codenl.answers as answers

    calls = 0
    original = answers._Reader._object_at

    def counting(self: object, pos: int, depth: int) -> object:
        nonlocal calls
        calls += 1
        return original(self, pos, depth)

    monkeypatch.setattr(answers._Reader, "_object_at", counting)
    for text in ('{"a": ' * 3000, '{"a": [{"b": ' * 1500, "{" * 3000, '{"answer": 1} ' * 1000):
        calls = 0
        extract_answer(text, "any")
        assert calls <= text.count("{"), (text[:20], calls)


def test_without_code_masks_complete_python_blocks_only() -> None:
    from codenl.answers import without_code

    text = (
        "```python\nx = {'answer': 1}\n```\n"  # python block: masked
        "```\ndef solution():\n    return {'answer': 2}\n```\n"  # untagged program: masked
        '```json\n{"answer": 3}\n```\n'  # json block: kept
        '```\n{"answer": 4}\n```\n'  # untagged, not a program: kept
        "```python\ny = {'answer': 5}\n"  # unterminated: kept
    )
    masked = without_code(text)
    assert "'answer': 1" not in masked and "'answer': 2" not in masked
    assert '"answer": 3' in masked and '"answer": 4' in masked and "'answer': 5" in masked
    assert extract_answer(text, "int", outside_code=True).value == 5
    assert extract_answer(text.rsplit("```python", 1)[0], "int", outside_code=True).value == 4
    assert extract_answer("```py\nr = {'answer': 1}\n```", "int", outside_code=True).found is False
    # an answer line that ends the reply inside its last block is the stated answer; followed by prose, it is code
    ends = '```python\ndef solution():\n    return 3\n\n{"answer": 3}\n```\n\n'
    assert extract_answer(ends, "int", outside_code=True).value == 3
    assert extract_answer(ends + "Done.", "int", outside_code=True).found is False
    assert extract_answer(ends.replace('{"answer": 3}', 'x = {"answer": 3}'), "int", outside_code=True).found is False
    assert extract_answer(ends + 'So: {"answer": 4}', "int", outside_code=True).value == 4
    assert extract_answer("```py\nr = {'answer': 1}\n```", "int").value == 1


_code_line = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    max_size=40,
).filter(lambda line: not line.lstrip(" ").startswith(("```", "~~~")))


@settings(max_examples=200)
@given(
    lines=st.lists(_code_line, max_size=8),
    before=_prose,
    after=_prose,
    indent=st.sampled_from(["", "    ", "\t"]),
)
def test_any_code_in_a_fence_is_extracted_byte_for_byte(lines: list[str], before: str, after: str, indent: str) -> None:
    code = "\n".join(["def solution():", *(indent + line for line in lines), "    return 'python'"])
    # prose must not open a fence of its own
    before = before.replace("`", "'").replace("~", "-")
    text = f"{before}\n```python\n{code}\n```\n{after}"
    assert extract_code(text) == code


_types = st.recursive(
    st.sampled_from(["int", "bool", "str", "float"]),
    lambda inner: inner.map(lambda t: f"list[{t}]") | inner.map(lambda t: f"dict[str,{t}]"),
    max_leaves=3,
)


def _values_of(answer_type: str) -> st.SearchStrategy[object]:
    spec = parse_answer_type(answer_type)

    def build(spec: tuple) -> st.SearchStrategy[object]:
        tag = spec[0]
        if tag == "int":
            return st.integers(min_value=-(10**30), max_value=10**30)
        if tag == "bool":
            return st.booleans()
        if tag == "str":
            return st.text(max_size=8)
        if tag == "float":
            return st.floats(allow_nan=False, allow_infinity=False)
        if tag == "list":
            return st.lists(build(spec[1]), max_size=4)
        return st.dictionaries(st.text(max_size=4), build(spec[1]), max_size=3)

    return build(spec)


@settings(max_examples=200)
@given(data=st.data(), answer_type=_types)
def test_typed_values_survive_json_and_coercion_unchanged(data: st.DataObject, answer_type: str) -> None:
    value = data.draw(_values_of(answer_type))
    text = "Thinking...\n" + json.dumps({"answer": value}) + "\nThat is all."
    got = extract_answer(text, answer_type)
    assert got.ok, got.error
    assert json.dumps(got.value) == json.dumps(value)
    assert coerce(got.value, answer_type) == got.value
