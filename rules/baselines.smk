# baselines: cheap strategies graded per instance (no model; results/baselines/ mirrors results/problems/),
# one job per (kind, seed) like generate; the majority answer is learned on the kind's shards of the other seeds
# (out of sample).

for _name, _kinds, _sizes in KIND_GROUPS:

    rule:
        name: f"baselines_{_name}"
        input:
            problems=problems(_sizes),
            train=lambda wildcards, _sizes=_sizes: [
                f for s in SEEDS if str(s) != wildcards.seed for f in problems(_sizes, wildcards.kind, s)
            ],
        output:
            baselines(_sizes),
        wildcard_constraints:
            kind=kinds_regex(_kinds),
        params:
            # the strategies are graded by the grader: a new grader re-runs them too
            version=lambda wildcards: (VERSIONS["generator"][wildcards.kind], VERSIONS["baselines"],
                                       VERSIONS["grader"][wildcards.kind]),
            train=lambda wildcards, input: " ".join(shlex.quote(f) for f in input.train),
        log:
            "results/logs/baselines/{kind}/seed{seed}.log",
        conda:
            CONDA_ENV
        shell:
            "python -m codenl baselines --problems {input.problems:q} --out {output:q} --train {params.train} 2> {log}"
