"""The names every stage shares: the registry of arms and the outcome taxonomy.

One :class:`Arm` per arm says what the stages need to know about it: its label in tables and figures, whether it
asks a model (with which template of :mod:`codenl.prompts.templates`) or executes the code of another arm's reply,
and how its answer is graded.  Prompts, the query and grade stages, the workflow's rules (the arm wildcard, the grade
rule's inputs), the statistics and the figures read the arms from :data:`ARM_REGISTRY`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arm:
    """One line of the arm registry."""

    name: str
    #: the arm's name in tables and figures
    label: str
    #: True: a prompt is sent to the model and its reply is graded; False: the code of ``code_of``'s reply is run in
    #: the sandbox (the ``execute`` stage) and its returned value is graded
    asked: bool
    #: the grade stage's option (and the grade rule's input) that holds the arm's records: responses of an asked arm,
    #: execution records of an executed one
    records: str
    #: asked arms: the name of the arm's prompt template in :mod:`codenl.prompts.templates`
    template: str | None = None
    #: the arm whose reply's code this arm shows the model (asked) or runs (executed); None for none
    code_of: str | None = None
    #: the reply must hold a python block defining ``solution()``, else the outcome is ``no_code`` (the arm's
    #: protocol, write the code then simulate it, was not followed)
    requires_code: bool = False
    #: an ``{"answer": ...}`` inside a python block of the reply is code, not the stated answer
    answer_outside_code: bool = False
    #: the stated answer is compared with the executed value of the same code (simulation fidelity)
    fidelity: bool = False


#: the arms, in the order of tables, figures and graded records
ARM_REGISTRY: dict[str, Arm] = {
    arm.name: arm
    for arm in (
        Arm("nl", "NL", asked=True, records="nl", template="NL"),
        Arm(
            "sim",
            "Sim",
            asked=True,
            records="sim",
            template="SIM",
            requires_code=True,
            answer_outside_code=True,
            fidelity=True,
        ),
        Arm(
            "controlsim",
            "ControlSim",
            asked=True,
            records="controlsim",
            template="CONTROLSIM",
            code_of="sim",
            answer_outside_code=True,
            fidelity=True,
        ),
        Arm("code", "Code", asked=False, records="executions", code_of="sim"),
    )
}

ARMS: tuple[str, ...] = tuple(ARM_REGISTRY)
#: the arms that ask a model (Code Exec runs the sim code instead)
ASKED_ARMS: tuple[str, ...] = tuple(a.name for a in ARM_REGISTRY.values() if a.asked)
#: the arms whose answer is the value returned by executed code
EXECUTED_ARMS: tuple[str, ...] = tuple(a.name for a in ARM_REGISTRY.values() if not a.asked)
ARM_LABELS: dict[str, str] = {a.name: a.label for a in ARM_REGISTRY.values()}


def executed_arm_of(arm: str) -> str | None:
    """The executed arm that runs the code ``arm`` wrote (``arm`` itself) or shows (its ``code_of``); None if none."""
    source = ARM_REGISTRY[arm].code_of or arm
    return next((a for a in EXECUTED_ARMS if ARM_REGISTRY[a].code_of == source), None)


#: every (instance, model, seed, arm) ends in exactly one of these
OUTCOMES: tuple[str, ...] = (
    "correct",
    "wrong",
    "parse_error",
    "no_code",
    "syntax_error",
    "runtime_error",
    "timeout",
    "memory_limit",
    "output_limit",
    "infra_error",
)
