# plots: the figures, from the records and the statistics tables.

FIGURES = ["line.png", "by_kind.png", "by_size.png", "heatmap.png", "pvals.png", "outcomes.png"]

localrules:
    plots,


rule plots:
    input:
        records="results/aggregate/records.parquet",
        stats=rules.stats.output,
    output:
        [f"results/figures/{name}" for name in FIGURES],
    log:
        "results/logs/plots.log",
    conda:
        CONDA_ENV
    shell:
        "{PY} -m codenl plots --records {input.records} --stats results/stats --out results/figures 2> {log}"
