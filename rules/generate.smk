# generate: model-independent instances, one job per (kind, seed) writing one file per size.

for _name, _kinds, _sizes in KIND_GROUPS:

    rule:
        name: f"generate_{_name}"
        output:
            problems(_sizes),
        wildcard_constraints:
            kind=kinds_regex(_kinds),
        params:
            # the generator version is part of every instance id: a new version re-generates (and re-asks)
            version=lambda wildcards: VERSIONS["generator"][wildcards.kind],
            cmd=lambda wildcards: generate_command(wildcards.kind, wildcards.seed),
        log:
            "results/logs/generate/{kind}/seed{seed}.log",
        conda:
            CONDA_ENV
        shell:
            "({params.cmd}) 2> {log}"
