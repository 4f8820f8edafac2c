# grade: all four arms of a (model, kind, seed), one graded file per size.  Grading reads stored responses and
# executions only: a new grader version re-grades without asking any model.

for _name, _kinds, _sizes in KIND_GROUPS:

    rule:
        name: f"grade_{_name}"
        input:
            problems=problems(_sizes),
            nl=responses(_sizes, arm="nl"),
            sim=responses(_sizes, arm="sim"),
            controlsim=responses(_sizes, arm="controlsim"),
            executions=executions(_sizes),
        output:
            graded(_sizes),
        wildcard_constraints:
            kind=kinds_regex(_kinds),
        params:
            grader=VERSIONS["grader"],
        log:
            "results/logs/grade/{model}/{kind}/seed{seed}.log",
        conda:
            CONDA_ENV
        shell:
            "python -m codenl grade --problems {input.problems} --nl {input.nl} --sim {input.sim}"
            " --controlsim {input.controlsim} --executions {input.executions} --out {output} 2> {log}"
