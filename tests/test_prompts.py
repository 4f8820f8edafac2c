"""Prompt templates (codenl.prompts)."""

from __future__ import annotations

import re

import pytest

from codenl.answers import extract_code
from codenl.errors import UsageError
from codenl.prompts import ARMS, PROMPT_VERSIONS, TEMPLATES, build_messages, render

INSTANCE = {
    "id": "abc",
    "statement": "Compute 12 + {30}. Use <<answer_format>> literally.",
    "answer_format": 'a JSON integer, e.g. {"answer": 5}',
}
CODE = 'def solution():\n    """python ```inner``` fence"""\n    return {"a": 1}  # <<code>> <<fence>>\n'


def test_versions_name_their_arm_and_hash_the_template() -> None:
    assert set(PROMPT_VERSIONS) == set(ARMS) == {"nl", "sim", "controlsim"}
    for arm, version in PROMPT_VERSIONS.items():
        assert re.fullmatch(rf"{arm}/\d+-[0-9a-f]{{8}}", version)
    assert len(set(PROMPT_VERSIONS.values())) == 3


@pytest.mark.parametrize("arm", ["nl", "sim"])
def test_statement_and_format_are_embedded_verbatim(arm: str) -> None:
    messages = build_messages(arm, INSTANCE)
    assert [m["role"] for m in messages] == ["user"]
    text = messages[0]["content"]
    assert INSTANCE["statement"] in text
    assert INSTANCE["answer_format"] in text
    assert "<<" not in text.replace(INSTANCE["statement"], "")
    assert '{"answer": ANSWER}' in text


def test_nl_forbids_code_and_sim_asks_for_solution() -> None:
    nl = render("nl", INSTANCE)
    assert "Do not write any code" in nl
    sim = render("sim", INSTANCE)
    assert "`solution()`" in sim and "```python" in sim and "no arguments" in sim
    assert "Simulate" in sim
    # annotations are not required, typing names are said to be available
    assert "optional" in sim and "typing" in sim
    assert "Tuple[" not in sim and "Dict[" not in sim


def test_controlsim_shows_exact_code_without_the_problem() -> None:
    text = render("controlsim", INSTANCE, code=CODE)
    assert INSTANCE["statement"] not in text
    assert INSTANCE["answer_format"] not in text
    assert CODE.rstrip("\n") in text
    # the fence is longer than any backtick run in the code, so the block round-trips exactly
    assert "````python\n" in text
    assert extract_code(text) == CODE.rstrip("\n")


def test_controlsim_needs_code() -> None:
    with pytest.raises(UsageError, match="controlsim needs the code"):
        build_messages("controlsim", INSTANCE, code=None)
    with pytest.raises(UsageError, match="controlsim needs the code"):
        build_messages("controlsim", INSTANCE, code="  \n")


@pytest.mark.parametrize("arm", ["code", "NL", ""])
def test_unknown_arm(arm: str) -> None:
    with pytest.raises(UsageError, match="has no prompt"):
        build_messages(arm, INSTANCE)


def test_missing_statement_names_the_instance() -> None:
    with pytest.raises(UsageError, match="instance abc: field 'statement'"):
        build_messages("nl", {"id": "abc", "answer_format": "x"})


def test_templates_have_their_placeholders() -> None:
    for arm in ("nl", "sim"):
        assert TEMPLATES[arm].count("<<statement>>") == 1
        assert TEMPLATES[arm].count("<<answer_format>>") == 1
        assert "<<code>>" not in TEMPLATES[arm]
    assert TEMPLATES["controlsim"].count("<<code>>") == 1
    assert "<<statement>>" not in TEMPLATES["controlsim"]


def test_the_sim_prompt_names_exactly_what_the_sandbox_lets_a_program_import() -> None:
    from codenl.prompts import libraries_sentence, prompt_versions

    default = render("sim", INSTANCE)
    assert libraries_sentence() in default and "Only the Python 3 standard library" in default
    assert "numpy" not in default and "<<libraries>>" not in default
    extra = render("sim", INSTANCE, packages=("networkx", "numpy"))
    assert libraries_sentence(["numpy", "networkx"]) in extra and "these packages: networkx, numpy;" in extra
    assert build_messages("sim", INSTANCE, packages=("numpy",))[0]["content"] == render(
        "sim", INSTANCE, packages=("numpy",)
    )
    # the list is part of the sim prompt's version (a change re-asks sim); the other prompts do not name it
    assert prompt_versions() == PROMPT_VERSIONS
    with_numpy = prompt_versions(("numpy",))
    assert with_numpy["sim"] != PROMPT_VERSIONS["sim"]
    assert {a: with_numpy[a] for a in ("nl", "controlsim")} == {a: PROMPT_VERSIONS[a] for a in ("nl", "controlsim")}
    assert render("nl", INSTANCE, packages=("numpy",)) == render("nl", INSTANCE)
    assert TEMPLATES["sim"].count("<<libraries>>") == 1


def test_query_asks_sim_with_the_sentence_of_its_allowed_packages(tmp_path) -> None:
    """`query --allowed-packages` (what the workflow passes from sandbox.allowed_packages) reaches the messages."""
    import argparse
    import json

    from codenl.llm.query import configure, load_items
    from codenl.problems import generate
    from codenl.prompts import libraries_sentence

    problems = tmp_path / "p.jsonl"
    problems.write_text("".join(json.dumps(i) + "\n" for i in generate("add", 3, 1, 2)))
    parser = argparse.ArgumentParser()
    configure(parser)
    common = ["--model", "m", "--temperature", "0", "--top-p", "1", "--max-tokens", "9", "--window", "1"]
    common += ["--max-attempts", "1", "--request-timeout", "1", "--ledger", "l", "--problems", str(problems)]
    for extra, sentence in (
        ([], libraries_sentence()),
        (["--allowed-packages", "numpy"], libraries_sentence(["numpy"])),
    ):
        args = parser.parse_args(["--arm", "sim", *common, "--out", "o", *extra])
        items = [it for shard in load_items(args) for it in shard]
        assert len(items) == 2 and all(sentence in it.messages[0]["content"] for it in items)
