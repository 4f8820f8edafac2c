# Configuration, shard lists, wildcard constraints and the helpers every rule uses.
#
# The configuration is read once, here, with codenl.config.load_config (the same function `plan`, `check` and
# `validate` use): `--configfile A [B ...]` replaces config.yaml (later files replace the top-level keys they
# name), `--config key=value` replaces one top-level key.  A bad configuration stops Snakemake here, before any
# job, with one line naming the key.

import json
import os
import re
import shlex
import sys

from codenl import config as cfgmod
from codenl import layout
from codenl.arms import ARM_REGISTRY, ARMS, ASKED_ARMS, EXECUTED_ARMS
from codenl.errors import UsageError
from codenl.naming import model_slug
from codenl.workflow import runlock
from codenl.workflow.versions import stage_versions

# Rules run `python -m codenl STAGE`: `python` is this environment's interpreter (its directory goes first on the
# jobs' PATH); under `--sdm conda` the rule's environment provides python and the package comes from this
# checkout's src/ (see envs/codenl.yaml).
USE_CONDA = "conda" in str(getattr(workflow.deployment_settings, "deployment_method", "")).lower()
if USE_CONDA:
    shell.prefix(f"export PYTHONPATH={shlex.quote(os.path.join(workflow.basedir, 'src'))}; ")
else:
    shell.prefix(f"export PATH={shlex.quote(os.path.dirname(sys.executable))}:\"$PATH\"; ")
CONDA_ENV = "../envs/codenl.yaml"


def _fail(message):
    sys.stderr.write(f"codenl: {message}\n")
    sys.exit(2)


def _load():
    given = [str(p) for p in (workflow.overwrite_configfiles or [])]
    paths = given or [os.path.join(workflow.basedir, "config.yaml")]
    return cfgmod.load_config(paths, overrides=dict(workflow.config_settings.config or {}))


try:
    CFG = _load()
    VERSIONS = stage_versions(CFG["kinds"], CFG["sandbox"]["allowed_packages"])
except UsageError as exc:
    _fail(exc)

config.clear()
config.update(CFG)

# Resume after a Snakemake killed by SIGKILL: it leaves lock files and "incomplete" markers behind.  Holding the
# run lock proves that no other Snakemake of this workflow is alive here, so both are stale and are cleared
# (outputs are written atomically: a file that exists is complete; query jobs resume from their ledgers).
if workflow.is_main_process:
    runlock.acquire(os.getcwd())


onstart:
    # Keys are checked once the DAG is known and only for models that still have requests to send (a dry run,
    # `snakemake plan` or a finished run need no key); before any job starts.
    _pending = {j.wildcards_dict.get("model") for j in workflow.dag.needrun_jobs() if j.rule.name.startswith("query_")}
    try:
        cfgmod.check_keys(CFG, only=[m["name"] for s, m in MODELS.items() if s in _pending])
        cfgmod.check_local_models(CFG, only=[m["name"] for s, m in MODELS.items() if s in _pending])
    except UsageError as exc:
        _fail(exc)


# One bound on concurrent query jobs per provider for the whole run, whatever --cores or --jobs is: every query
# job holds one unit of api_<provider>; the run has concurrency.<provider>.jobs units unless --resources sets it.
# Each job keeps at most concurrency.<provider>.window requests in flight, so a provider sees at most
# jobs x window requests at once.
PROVIDERS_USED = sorted({m["provider"] for m in CFG["models"]})
for _p in PROVIDERS_USED:
    workflow.global_resources.setdefault(f"api_{_p}", CFG["concurrency"][_p]["jobs"])

MODELS = {model_slug(m["name"]): m for m in CFG["models"]}
SEEDS = list(CFG["seeds"])
KINDS = list(CFG["kinds"])
#: kind -> [(size, n), ...]
COUNTS = {k: cfgmod.counts_of(CFG, k) for k in KINDS}
SIZES = {k: [s for s, _ in COUNTS[k]] for k in KINDS}


def _kind_groups():
    """``[(name, kinds, sizes)]``: kinds with the same sizes share one rule per stage, {kind} being a wildcard.

    Fewer rules keep the DAG fast (Snakemake matches every file against every rule's outputs); each job still
    covers one kind.  A group is named after its kind, its family (when it holds the whole family), or its kinds.
    """
    by_sizes = {}
    for k in KINDS:
        by_sizes.setdefault(tuple(SIZES[k]), []).append(k)
    groups = []
    for sizes, kinds in by_sizes.items():
        families = {cfgmod.kind_info(k).family for k in kinds}
        whole = len(families) == 1 and kinds == [k for k in KINDS if cfgmod.kind_info(k).family in families]
        name = kinds[0] if len(kinds) == 1 else (families.pop() if whole else "_".join(kinds))
        groups.append((name, kinds, list(sizes)))
    return groups


KIND_GROUPS = _kind_groups()

wildcard_constraints:
    model="|".join(re.escape(s) for s in MODELS),
    arm="|".join(re.escape(a) for a in ASKED_ARMS),
    seed=r"\d+",


def kinds_regex(kinds):
    return "|".join(re.escape(k) for k in kinds)


# File paths: codenl.layout (one definition for the rules and the commands that read a whole run).
def problems(sizes, kind="{kind}", seed="{seed}"):
    return [layout.PROBLEMS.format(kind=kind, size=s, seed=seed) for s in sizes]


def baselines(sizes, kind="{kind}", seed="{seed}"):
    return [f"results/baselines/{kind}/{s}/seed{seed}.jsonl" for s in sizes]


def all_baselines():
    return [f for seed in SEEDS for k in KINDS for f in baselines(SIZES[k], k, seed)]


