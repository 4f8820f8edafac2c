# query: one job per (model, arm, kind, seed) asks every instance of every size of the kind and writes one
# response file per size.  controlsim needs the same model's sim responses.  Progress inside a job lives in its
# ledger, results/ledger/{model}/{arm}/{kind}/seed{seed}.jsonl, which is no rule's output: Snakemake never
# deletes it, so a killed or failed job that runs again sends only the requests that had not completed.
#
# Re-asking after an outage: a finished job whose ledger holds requests that ended infra_error in fewer than
# 1 + retries.reask runs has a larger `reask` parameter (codenl.llm.ledger.reask_token) than the one it ran with,
# so the same command reruns it: it asks exactly those requests again (the ledger serves every other one), and
# what depends on its outputs is executed and graded again.  The parameter stays put once every failed request
# has completed or used its last run, so a finished run stays finished (docs/recovery.md).

import glob
import time

from codenl.llm.ledger import read_summary, reask_token

_RUN_STARTED = time.time()


def _reask_param(wildcards):
    return "reask-weight " + reask_token(layout.LEDGER.format(**wildcards), CFG["retries"]["reask"])


def _reask_report():
    """One line on the requests this run asked again and those still failed (from the query jobs' summaries)."""
    totals = dict.fromkeys(("jobs", "reasked", "reasked_failed", "infra_error", "pending"), 0)
    for path in glob.glob("results/ledger/**/*.jsonl.summary.json", recursive=True):
        try:
            if os.path.getmtime(path) < _RUN_STARTED:
                continue
        except OSError:
            continue
        data = read_summary(path[: -len(".summary.json")]) or {}
        last = data.get("last_run") or {}
        totals["jobs"] += 1
        for k in ("reasked", "reasked_failed", "infra_error", "pending"):
            totals[k] += int(last.get(k, 0))
    if not totals["jobs"]:
        return
    sys.stderr.write(
        f"codenl: query: {totals['jobs']} job(s) ran; {totals['reasked']} request(s) re-asked after an infra_error, "
        f"{totals['reasked_failed']} of them failed again; {totals['infra_error']} response(s) are infra_error, "
        f"{totals['pending']} of which the same command asks again (retries.reask = {CFG['retries']['reask']})\n"
    )


onsuccess:
    _reask_report()


onerror:
    _reask_report()



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
            ledger=layout.LEDGER,
            reask=_reask_param,
        log:
            "results/logs/query/{model}/{arm}/{kind}/seed{seed}.log",
        threads: query_threads
        resources:
            **{f"api_{_p}": api_unit(_p) for _p in PROVIDERS_USED},
        conda:
            CONDA_ENV
        shell:
            "python -m codenl query --arm {wildcards.arm} {params.options} --ledger {params.ledger}"
            " --problems {input.problems} {params.sim} --out {output} 2> {log}"
