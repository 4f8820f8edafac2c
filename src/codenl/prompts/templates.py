"""The prompt templates of the asked arms, each named by its arm's line in :data:`codenl.arms.ARM_REGISTRY` (Code
Exec has no prompt).  Pure text; :mod:`codenl.prompts` fills them in.

Placeholders are written ``<<statement>>``, ``<<answer_format>>`` and ``<<code>>`` and are replaced by plain string
substitution (never ``str.format``), so braces in problem statements and code are safe.  ``<<fence>>`` is a
backtick fence longer than any run of backticks in the code.  ``<<libraries>>`` is :func:`libraries_sentence` of
the packages the sandbox lets a program import (``sandbox.allowed_packages``): the prompt and the sandbox are
made from the same list, so they cannot disagree.
"""

from __future__ import annotations

FINAL_ANSWER = (
    "End your response with the final answer as one JSON object on its own line, exactly of the form\n"
    '{"answer": ANSWER}\n'
    "where ANSWER follows the answer format above: numbers as JSON numbers (not strings, no thousands "
    "separators), true/false for yes/no answers, lists in square brackets. Write nothing after this JSON object."
)

NL = (
    "Solve the following problem by reasoning step by step in natural language.\n"
    "Do not write any code or pseudocode, and do not describe a program: work the problem out yourself, "
    "showing your reasoning.\n"
    "\n"
    "Problem:\n"
    "<<statement>>\n"
    "\n"
    "Answer format: <<answer_format>>\n"
    "\n" + FINAL_ANSWER + "\n"
)

SIM = (
    "Solve the following problem by writing a Python program and then simulating it by hand.\n"
    "\n"
    "Problem:\n"
    "<<statement>>\n"
    "\n"
    "Answer format: <<answer_format>>\n"
    "\n"
    "Step 1. Write a Python function `solution()` that takes no arguments, computes the answer to the problem and "
    "returns it (return it; do not print it). Put all the data of the problem inside the code; do not read input "
    "or files. Give the complete program in one ```python code block. <<libraries>> Type annotations are "
    "optional.\n"
    "\n"
    "Step 2. Simulate the execution of your code step by step, by hand, tracking the values of the variables, "
    "until `solution()` returns. Do not skip steps and do not assume the result: derive it from the code.\n"
    "\n"
    "Step 3. Give the value that `solution()` returns. " + FINAL_ANSWER + "\n"
)

CONTROLSIM = (
    "Here is a Python program. Simulate its execution step by step, by hand, tracking the values of the "
    "variables, and determine the value that `solution()` returns when it is called with no arguments. "
    "Do not write any other code.\n"
    "\n"
    "<<fence>>python\n"
    "<<code>>\n"
    "<<fence>>\n"
    "\n"
    "End your response with the value that `solution()` returns as one JSON object on its own line, exactly of "
    "the form\n"
    '{"answer": VALUE}\n'
    "where VALUE is the returned value written as JSON: numbers as JSON numbers, true/false for booleans, "
    "tuples and lists in square brackets, sets as lists in square brackets (in any order), dictionaries as JSON "
    "objects with string keys. Write nothing after "
    "this JSON object.\n"
)

STDLIB = "math, itertools, functools, collections, heapq, bisect, fractions, re, and every name of the typing module"


def libraries_sentence(packages: tuple[str, ...] | list[str] = ()) -> str:
    """What the sim prompt says a program may import: the standard library and ``packages`` (sorted)."""
    names = sorted(dict.fromkeys(str(p) for p in packages))
    if not names:
        return f"Only the Python 3 standard library is available ({STDLIB}); no other package can be imported."
    listed = ", ".join(names)
    return (
        f"The Python 3 standard library is available ({STDLIB}), and so are these packages: {listed}; "
        "no other package can be imported."
    )
