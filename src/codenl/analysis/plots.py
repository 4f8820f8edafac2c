"""The ``plots`` subcommand: six PNG figures drawn from the tables of the ``stats`` stage.

    python -m codenl plots --records results/aggregate/records.parquet --stats results/stats --out results/figures

Figures (each builder is a function of small tables returning a matplotlib Figure, so tests can inspect it):

* ``line.png``     x = arm (NL, Sim, ControlSim, Code), y = accuracy, one line per model coloured by provider,
                   an "All models" line, 95% cluster-bootstrap CIs as error bars;
* ``by_kind.png``  the same, one panel per problem kind, with the best cheap strategy of the kind's instances as a
                   dashed grey line (the ``baseline`` column of the tables; absent without baselines);
* ``by_size.png``  accuracy against size, one panel per family, one line per arm (all models pooled), the best
                   cheap strategy per size dashed; a last panel: accuracy per arm on heuristic-hard and
                   heuristic-easy instances (when the stats carry baselines);
* ``heatmap.png``  Code - NL accuracy difference, model x kind;
* ``pvals.png``    Wilcoxon p per model and comparison (log scale) with the Bonferroni and exploratory alphas;
* ``outcomes.png`` the outcome mix per arm (stacked fractions), one panel per model.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from codenl.analysis.stats import (
    ALL_MODELS,
    ARM_LABELS,
    ARMS,
    FAMILY_ORDER,
    KIND_ORDER,
    OUTCOMES,
    provider_of,
)
from codenl.errors import UsageError

FIGURE_NAMES = ("line.png", "by_kind.png", "by_size.png", "heatmap.png", "pvals.png", "outcomes.png")
INFRA_CAPTION = "infra errors excluded as missing"
#: p-values below this are drawn on the floor of pvals.png as a downward triangle
P_FLOOR = 1e-12
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_LINESTYLES = ("-", "--", "-.", ":")
OUTCOME_COLOURS = {
    "correct": "#2ca02c",
    "wrong": "#d62728",
    "parse_error": "#ff7f0e",
    "no_code": "#bcbd22",
    "syntax_error": "#9467bd",
    "runtime_error": "#8c564b",
    "timeout": "#e377c2",
    "memory_limit": "#17becf",
    "output_limit": "#1f77b4",
    "infra_error": "#7f7f7f",
}


def _theme() -> None:
    sns.set_theme(style="whitegrid", context="notebook")


def model_styles(models: Sequence[str], providers: dict[str, str] | None = None) -> dict[str, dict]:
    """Colour per provider; within a provider, a distinct marker and line style per model."""
    providers = providers or {}
    prov = {m: providers.get(m) or provider_of(m) for m in models}
    order = sorted(set(prov.values()))
    palette = dict(zip(order, sns.color_palette("colorblind", len(order)), strict=True))
    seen: dict[str, int] = {}
    styles = {}
    for m in sorted(models):
        i = seen.get(prov[m], 0)
        seen[prov[m]] = i + 1
        styles[m] = {
            "color": palette[prov[m]],
            "marker": _MARKERS[i % len(_MARKERS)],
            "linestyle": _LINESTYLES[i % len(_LINESTYLES)],
            "provider": prov[m],
        }
    return styles


def _errorbar(ax, x, table: pd.DataFrame, label: str, **style) -> None:
    y = table["accuracy"].to_numpy(dtype=float)
    lo = np.clip(y - table["ci_low"].to_numpy(dtype=float), 0, None)
    hi = np.clip(table["ci_high"].to_numpy(dtype=float) - y, 0, None)
    ax.errorbar(x, y, yerr=np.vstack([np.nan_to_num(lo), np.nan_to_num(hi)]), label=label, capsize=3, **style)


def _arm_axis(ax) -> None:
    ax.set_xticks(range(len(ARMS)))
    ax.set_xticklabels([ARM_LABELS[a] for a in ARMS])
    ax.set_xlim(-0.3, len(ARMS) - 0.7)
    ax.set_ylim(-0.03, 1.03)


def _by_arm(table: pd.DataFrame) -> pd.DataFrame:
    """Rows for the four arms in order (NaN where an arm is absent)."""
    t = table.set_index("arm").reindex(list(ARMS))
    return t.reset_index()


def _draw_arm_lines(ax, acc: pd.DataFrame, pooled: pd.DataFrame | None, styles: dict[str, dict]) -> None:
    x = np.arange(len(ARMS))
    models = sorted(acc["model"].unique())
    for i, model in enumerate(models):
        s = styles[model]
        dodge = (i - (len(models) - 1) / 2) * 0.05 + (0.03 if pooled is not None else 0.0)  # overlapping CIs
        _errorbar(
            ax,
            x + dodge,
            _by_arm(acc[acc["model"] == model]),
            f"{model} ({s['provider']})",
            color=s["color"],
            marker=s["marker"],
            linestyle=s["linestyle"],
            linewidth=1.6,
            markersize=6,
        )
    if pooled is not None and not pooled.empty:
        _errorbar(ax, x, _by_arm(pooled), ALL_MODELS, color="black", marker="o", linewidth=3.0, markersize=7, zorder=5)


def line_figure(acc_model_arm: pd.DataFrame, acc_arm: pd.DataFrame) -> Figure:
    """Accuracy per arm: one line per model coloured by provider, plus "All models"; 95% CIs."""
    _theme()
    models = sorted(acc_model_arm["model"].unique())
    providers = dict(zip(acc_model_arm["model"], acc_model_arm.get("provider", acc_model_arm["model"]), strict=True))
    styles = model_styles(models, providers if "provider" in acc_model_arm else None)
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    _draw_arm_lines(ax, acc_model_arm, acc_arm, styles)
    _arm_axis(ax)
    ax.set_xlabel("Arm")
    ax.set_ylabel("Accuracy")
    ax.set_title(f"Accuracy by arm (95% cluster-bootstrap CIs; {INFRA_CAPTION})", fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, title="Model (provider)")
    fig.tight_layout()
    return fig


def by_kind_figure(acc_model_arm_kind: pd.DataFrame, acc_model_arm: pd.DataFrame | None = None) -> Figure:
    """One panel per kind: accuracy per arm, one line per model (same colours as line.png)."""
    _theme()
    kinds = [k for k in KIND_ORDER if k in set(acc_model_arm_kind["kind"])]
    kinds += sorted(set(acc_model_arm_kind["kind"]) - set(kinds))
    models = sorted(acc_model_arm_kind["model"].unique())
    providers = None
    if acc_model_arm is not None and "provider" in acc_model_arm:
        providers = dict(zip(acc_model_arm["model"], acc_model_arm["provider"], strict=True))
    styles = model_styles(models, providers)
    ncol = min(5, len(kinds))
    nrow = math.ceil(len(kinds) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.1 * ncol + 2.5, 2.6 * nrow + 0.8), sharey=True, squeeze=False)
    for ax, kind in zip(axes.flat, kinds, strict=False):
        rows = acc_model_arm_kind[acc_model_arm_kind["kind"] == kind]
        _draw_arm_lines(ax, rows, None, styles)
        _baseline_line(ax, rows)
        _arm_axis(ax)
        ax.set_title(kind, fontsize=11)
        ax.tick_params(axis="x", labelsize=8)
    for ax in list(axes.flat)[len(kinds) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("Accuracy")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=9, title="Model (provider)")
    fig.suptitle(f"Accuracy by problem kind (95% CIs; {INFRA_CAPTION})", fontsize=12)
    fig.tight_layout(rect=(0, 0, 0.84 if len(kinds) > 1 else 0.7, 0.96))
    return fig


BASELINE_LABEL = "best cheap strategy"


def _baseline_line(ax, rows: pd.DataFrame) -> None:
    """The best cheap strategy of these rows' instances across the arm axis, dashed (nothing without baselines)."""
    if "baseline" not in rows.columns:
        return
    value = pd.to_numeric(rows["baseline"], errors="coerce").mean()
    if np.isfinite(value):
        ax.axhline(value, color="grey", linestyle="--", linewidth=1.3, label=BASELINE_LABEL, zorder=1)


