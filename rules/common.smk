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
from codenl.errors import UsageError
from codenl.naming import model_slug
from codenl.workflow_cli import runlock
from codenl.workflow_cli.versions import stage_versions

# `python -m codenl` of this environment; under `--sdm conda` the rule's environment provides python and the
# package comes from this checkout's src/ (see envs/codenl.yaml).
USE_CONDA = "conda" in str(getattr(workflow.deployment_settings, "deployment_method", "")).lower()
PY = "python" if USE_CONDA else shlex.quote(sys.executable)
if USE_CONDA:
    shell.prefix(f"export PYTHONPATH={shlex.quote(os.path.join(workflow.basedir, 'src'))}; ")
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
    VERSIONS = stage_versions(CFG["kinds"])
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
    arm="nl|sim|controlsim",
    seed=r"\d+",


def kinds_regex(kinds):
    return "|".join(re.escape(k) for k in kinds)


def problems(sizes, kind="{kind}", seed="{seed}"):
    return [f"results/problems/{kind}/{s}/seed{seed}.jsonl" for s in sizes]


def responses(sizes, kind="{kind}", model="{model}", arm="{arm}", seed="{seed}"):
    return [f"results/responses/{model}/{arm}/{kind}/{s}/seed{seed}.jsonl" for s in sizes]


def executions(sizes, kind="{kind}", model="{model}", seed="{seed}"):
    return [f"results/executions/{model}/{kind}/{s}/seed{seed}.jsonl" for s in sizes]


def graded(sizes, kind="{kind}", model="{model}", seed="{seed}"):
    return [f"results/graded/{model}/{kind}/{s}/seed{seed}.jsonl" for s in sizes]


def all_graded():
    return [f for m in MODELS for seed in SEEDS for k in KINDS for f in graded(SIZES[k], k, m, seed)]


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
    ]
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
        f"{PY} -m codenl generate --kind {kind} --seed {seed} --n {n} --size {' '.join(map(str, sizes))} "
        f"--out {shlex.quote(out)}"
        for n, sizes in by_n.items()
    )


def sandbox_options():
    sb = CFG["sandbox"]
    words = ["--workers", str(sb["workers"]), "--timeout", repr(float(sb["timeout_s"])),
             "--memory-mb", str(sb["memory_mb"]), "--mode", sb["mode"]]
    if sb["allow_degraded"]:
        words.append("--allow-degraded")
    return " ".join(words)


def config_text():
    """The effective configuration (defaults filled) as canonical JSON: a change of it re-runs what reads it."""
    return json.dumps(CFG, sort_keys=True, separators=(",", ":"))
