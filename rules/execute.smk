# execute (the Code Exec arm): run every sim program of a (model, kind, seed) in the sandbox, one file per size.

for _name, _kinds, _sizes in KIND_GROUPS:

    rule:
        name: f"execute_{_name}"
        input:
            sim=responses(_sizes, arm=ARM_REGISTRY[EXECUTED_ARMS[0]].code_of),
        output:
            executions(_sizes),
        wildcard_constraints:
            kind=kinds_regex(_kinds),
        params:
            harness=VERSIONS["harness"],
            sandbox=VERSIONS["sandbox"],
            extraction=VERSIONS["extraction"],
            options=sandbox_options(),
        log:
            "results/logs/execute/{model}/{kind}/seed{seed}.log",
        threads: CFG["sandbox"]["workers"]
        conda:
            CONDA_ENV
        shell:
            "python -m codenl execute --sim {input.sim} --out {output} {params.options} 2> {log}"
