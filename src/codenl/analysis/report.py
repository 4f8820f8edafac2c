"""Markdown rendering of tables and of the statistics report (pure: strings in, strings out)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from codenl.arms import ARMS

FIGURES = (
    ("line.png", "Accuracy per arm, one line per model (colour = provider) and all models, 95% CIs"),
    ("by_kind.png", "Accuracy per arm for each problem kind (dashed: best cheap strategy)"),
    (
        "by_size.png",
        "Difficulty scaling: accuracy by size, per family (all models pooled; dashed: best cheap "
        "strategy), and on heuristic-hard vs heuristic-easy instances",
    ),
    ("heatmap.png", "Code - NL accuracy difference, model x kind"),
    ("pvals.png", "Wilcoxon p-values per model and comparison, with the alpha lines"),
    ("outcomes.png", "Outcome mix per arm: why answers fail"),
)


def _cell(value: Any, digits: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if value != 0 and (abs(value) < 10 ** (-digits) or abs(value) >= 1e6):
            return f"{value:.3g}"
        return f"{value:.{digits}f}"
    text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(table: pd.DataFrame, columns: Sequence[str] | None = None, digits: int = 3) -> str:
    """A GitHub Markdown table; floats to ``digits`` places, NaN as ``n/a``, pipes escaped."""
    cols = list(columns) if columns is not None else list(table.columns)
    if table.empty:
        return "_(no rows)_\n"
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in table[cols].itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v, digits) for v in row) + " |")
    return "\n".join(lines) + "\n"


def hypotheses_markdown(verdicts: pd.DataFrame, conclusion: str, context: Mapping[str, Any]) -> str:
    """``hypotheses.md``: the verdict table and how it was computed."""
    out = [
        "# Hypothesis verdicts",
        "",
        f"**{conclusion}**",
        "",
        f"Models: {context['n_models']}; seeds: {context['seeds']}; Bonferroni alpha = 0.05 / {context['n_models']}"
        f" = {context['alpha_bonferroni']:.4g}; exploratory alpha = {context['alpha_exploratory']}.",
        f"Infra errors: {context['n_infra']} rows excluded as missing (never counted as wrong).",
        "",
        "Verdicts: **met**, **not met**, or **not testable** with this data (the reason is given).",
        "",
        markdown_table(verdicts, ["id", "criterion", "operationalised as", "numbers", "verdict", "why"]),
    ]
    return "\n".join(out)


def stats_report(
    *,
    context: Mapping[str, Any],
    acc_model_arm: pd.DataFrame,
    acc_arm: pd.DataFrame,
    comparisons: pd.DataFrame,
    anova_table: pd.DataFrame,
    anova_note: str,
    verdicts: pd.DataFrame,
    conclusion: str,
    outcomes: pd.DataFrame,
    fidelity: pd.DataFrame,
    usage: pd.DataFrame,
    tables: Mapping[str, str],
    figures_rel: str,
    acc_hardness: pd.DataFrame | None = None,
    baselines: pd.DataFrame | None = None,
) -> str:
    """The Markdown report: summary, main tables, verdicts, links to every CSV and figure."""
    acc_cols = ["model", "arm", "accuracy", "ci_low", "ci_high", "baseline", "n", "n_correct", "n_infra_excluded"]
    acc_cols = [c for c in acc_cols if c in acc_model_arm.columns]
    cmp_cols = [
        "model",
        "comparison",
        "n_pairs",
        "n_unpaired",
        "acc_a",
        "acc_b",
        "diff",
        "ci_low",
        "ci_high",
        "wilcoxon_p",
        "wilcoxon_p_greater",
        "n_cells",
        "cohen_dz",
        "cohen_dz_cells",
        "cohen_dav_cells",
        "mcnemar_b",
        "mcnemar_c",
        "mcnemar_p",
        "mcnemar_method",
        "mde",
        "note",
    ]
    all_rows = acc_arm.assign(model="All models")
    mix = outcomes.pivot_table(index="arm", columns="outcome", values="count", aggfunc="sum", fill_value=0)
    mix = mix.reindex([a for a in ARMS if a in mix.index]).reset_index()
    out = [
        "# Code vs NL: statistics report",
        "",
        f"Records: {context['n_rows']} rows; models: {', '.join(context['models'])}; seeds: {context['seeds']}; "
        f"kinds: {context['n_kinds']}.",
        f"**Infra errors are treated as missing, never as wrong:** {context['n_infra']} rows excluded from every "
        "accuracy and comparison (`n_infra_excluded` in each table). Every other outcome counts as not correct.",
        f"CIs: 95% percentile bootstrap, {context['n_boot']} resamples, seed {context['boot_seed']}, resampling "
        "instances (an instance's arms, and its rows across models, stay together).",
        f"Bonferroni alpha = 0.05 / {context['n_models']} = {context['alpha_bonferroni']:.4g}; exploratory alpha = "
        f"{context['alpha_exploratory']}.",
        "",
        "## Verdicts",
        "",
        f"**{conclusion}** Full table: [hypotheses.md](hypotheses.md).",
        "",
        markdown_table(verdicts, ["id", "criterion", "verdict", "why"]),
        "## Figures",
        "",
    ]
    for name, caption in FIGURES:
        out += [f"### {caption}", "", f"![{caption}]({figures_rel}/{name})", ""]
    out += [
        "## Accuracy per model and arm",
        "",
        "baseline = what the best cheap strategy of each (kind, size) scores on the same rows (constants, the "
        "out-of-sample majority answer, numbers of the statement, the kind's heuristics: baselines.csv); n/a "
        "without baseline records.",
        "",
        markdown_table(pd.concat([acc_model_arm, all_rows], ignore_index=True), acc_cols),
        "## Heuristic-hard and heuristic-easy instances (all models)",
        "",
        "An instance is heuristic-easy when a cheap strategy that does not merely guess a class solves it (the "
        "kind's standard heuristic, a number of the statement, a constant or the majority answer on non-boolean "
        "answers); H2 is also read on the hard ones (rows H2*-hard of the verdicts).",
        "",
        markdown_table(
            acc_hardness if acc_hardness is not None else pd.DataFrame(),
            [
                c
                for c in ("arm", "hardness", "accuracy", "ci_low", "ci_high", "baseline", "n_instances", "n")
                if acc_hardness is not None and c in acc_hardness.columns
            ],
        ),
        "## Cheap strategies: the best per (kind, size) and the standard heuristic",
        "",
        markdown_table(_baseline_summary(baselines)),
        "## Paired comparisons",
        "",
        "diff = mean paired difference A - B over instances graded in both arms, with its cluster-bootstrap CI; "
        "Wilcoxon signed-rank over (kind, size) cells per model and over (model, kind, size) cells for All models "
        "(two-sided p, and one-sided p for A > B); Cohen's d_z = mean / "
        "SD of the paired instance differences (the effect size the verdicts use); cohen_dz_cells = the same over "
        "cell differences and cohen_dav_cells = mean cell difference / sqrt of the mean variance of the two arms' "
        "cell accuracies (both grow with the instances per cell); "
        "McNemar on paired instances (b = A right and B wrong, c = the reverse); mde = minimum detectable "
        "difference at 80% power of a two-sided paired t-test on instances at the Bonferroni alpha. "
        "In the All models rows, only diff and its CI keep an instance's rows across models together; the Wilcoxon, "
        "McNemar and mde treat the models' answers to one instance as independent (their p-values are optimistic).",
        "",
        markdown_table(comparisons, cmp_cols),
        "## Two-way ANOVA, model x arm (cell accuracy per model, arm, kind, size)",
        "",
        (f"Note: {anova_note}\n" if anova_note else ""),
        markdown_table(anova_table),
        "## Outcome mix per arm (all models; counts include infra errors)",
        "",
        markdown_table(mix),
        "## Simulation fidelity (stated answer equals the executed value, where both exist)",
        "",
        markdown_table(fidelity),
        "## Usage: tokens, cost (as the API reported it) and latency",
        "",
        markdown_table(usage),
        "## Tables",
        "",
    ]
    out += [f"- [{name}]({name}): {what}" for name, what in tables.items()]
    return "\n".join(out) + "\n"


def _baseline_summary(baselines: pd.DataFrame | None) -> pd.DataFrame:
    """One row per (kind, size): the best strategy and its share, the standard heuristic and its share."""
    cols = ["kind", "size", "best strategy", "best accuracy", "standard heuristic", "heuristic accuracy", "n"]
    if baselines is None or baselines.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (kind, size), sub in baselines.groupby(["kind", "size"], sort=False):
        best = sub[sub["best"].astype(bool)].iloc[0]
        std = sub[sub["standard"].astype(bool)]
        rows.append(
            {
                "kind": kind,
                "size": size,
                "best strategy": best["strategy"],
                "best accuracy": float(best["accuracy"]),
                "standard heuristic": std["strategy"].iloc[0] if len(std) else "",
                "heuristic accuracy": float(std["accuracy"].iloc[0]) if len(std) else math.nan,
                "n": int(best["n"]),
            }
        )
    return pd.DataFrame(rows, columns=cols)
