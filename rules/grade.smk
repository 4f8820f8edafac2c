# grade: every arm of a (model, kind, seed), one graded file per size (the arms: codenl.arms.ARM_REGISTRY).
# Grading reads stored responses and executions only: a new grader version re-grades without asking any model.

for _name, _kinds, _sizes in KIND_GROUPS:

    rule:
        name: f"grade_{_name}"
        input:
            problems=problems(_sizes),
            **arm_records(_sizes),
        output:
            graded(_sizes),
        wildcard_constraints:
            kind=kinds_regex(_kinds),
        params:
            # the shared grading code and the kind's own module (codenl.grading.grader_version)
            grader=lambda wildcards: VERSIONS["grader"][wildcards.kind],
        log:
            "results/logs/grade/{model}/{kind}/seed{seed}.log",
        conda:
            CONDA_ENV
        shell:
            f"python -m codenl grade --problems {{input.problems}} {GRADE_OPTIONS} --out {{output}} 2> {{log}}"
