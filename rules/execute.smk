# execute (the Code Exec arm): run every sim program of a (model, kind, seed) in the sandbox, one file per size.

for _kind in KINDS:

    rule:
        name: f"execute_{_kind}"
        input:
            sim=responses(_kind, arm="sim"),
        output:
            executions(_kind),
        params:
            harness=VERSIONS["harness"],
            options=sandbox_options(),
        log:
            f"results/logs/execute/{{model}}/{_kind}/seed{{seed}}.log",
        threads: CFG["sandbox"]["workers"]
        conda:
            CONDA_ENV
        shell:
            "{PY} -m codenl execute --sim {input.sim} --out {output} {params.options} 2> {log}"
