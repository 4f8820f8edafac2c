# query: one job per (model, arm, kind, seed) asks every instance of every size of the kind and writes one
# response file per size.  controlsim needs the same model's sim responses.  Progress inside a job lives in its
# ledger, results/ledger/{model}/{arm}/{kind}/seed{seed}.jsonl, which is no rule's output: Snakemake never
# deletes it, so a killed or failed job that runs again sends only the requests that had not completed.


def _query_inputs(kind):
    def inputs(wildcards):
        files = {"problems": problems(kind, wildcards.seed)}
        if wildcards.arm == "controlsim":
            files["sim"] = responses(kind, wildcards.model, "sim", wildcards.seed)
        return files

    return inputs


def _sim_option(wildcards, input):
    return "--sim " + " ".join(input.sim) if wildcards.arm == "controlsim" else ""


for _kind in KINDS:

    rule:
        name: f"query_{_kind}"
        input:
            unpack(_query_inputs(_kind)),
        output:
            responses(_kind),
        params:
            prompt_version=lambda wildcards: VERSIONS["prompt"][wildcards.arm],
            options=query_options,
            sim=_sim_option,
            ledger=lambda wildcards, k=_kind: (
                f"results/ledger/{wildcards.model}/{wildcards.arm}/{k}/seed{wildcards.seed}.jsonl"
            ),
        log:
            f"results/logs/query/{{model}}/{{arm}}/{_kind}/seed{{seed}}.log",
        threads: query_threads
        resources:
            **{f"api_{_p}": api_unit(_p) for _p in PROVIDERS_USED},
        conda:
            CONDA_ENV
        shell:
            "{PY} -m codenl query --arm {wildcards.arm} {params.options} --ledger {params.ledger}"
            " --problems {input.problems} {params.sim} --out {output} 2> {log}"
