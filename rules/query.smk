# query: one job per (model, arm, kind, seed) asks every instance of every size of the kind and writes one
# response file per size.  controlsim needs the same model's sim responses.  Progress inside a job lives in its
# ledger, results/ledger/{model}/{arm}/{kind}/seed{seed}.jsonl, which is no rule's output: Snakemake never
# deletes it, so a killed or failed job that runs again sends only the requests that had not completed.


def _query_inputs(sizes):
    def inputs(wildcards):
        files = {"problems": problems(sizes, wildcards.kind, wildcards.seed)}
        shown = ARM_REGISTRY[wildcards.arm].code_of  # controlsim shows the code of the sim replies
        if shown is not None:
            files["sim"] = responses(sizes, wildcards.kind, wildcards.model, shown, wildcards.seed)
        return files

    return inputs


def _sim_option(wildcards, input):
    return "--sim " + " ".join(input.sim) if ARM_REGISTRY[wildcards.arm].code_of is not None else ""


for _name, _kinds, _sizes in KIND_GROUPS:

    rule:
        name: f"query_{_name}"
        input:
            unpack(_query_inputs(_sizes)),
        output:
            responses(_sizes),
        wildcard_constraints:
            kind=kinds_regex(_kinds),
        params:
            prompt_version=lambda wildcards: VERSIONS["prompt"][wildcards.arm],
            # controlsim shows the code that extract_code finds in the sim reply
            extraction=lambda wildcards: VERSIONS["extraction"] if ARM_REGISTRY[wildcards.arm].code_of else "",
            options=query_options,
            sim=_sim_option,
            ledger="results/ledger/{model}/{arm}/{kind}/seed{seed}.jsonl",
        log:
            "results/logs/query/{model}/{arm}/{kind}/seed{seed}.log",
        threads: query_threads
        resources:
            **{f"api_{_p}": api_unit(_p) for _p in PROVIDERS_USED},
        conda:
            CONDA_ENV
        shell:
            "{PY} -m codenl query --arm {wildcards.arm} {params.options} --ledger {params.ledger}"
            " --problems {input.problems} {params.sim} --out {output} 2> {log}"
