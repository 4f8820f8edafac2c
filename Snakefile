# codenl: do LLMs solve algorithmic problems better reasoning in code than in natural language?
#
#   snakemake --profile workflow/profiles/local --cores 2          the whole run (make run)
#   snakemake --profile workflow/profiles/local --cores 16 --configfile workflow/experiments/scaled_code_nl.yaml
#   snakemake --profile workflow/profiles/local results/figures/line.png      one figure and what it needs
#   snakemake --profile workflow/profiles/slurm --configfile ...     the same on a SLURM cluster
#   snakemake plan / snakemake check                                  cost estimate / pre-flight checks
#   snakemake --profile workflow/profiles/local --report results/report.html     the HTML report of a finished run
#
# Data flow (docs/architecture.md, docs/records.md): generate -> query nl, sim -> query controlsim (on the sim
# code), execute (the sim code, in the sandbox) -> grade -> aggregate -> provenance, validate, stats -> plots
# -> viewer.

from snakemake.utils import min_version

min_version("9.0")


# `snakemake --report results/report.html`: this description, then the figures and tables registered with report()
report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/generate.smk"
include: "rules/baselines.smk"
include: "rules/query.smk"
include: "rules/execute.smk"
include: "rules/grade.smk"
include: "rules/analyze.smk"
include: "rules/plots.smk"
include: "rules/viewer.smk"


localrules:
    all,


rule all:
    default_target: True
    input:
        rules.plots.output,
        rules.validate.output,
        rules.viewer.output,
        "results/stats/hypotheses.md",
