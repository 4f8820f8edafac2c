# generate: model-independent instances, one job per (kind, seed) writing one file per size.

for _kind in KINDS:

    rule:
        name: f"generate_{_kind}"
        output:
            problems(_kind),
        params:
            # the generator version is part of every instance id: a new version re-generates (and re-asks)
            version=VERSIONS["generator"][_kind],
            cmd=lambda wildcards, k=_kind: generate_command(k, wildcards.seed),
        log:
            f"results/logs/generate/{_kind}/seed{{seed}}.log",
        conda:
            CONDA_ENV
        shell:
            "({params.cmd}) 2> {log}"