def responses(sizes, kind="{kind}", model="{model}", arm="{arm}", seed="{seed}"):
    return [layout.RESPONSES.format(model=model, arm=arm, kind=kind, size=s, seed=seed) for s in sizes]


def executions(sizes, kind="{kind}", model="{model}", seed="{seed}"):
    return [layout.EXECUTIONS.format(model=model, kind=kind, size=s, seed=seed) for s in sizes]


def graded(sizes, kind="{kind}", model="{model}", seed="{seed}"):
    return [layout.GRADED.format(model=model, kind=kind, size=s, seed=seed) for s in sizes]


def arm_records(sizes):
    """The grade rule's inputs: each arm's records (responses of an asked arm, executions of an executed one)."""
    return {
        a.records: responses(sizes, arm=a.name) if a.asked else executions(sizes) for a in ARM_REGISTRY.values()
    }


#: the grade command's options, one per arm: `--nl {input.nl} ... --executions {input.executions}`
GRADE_OPTIONS = " ".join(f"--{ARM_REGISTRY[a].records} {{input.{ARM_REGISTRY[a].records}}}" for a in ARMS)


def all_graded():
    """Every graded shard of the run: what `python -m codenl aggregate --configfile` reads."""
    return layout.run_shards(CFG, layout.GRADED)


def provider_of(wildcards):
    return MODELS[wildcards.model]["provider"]


def api_unit(provider):
    """The resource callable of one provider: 1 for query jobs of its models, 0 otherwise."""
    return lambda wildcards: 1 if MODELS[wildcards.model]["provider"] == provider else 0


def query_options(wildcards, threads):
    """Provider and request options of one query job, as shell words."""
    m = MODELS[wildcards.model]
    conc, retries, sampling = CFG["concurrency"][m["provider"]], CFG["retries"], CFG["sampling"]
    words = ["--model", m["name"], "--provider", m["provider"]]
    if m["provider"] != "local":
        words += ["--base-url", m["base_url"]]
    if m.get("api_key_env"):
        words += ["--api-key-env", m["api_key_env"]]
    if m["provider"] == "local":
        words += ["--threads", str(threads)]
        if m.get("gguf"):
            words += ["--gguf", m["gguf"]]
    words += [
        "--temperature", repr(float(sampling["temperature"])), "--top-p", repr(float(sampling["top_p"])),
        "--max-tokens", str(sampling["max_tokens"]), "--window", str(conc["window"]),
        "--max-attempts", str(retries["max_attempts"]), "--request-timeout", repr(float(retries["request_timeout_s"])),
        "--reask", str(retries["reask"]), "--breaker", str(retries["breaker"]),
    ]
    if m.get("routing"):
        words += ["--routing", json.dumps(m["routing"], sort_keys=True, separators=(",", ":"))]
    if wildcards.arm == "sim" and CFG["sandbox"]["allowed_packages"]:  # the sim prompt names them
        words += ["--allowed-packages", *CFG["sandbox"]["allowed_packages"]]
    return " ".join(shlex.quote(w) for w in words)


def query_threads(wildcards):
    """llama.cpp computes on this machine: the cores are shared by the concurrency.local.jobs query jobs that run
    at once (one llama.cpp thread per job is the fastest setup on 2 cores, and by far the fastest under load:
    bench/local_llm.py); remote providers only wait on the network."""
    if provider_of(wildcards) == "local":
        return max(1, (workflow.cores or 1) // CFG["concurrency"]["local"]["jobs"])
    return 1


def generate_command(kind, seed):
    """One `generate` call per distinct n (totals spread over sizes can give sizes different counts)."""
    by_n = {}
    for size, n in COUNTS[kind]:
        by_n.setdefault(n, []).append(size)
    out = f"results/problems/{kind}/{{size}}/seed{seed}.jsonl"
    return " && ".join(
        f"python -m codenl generate --kind {kind} --seed {seed} --n {n} --size {' '.join(map(str, sizes))} "
        f"--out {shlex.quote(out)}"
        for n, sizes in by_n.items()
    )


def sandbox_options():
    sb = CFG["sandbox"]
    words = ["--workers", str(sb["workers"]), "--timeout", repr(float(sb["timeout_s"])),
             "--memory-mb", str(sb["memory_mb"]), "--mode", sb["mode"]]
    if sb["allow_degraded"]:
        words.append("--allow-degraded")
    if sb["allowed_packages"]:  # last: the option takes every word after it
        words += ["--allowed-packages", *sb["allowed_packages"]]
    return " ".join(shlex.quote(w) for w in words)


def config_text():
    """The effective configuration (defaults filled) as canonical JSON: a change of it re-runs what reads it."""
    return json.dumps(CFG, sort_keys=True, separators=(",", ":"))


# the statistics tables `snakemake --report` shows, each with a caption report/<stem>.rst
REPORTED_TABLES = ["hypotheses.csv", "accuracy_model_arm.csv", "comparisons.csv", "diff_model_kind.csv"]


def stats_output(name):
    """A file of `python -m codenl stats`; the key tables are registered for `snakemake --report`."""
    path = f"results/stats/{name}"
    if name in REPORTED_TABLES:
        return report(path, caption=f"../report/{name.rsplit('.', 1)[0]}.rst", category="Statistics")
    return path


def viewer_shards():
    """Every problem, response and execution shard of the run (the pages show them next to the graded rows)."""
    files = []
    for k in KINDS:
        for seed in SEEDS:
            files += problems(SIZES[k], k, seed)
            for m in MODELS:
                for arm in ASKED_ARMS:
                    files += responses(SIZES[k], k, m, arm, seed)
                files += executions(SIZES[k], k, m, seed)
    return files
