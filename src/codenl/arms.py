"""The names every stage shares: the four arms and the outcome taxonomy."""

from __future__ import annotations

#: the four arms, in the order of tables, figures and graded records
ARMS: tuple[str, ...] = ("nl", "sim", "controlsim", "code")
#: the arms that ask a model (Code Exec runs the sim code instead)
ASKED_ARMS: tuple[str, ...] = ("nl", "sim", "controlsim")
ARM_LABELS: dict[str, str] = {"nl": "NL", "sim": "Sim", "controlsim": "ControlSim", "code": "Code"}

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