def by_size_figure(acc_arm_family_size: pd.DataFrame, acc_arm_hardness: pd.DataFrame | None = None) -> Figure:
    """Difficulty scaling: accuracy against size, one panel per family, one line per arm (models pooled), the best
    cheap strategy dashed; then, when given, accuracy per arm on heuristic-hard and heuristic-easy instances."""
    _theme()
    t = acc_arm_family_size
    fams = [f for f in FAMILY_ORDER if f in set(t["family"])] + sorted(set(t["family"]) - set(FAMILY_ORDER))
    palette = dict(zip(ARMS, sns.color_palette("deep", len(ARMS)), strict=True))
    hardness = acc_arm_hardness is not None and not acc_arm_hardness.empty
    panels = len(fams) + hardness
    fig, axes = plt.subplots(1, panels, figsize=(4.6 * panels + 1.5, 4.2), sharey=True, squeeze=False)
    for ax, fam in zip(axes[0], fams, strict=False):
        sub = t[t["family"] == fam]
        sizes = np.sort(sub["size"].unique())
        step = float(np.min(np.diff(sizes))) if len(sizes) > 1 else 1.0
        for i, arm in enumerate(ARMS):
            a = sub[sub["arm"] == arm].sort_values("size")
            if a.empty:
                continue
            dodge = (i - 1.5) * 0.06 * step  # arms side by side so that equal values stay visible
            _errorbar(
                ax,
                a["size"].to_numpy() + dodge,
                a,
                ARM_LABELS[arm],
                color=palette[arm],
                marker=_MARKERS[i],
                linewidth=1.6,
            )
        if "baseline" in sub.columns:
            base = sub.groupby("size")["baseline"].mean().reindex(sizes)
            if base.notna().any():
                ax.plot(
                    sizes,
                    base.to_numpy(dtype=float),
                    color="grey",
                    linestyle="--",
                    marker="_",
                    linewidth=1.3,
                    label=BASELINE_LABEL,
                    zorder=1,
                )
        ax.set_xticks(sizes)
        ax.set_xticklabels([str(int(x)) for x in sizes])
        ax.set_title(fam, fontsize=11)
        ax.set_xlabel("size (digits, items or level)")
        ax.set_ylim(-0.03, 1.03)
    if hardness:
        ax = axes[0, -1]
        h = acc_arm_hardness
        styles = {"hard": ("black", "-", "o"), "easy": ("grey", ":", "s")}
        for j, level in enumerate(("hard", "easy")):
            rows = _by_arm(h[h["hardness"] == level])
            counts = pd.to_numeric(rows["n_instances"], errors="coerce")
            n = int(counts.max()) if counts.notna().any() else 0
            color, ls, marker = styles[level]
            _errorbar(
                ax,
                np.arange(len(ARMS)) + (j - 0.5) * 0.08,
                rows,
                f"heuristic-{level} (n={n})",
                color=color,
                linestyle=ls,
                marker=marker,
                linewidth=1.6,
            )
        _arm_axis(ax)
        ax.set_title("heuristic-hard vs -easy instances", fontsize=11)
        ax.add_artist(ax.legend(loc="lower left", fontsize=8))
    axes[0, 0].set_ylabel("Accuracy (all models)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    axes[0, -1].legend(handles, labels, title="Arm", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(f"Difficulty scaling per family (95% CIs; {INFRA_CAPTION})", fontsize=12)
    fig.tight_layout()
    return fig


def heatmap_figure(diff_model_kind: pd.DataFrame, kinds: Sequence[str] = (), models: Sequence[str] = ()) -> Figure:
    """Code - NL accuracy difference (mean over paired instances), model x kind.

    ``kinds`` and ``models`` add rows and columns that have no paired instance (drawn empty)."""
    _theme()
    present = set(diff_model_kind["kind"]) | set(kinds)
    kinds = [k for k in KIND_ORDER if k in present] + sorted(present - set(KIND_ORDER))
    all_models = sorted(set(diff_model_kind["model"]) | set(models))
    grid = diff_model_kind.pivot(index="model", columns="kind", values="diff").reindex(index=all_models, columns=kinds)
    fig, ax = plt.subplots(figsize=(0.62 * len(kinds) + 3.5, 0.55 * len(grid) + 2.8))
    sns.heatmap(
        grid,
        ax=ax,
        cmap="vlag_r",
        center=0.0,
        vmin=-1.0,
        vmax=1.0,
        annot=len(kinds) <= 25,
        fmt=".2f",
        annot_kws={"fontsize": 8},
        linewidths=0.5,
        cbar_kws={"label": "Code - NL accuracy"},
    )
    ax.set_xlabel("Problem kind (empty: no paired instance)")
    ax.set_ylabel("Model")
    ax.tick_params(axis="y", labelrotation=0)
    ax.set_title(f"Code Exec - NL accuracy (paired instances; {INFRA_CAPTION})", fontsize=11)
    fig.tight_layout()
    return fig


def pvals_figure(comparisons: pd.DataFrame, alpha_bonferroni: float, alpha_exploratory: float = 0.10) -> Figure:
    """Wilcoxon p per model and comparison on a log scale, with the alpha lines; n/a where undefined."""
    _theme()
    models = sorted(m for m in comparisons["model"].unique() if m != ALL_MODELS)
    if ALL_MODELS in set(comparisons["model"]):
        models.append(ALL_MODELS)
    comps = list(dict.fromkeys(comparisons["comparison"]))
    palette = dict(zip(comps, sns.color_palette("colorblind", len(comps)), strict=True))
    fig, ax = plt.subplots(figsize=(1.5 * len(models) + 4.5, 4.6))
    width = 0.8 / max(1, len(comps))
    finite = comparisons["wilcoxon_p"][np.isfinite(comparisons["wilcoxon_p"].astype(float))]
    floor = max(P_FLOOR, min(1e-3, float(finite.min()) / 5 if len(finite) else 1e-3))
    for j, comp in enumerate(comps):
        sub = comparisons[comparisons["comparison"] == comp].set_index("model").reindex(models)
        x = np.arange(len(models)) - 0.4 + width * (j + 0.5)
        p = sub["wilcoxon_p"].to_numpy(dtype=float)
        shown = np.isfinite(p) & (p >= floor)
        ax.scatter(
            x[shown], p[shown], color=palette[comp], s=55, label=comp, zorder=3, edgecolor="black", linewidth=0.5
        )
        below = np.isfinite(p) & (p < floor)
        if below.any():  # off the scale: a downward triangle on the floor
            ax.scatter(
                x[below],
                np.full(below.sum(), floor),
                color=palette[comp],
                s=70,
                marker="v",
                zorder=3,
                edgecolor="black",
                linewidth=0.5,
            )
        for xi, pi in zip(x, p, strict=True):
            if not np.isfinite(pi):
                ax.text(xi, 0.5, "n/a", ha="center", va="center", fontsize=7, rotation=90, color=palette[comp])
    ax.set_yscale("log")
    ax.set_ylim(floor / 2, 1.5)
    ax.axhline(alpha_bonferroni, color="crimson", linestyle="--", label=f"Bonferroni alpha {alpha_bonferroni:.4g}")
    if not math.isclose(alpha_bonferroni, 0.05):
        ax.axhline(0.05, color="darkorange", linestyle=":", label="alpha 0.05")
    ax.axhline(alpha_exploratory, color="grey", linestyle="-.", label=f"exploratory alpha {alpha_exploratory}")
    ax.set_xticks(range(len(models)))
    ax.set_xticklabels(models, rotation=20, ha="right", fontsize=9)
    ax.set_ylabel("Wilcoxon p (two-sided, log scale)")
    ax.set_title(
        f"Paired Wilcoxon signed-rank over (kind, size) cells (All models: (model, kind, size));\n"
        "n/a = no differing cell; "
        f"v = p < {floor:.0e}",
        fontsize=10,
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    fig.tight_layout()
    return fig


def outcomes_figure(outcomes: pd.DataFrame) -> Figure:
    """Outcome mix per arm: stacked fractions, one panel per model."""
    _theme()
    models = sorted(outcomes["model"].unique())
    present = [o for o in OUTCOMES if o in set(outcomes["outcome"])]
    present += sorted(set(outcomes["outcome"]) - set(present))
    fig, axes = plt.subplots(len(models), 1, figsize=(9.5, 1.55 * len(models) + 1.6), squeeze=False, sharex=True)
    for ax, model in zip(axes[:, 0], models, strict=True):
        sub = outcomes[outcomes["model"] == model]
        frac = sub.pivot_table(index="arm", columns="outcome", values="fraction", aggfunc="sum", fill_value=0.0)
        frac = frac.reindex(index=list(ARMS), columns=present, fill_value=0.0)
        left = np.zeros(len(ARMS))
        for o in present:
            vals = frac[o].to_numpy(dtype=float)
            ax.barh(
                np.arange(len(ARMS)),
                vals,
                left=left,
                color=OUTCOME_COLOURS.get(o, "#333333"),
                label=o,
                edgecolor="white",
                linewidth=0.5,
            )
            left += vals
        ax.set_yticks(range(len(ARMS)))
        ax.set_yticklabels([ARM_LABELS[a] for a in ARMS])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_title(model, fontsize=10, loc="left")
    axes[-1, 0].set_xlabel("Fraction of rows (infra errors shown, grey)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=8, title="Outcome")
    fig.suptitle("Outcome mix per arm", fontsize=12, x=0.4)
    fig.tight_layout(rect=(0, 0, 0.8, 0.97))
    return fig


# ----------------------------------------------------------------------------------------------------------------


def _read_csv(stats_dir: Path, name: str) -> pd.DataFrame:
    path = stats_dir / name
    if not path.exists():
        raise UsageError(f"--stats {stats_dir}: {name} is missing (run `python -m codenl stats` first)")
    return pd.read_csv(path)


def _save(fig: Figure, path: Path) -> None:
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp, dpi=130, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--records", required=True, help="records.parquet the statistics were computed from")
    parser.add_argument("--stats", required=True, help="directory written by the stats stage")
    parser.add_argument("--out", required=True, help="directory for the PNG figures")


def run(args: argparse.Namespace) -> int:
    stats_dir = Path(args.stats)
    summary_path = stats_dir / "summary.json"
    if not summary_path.exists():
        raise UsageError(f"--stats {stats_dir}: summary.json is missing (run `python -m codenl stats` first)")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    records = Path(args.records)
    if not records.exists():
        raise UsageError(f"--records {records}: no such file")
    models = sorted(pd.read_parquet(records, columns=["model"])["model"].astype(str).unique())
    if models != sorted(summary["models"]):
        raise UsageError(
            f"--stats {stats_dir} was computed for models {summary['models']}, but {records} holds "
            f"{models}: re-run the stats stage"
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    acc_model_arm = _read_csv(stats_dir, "accuracy_model_arm.csv")
    figures = {
        "line.png": lambda: line_figure(acc_model_arm, _read_csv(stats_dir, "accuracy_arm.csv")),
        "by_kind.png": lambda: by_kind_figure(_read_csv(stats_dir, "accuracy_model_arm_kind.csv"), acc_model_arm),
        "by_size.png": lambda: by_size_figure(
            _read_csv(stats_dir, "accuracy_arm_family_size.csv"), _read_csv(stats_dir, "accuracy_arm_hardness.csv")
        ),
        "heatmap.png": lambda: heatmap_figure(
            _read_csv(stats_dir, "diff_model_kind.csv"),
            kinds=list(_read_csv(stats_dir, "accuracy_model_arm_kind.csv")["kind"]),
            models=list(acc_model_arm["model"]),
        ),
        "pvals.png": lambda: pvals_figure(
            _read_csv(stats_dir, "comparisons.csv"), summary["alpha_bonferroni"], summary["alpha_exploratory"]
        ),
        "outcomes.png": lambda: outcomes_figure(_read_csv(stats_dir, "outcomes.csv")),
    }
    for name, build in figures.items():
        _save(build(), out / name)
    print(f"plots: {len(figures)} figures -> {out}")
    return 0
