# viewer: the static results browser (results/viewer/index.html opens from the file system), from the records
# table, the shards behind every record (prompts, replies, execution records) and the figures.

from codenl.viewer import VIEWER_VERSION


localrules:
    viewer,


rule viewer:
    input:
        records="results/aggregate/records.parquet",
        figures=rules.plots.output,
        stats=rules.stats.output,
        shards=viewer_shards(),
    output:
        directory("results/viewer"),
    params:
        version=VIEWER_VERSION,
    log:
        "results/logs/viewer.log",
    conda:
        CONDA_ENV
    shell:
        "python -m codenl viewer --records {input.records} --results results --figures results/figures"
        " --stats results/stats --out {output} 2> {log}"
