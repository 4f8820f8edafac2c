"""Analysis stages: aggregate graded shards, validate them, compute statistics and verdicts, draw figures.

Modules, one job each:

* :mod:`.aggregate`   the ``aggregate`` subcommand: graded JSONL shards -> one Parquet table
* :mod:`.validate`    the ``validate`` subcommand: counts, coverage, NaNs, error rates (pure ``validate``)
* :mod:`.bootstrap`   the vectorised cluster bootstrap (instances are resampled, never rows)
* :mod:`.stats`       pure statistics: accuracy tables, paired comparisons, ANOVA, power
* :mod:`.hypotheses`  the plan's H1-H3 and success/failure/ambiguous criteria as a verdict table
* :mod:`.plots`       the ``plots`` subcommand: six PNG figures
* :mod:`.report`      Markdown rendering
* :mod:`.synthetic`   simulated records with planted effects (tests and the benchmark)
"""
