# plots: the figures, from the records and the statistics tables.

FIGURES = ["line.png", "by_kind.png", "by_size.png", "heatmap.png", "pvals.png", "outcomes.png"]

localrules:
    plots,


rule plots:
    input:
        records="results/aggregate/records.parquet",
        stats=rules.stats.output,
    output:
        [
            report(f"results/figures/{name}", caption=f"../report/{name.removesuffix('.png')}.rst", category="Figures")
            for name in FIGURES
        ],
    log:
        "results/logs/plots.log",
    conda:
        CONDA_ENV
    shell:
        "python -m codenl plots --records {input.records} --stats results/stats --out results/figures 2> {log}"
