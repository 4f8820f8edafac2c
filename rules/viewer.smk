# viewer: the static results browser (results/viewer/index.html opens from the file system), from the records
# table, the shards behind every record (prompts, replies, execution records) and the figures.

from codenl.arms import ASKED_ARMS
from codenl.viewer import VIEWER_VERSION


localrules:
    viewer,


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
