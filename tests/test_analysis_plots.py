"""Figures built from small tables; their content (lines, data, labels, ticks) is checked on the matplotlib objects."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.colors import to_hex

from codenl.analysis import plots

ARMS = ["nl", "sim", "controlsim", "code"]
MODELS = {
    "mistralai/codestral-2508": "mistralai",
    "mistralai/mixtral-8x22b-instruct": "mistralai",
    "google/gemini-2.0-flash-001": "google",
}


def _acc(rows):
    df = pd.DataFrame(rows)
    df["ci_low"] = df["accuracy"] - 0.05
    df["ci_high"] = df["accuracy"] + 0.05
    return df


def _acc_model_arm():
    # rows deliberately not in arm order: the figure must place them by arm, not by row order
    rows = []
    for i, (m, p) in enumerate(MODELS.items()):
        for j, arm in enumerate(reversed(ARMS)):
            rows.append({"model": m, "provider": p, "arm": arm, "accuracy": 0.1 * i + 0.2 * (3 - j) + 0.05})
    return _acc(rows)


def _acc_arm():
    return _acc([{"arm": a, "accuracy": v} for a, v in zip(ARMS, [0.3, 0.45, 0.5, 0.8], strict=True)])


def _legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_line_figure_has_one_line_per_model_plus_all_models_in_arm_order():
    fig = plots.line_figure(_acc_model_arm(), _acc_arm())
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["NL", "Sim", "ControlSim", "Code"]
    assert ax.get_ylabel() == "Accuracy" and ax.get_xlabel() == "Arm"
    assert len(ax.containers) == len(MODELS) + 1
    labels = [c.get_label() for c in ax.containers]
    assert labels[-1] == "All models"
    assert "google/gemini-2.0-flash-001 (google)" in labels
    assert _legend_labels(ax) == labels
    by_label = {c.get_label(): c.lines[0] for c in ax.containers}
    np.testing.assert_allclose(by_label["All models"].get_ydata(), [0.3, 0.45, 0.5, 0.8])
    np.testing.assert_allclose(by_label["mistralai/codestral-2508 (mistralai)"].get_ydata(), [0.05, 0.25, 0.45, 0.65])
    colours = {lab: to_hex(line.get_color()) for lab, line in by_label.items()}
    assert colours["mistralai/codestral-2508 (mistralai)"] == colours["mistralai/mixtral-8x22b-instruct (mistralai)"]
    assert colours["google/gemini-2.0-flash-001 (google)"] != colours["mistralai/codestral-2508 (mistralai)"]
    assert (
        by_label["mistralai/codestral-2508 (mistralai)"].get_marker()
        != by_label["mistralai/mixtral-8x22b-instruct (mistralai)"].get_marker()
    )
    assert colours["All models"] == "#000000"


def test_line_figure_leaves_a_gap_for_a_missing_arm():
    acc = _acc_model_arm()
    acc = acc[~((acc["model"] == "google/gemini-2.0-flash-001") & (acc["arm"] == "controlsim"))]
    ax = plots.line_figure(acc, _acc_arm()).axes[0]
    line = next(c.lines[0] for c in ax.containers if c.get_label().startswith("google"))
    assert math.isnan(line.get_ydata()[2]) and not math.isnan(line.get_ydata()[3])


def test_by_kind_figure_has_one_panel_per_kind_in_canonical_order():
    rows = []
    for kind in ("tsp", "add", "clrs30"):
        for _, r in _acc_model_arm().iterrows():
            rows.append({**r.to_dict(), "kind": kind})
    fig = plots.by_kind_figure(pd.DataFrame(rows), _acc_model_arm())
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["add", "clrs30", "tsp"]
    assert all(len(ax.containers) == len(MODELS) for ax in visible)
    assert [t.get_text() for t in visible[0].get_xticklabels()] == ["NL", "Sim", "ControlSim", "Code"]
    assert len(fig.legends[0].get_texts()) == len(MODELS)


def test_by_size_figure_has_a_panel_per_family_and_a_line_per_arm_sorted_by_size():
    rows = [
        {"arm": a, "family": f, "size": s, "accuracy": 0.9 - 0.03 * s}
        for f, sizes in (("nphard", (1, 2, 3)), ("fine_grained", (8, 2, 4)))
        for a in ARMS
        for s in sizes
    ]
    fig = plots.by_size_figure(_acc(rows))
    assert [ax.get_title() for ax in fig.axes] == ["fine_grained", "nphard"]
    ax = fig.axes[0]
    assert [c.get_label() for c in ax.containers] == ["NL", "Sim", "ControlSim", "Code"]
    # arms are dodged by a few percent of the size step around the true sizes, which are the ticks
    np.testing.assert_allclose(ax.containers[0].lines[0].get_xdata(), [2, 4, 8], atol=0.25)
    assert np.all(np.diff(ax.containers[0].lines[0].get_xdata()) > 0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4", "8"]
    assert [t.get_text() for t in fig.axes[-1].get_legend().get_texts()] == ["NL", "Sim", "ControlSim", "Code"]


def test_heatmap_holds_the_code_minus_nl_values_model_by_kind():
    diff = pd.DataFrame(
        {"model": ["a/x", "a/x", "b/y", "b/y"], "kind": ["tsp", "add", "tsp", "add"], "diff": [0.5, -0.25, 0.0, 1.0]}
    )
    fig = plots.heatmap_figure(diff)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["add", "tsp"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a/x", "b/y"]
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(2, 2), [[-0.25, 0.5], [1.0, 0.0]])
    assert sorted(t.get_text() for t in ax.texts) == sorted(["-0.25", "0.50", "1.00", "0.00"])
    # a kind without any paired instance still gets its (empty) column
    ax = plots.heatmap_figure(diff, kinds=["sub"], models=["c/z"]).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["add", "sub", "tsp"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a/x", "b/y", "c/z"]


def test_pvals_figure_has_alpha_lines_points_and_na_marks():
    cmp = pd.DataFrame(
        {
            "model": ["a/x", "b/y", "All models"] * 2,
            "comparison": ["Code - NL"] * 3 + ["Code - Sim"] * 3,
            "wilcoxon_p": [0.001, 0.2, 1e-30, np.nan, 0.04, 0.009],
        }
    )
    fig = plots.pvals_figure(cmp, alpha_bonferroni=0.025)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a/x", "b/y", "All models"]
    hlines = {line.get_label(): line.get_ydata()[0] for line in ax.get_lines()}
    assert hlines == {"Bonferroni alpha 0.025": 0.025, "alpha 0.05": 0.05, "exploratory alpha 0.1": 0.1}
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.texts] == ["n/a"]
    points = [c for c in ax.collections if c.get_label() in ("Code - NL", "Code - Sim")]
    assert [len(c.get_offsets()) for c in points] == [2, 2]  # 1e-30 is below the floor: drawn as a triangle
    assert sum(len(c.get_offsets()) for c in ax.collections) == 5


def test_outcomes_figure_stacks_fractions_per_arm_for_each_model():
    rows = []
    for m in ("a/x", "b/y"):
        for arm in ARMS:
            mix = (
                {"correct": 0.25, "wrong": 0.5, "parse_error": 0.25}
                if arm != "code"
                else {"correct": 0.5, "runtime_error": 0.25, "infra_error": 0.25}
            )
            rows += [{"model": m, "arm": arm, "outcome": o, "count": int(f * 8), "fraction": f} for o, f in mix.items()]
    fig = plots.outcomes_figure(pd.DataFrame(rows))
    axes = list(fig.axes)
    assert [ax.get_title(loc="left") for ax in axes] == ["a/x", "b/y"]
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["NL", "Sim", "ControlSim", "Code"]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["correct", "wrong", "parse_error", "runtime_error", "infra_error"]
    widths = np.zeros(4)
    for patch in axes[0].patches:
        widths[round(patch.get_y() + patch.get_height() / 2)] += patch.get_width()
    np.testing.assert_allclose(widths, 1.0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plots.plt.close("all")
