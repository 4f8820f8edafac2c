# aggregate, validate, statistics: whole-run jobs (run on the submitting machine under the slurm profile).

# what `python -m codenl stats` writes (codenl.analysis.stats_cli.TABLES and the reports; tests/test_config.py
# checks that the two lists agree)
STATS_FILES = [
    "accuracy_model_arm.csv", "accuracy_arm.csv", "accuracy_model_arm_kind.csv", "accuracy_arm_family_size.csv",
    "accuracy_model_arm_family.csv", "diff_model_kind.csv", "comparisons.csv", "outcomes.csv",
    "anova_model_arm.csv", "anova_model_kind.csv", "instances_per_model_seed.csv", "fidelity.csv", "usage.csv",
    "hypotheses.csv", "baselines.csv", "accuracy_arm_hardness.csv", "accuracy_model_arm_hardness.csv",
    "hypotheses.md", "hypotheses.json", "summary.json", "report.md",
]

localrules:
    effective_config,
    aggregate,
    validate,
    stats,


rule effective_config:
    """The configuration this run uses, defaults filled in, for `validate` and for the record."""
    output:
        "results/config.yaml",
    params:
        config=config_text(),
    run:
        import yaml

        tmp = f"{output[0]}.tmp"  # written whole, then renamed: the file is complete or absent
        with open(tmp, "w", encoding="utf-8") as fh:
            yaml.safe_dump(json.loads(params.config), fh, sort_keys=False)
        os.replace(tmp, output[0])


rule aggregate:
    input:
        graded=all_graded(),
    output:
        "results/aggregate/records.parquet",
    log:
        "results/logs/aggregate.log",
    conda:
        CONDA_ENV
    run:
        # The list of graded shards can exceed the 128 KiB limit of one shell argument (the plan has ~1,600
        # files): it goes through a file, expanded by the shell into separate arguments.
        listing = f"{output[0]}.inputs"
        with open(listing, "w", encoding="utf-8") as fh:
            fh.write("\n".join(input.graded) + "\n")
        shell(f"{PY} -m codenl aggregate --graded $(cat {listing}) --out {{output}} 2> {{log}}")
        os.remove(listing)


rule validate:
    input:
        records="results/aggregate/records.parquet",
        config="results/config.yaml",
    output:
        md="results/aggregate/validation.md",
        json="results/aggregate/validation.json",
    log:
        "results/logs/validate.log",
    conda:
        CONDA_ENV
    shell:
        "{PY} -m codenl validate --records {input.records} --configfile {input.config}"
        " --out-md {output.md} --out-json {output.json} 2> {log}"


rule stats:
    input:
        records="results/aggregate/records.parquet",
        baselines=all_baselines(),
    output:
        [f"results/stats/{name}" for name in STATS_FILES],
    log:
        "results/logs/stats.log",
    conda:
        CONDA_ENV
    shell:
        "{PY} -m codenl stats --records {input.records} --baselines {input.baselines:q} --out results/stats"
        " --figures results/figures 2> {log}"


rule plan:
    """Requests, tokens and cost per model and arm, before anything is spent: `snakemake plan`."""
    input:
        "results/config.yaml",
    conda:
        CONDA_ENV
    shell:
        "{PY} -m codenl plan --configfile {input}"


rule check:
    """Pre-flight: every key accepted and every model id known to its provider: `snakemake check`."""
    input:
        "results/config.yaml",
    conda:
        CONDA_ENV
    shell:
        "{PY} -m codenl check --configfile {input}"
