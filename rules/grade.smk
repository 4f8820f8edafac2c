# grade: all four arms of a (model, kind, seed), one graded file per size.  Grading reads stored responses and
# executions only: a new grader version re-grades without asking any model.

for _kind in KINDS:

    rule:
        name: f"grade_{_kind}"
        input:
            problems=problems(_kind),
            nl=responses(_kind, arm="nl"),
            sim=responses(_kind, arm="sim"),
            controlsim=responses(_kind, arm="controlsim"),
            executions=executions(_kind),
        output:
            graded(_kind),
        params:
            grader=VERSIONS["grader"],
        log:
            f"results/logs/grade/{{model}}/{_kind}/seed{{seed}}.log",
        conda:
            CONDA_ENV
        shell:
            "{PY} -m codenl grade --problems {input.problems} --nl {input.nl} --sim {input.sim}"
            " --controlsim {input.controlsim} --executions {input.executions} --out {output} 2> {log}"
