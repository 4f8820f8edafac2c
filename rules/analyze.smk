# aggregate, validate, statistics: whole-run jobs (run on the submitting machine under the slurm profile).

# what `python -m codenl stats` writes (codenl.commands.stats.TABLES and the reports; tests/test_config.py
# checks that the two lists agree)
STATS_FILES = [
    "accuracy_model_arm.csv", "accuracy_arm.csv", "accuracy_model_arm_kind.csv", "accuracy_arm_family_size.csv",
    "accuracy_model_arm_family.csv", "diff_model_kind.csv", "comparisons.csv", "outcomes.csv",
    "anova_model_arm.csv", "anova_model_kind.csv", "instances_per_model_seed.csv", "fidelity.csv", "usage.csv",
    "serving.csv", "hypotheses.csv", "baselines.csv", "accuracy_arm_hardness.csv", "accuracy_model_arm_hardness.csv",
    "hypotheses.md", "hypotheses.json", "summary.json", "report.md",
]

localrules:
    effective_config,
    aggregate,
    provenance,
    validate,
    stats,


rule effective_config:
    """The configuration this run uses, defaults filled in, for `validate` and for the record."""
    output:
        "results/config.yaml",
    params:
        config=shlex.quote(config_text()),
    log:
        "results/logs/config.log",
    conda:
        CONDA_ENV
    shell:
        "python -m codenl config --json {params.config} --out {output} 2> {log}"


rule aggregate:
    # The command reads the run's graded shards from the configuration (codenl.layout, the same list as
    # all_graded()): the plan's ~1,600 file names would exceed the 128 KiB limit of one shell argument.
    input:
        graded=all_graded(),
        config="results/config.yaml",
    output:
        "results/aggregate/records.parquet",
    log:
        "results/logs/aggregate.log",
    conda:
        CONDA_ENV
    shell:
        "python -m codenl aggregate --configfile {input.config} --out {output} 2> {log}"


rule provenance:
    """Commit, interpreter, packages, platform, sandbox layers and config hash of the run that last rebuilt the
    aggregate (it re-runs with it); the statistics report shows it."""
    input:
        records="results/aggregate/records.parquet",
        config="results/config.yaml",
    output:
        report("results/provenance.json", caption="../report/provenance.rst", category="Run"),
    params:
        repo=shlex.quote(workflow.basedir),
    log:
        "results/logs/provenance.log",
    conda:
        CONDA_ENV
    shell:
        "python -m codenl provenance --configfile {input.config} --repo {params.repo} --out {output} 2> {log}"


rule validate:
    input:
        records="results/aggregate/records.parquet",
        config="results/config.yaml",
    output:
        md=report("results/aggregate/validation.md", caption="../report/validation.rst", category="Run"),
        json="results/aggregate/validation.json",
    log:
        "results/logs/validate.log",
    conda:
        CONDA_ENV
    shell:
        "python -m codenl validate --records {input.records} --configfile {input.config}"
        " --out-md {output.md} --out-json {output.json} 2> {log}"


rule stats:
    input:
        records="results/aggregate/records.parquet",
        provenance="results/provenance.json",
        baselines=all_baselines(),
    output:
        [stats_output(name) for name in STATS_FILES],
    log:
        "results/logs/stats.log",
    conda:
        CONDA_ENV
    shell:
        "python -m codenl stats --records {input.records} --provenance {input.provenance}"
        " --baselines {input.baselines:q} --out results/stats"
        " --figures results/figures 2> {log}"


rule plan:
    """Requests, tokens and cost per model and arm, before anything is spent: `snakemake plan`."""
    input:
        "results/config.yaml",
    log:
        "results/logs/plan.log",
    conda:
        CONDA_ENV
    shell:
        "python -m codenl plan --configfile {input} 2>&1 | tee {log}"


rule check:
    """Pre-flight: every key accepted and every model id known to its provider: `snakemake check`."""
    input:
        "results/config.yaml",
    log:
        "results/logs/check.log",
    conda:
        CONDA_ENV
    shell:
        "python -m codenl check --configfile {input} 2>&1 | tee {log}"
