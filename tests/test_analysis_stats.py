"""Each statistic against scipy / pingouin or a hand-computed case."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats as sps

from codenl.analysis import stats as st
from codenl.errors import UsageError

# Cell accuracies of arm code and arm nl, one model, 8 (kind, size) cells of 4 instances each.
CODE_CELLS = [1.0, 0.75, 1.0, 0.5, 0.75, 1.0, 0.25, 0.75]
NL_CELLS = [0.25, 0.5, 0.5, 0.5, 0.0, 0.25, 0.5, 0.25]
N_PER_CELL = 4


def _cell_records(code_cells, nl_cells, model="org/model", infra=()):
    rows = []
    for c, (ca, na) in enumerate(zip(code_cells, nl_cells, strict=True)):
        kind, size = ("add", "mul")[c % 2], 2 + c
        for i in range(N_PER_CELL):
            iid = f"{kind}-{size}-{i}"
            code_ok = i < round(ca * N_PER_CELL)
            nl_ok = i < round(na * N_PER_CELL)
            for arm, ok in (("code", code_ok), ("nl", nl_ok), ("sim", nl_ok), ("controlsim", code_ok)):
                outcome = "correct" if ok else "wrong"
                if (iid, arm) in infra:
                    outcome, ok = "infra_error", False
                rows.append(
                    {
                        "instance_id": iid,
                        "model": model,
                        "seed": 0,
                        "kind": kind,
                        "size": size,
                        "arm": arm,
                        "outcome": outcome,
                        "correct": ok,
                    }
                )
    return pd.DataFrame(rows)


def _code_nl_row(df):
    wide = st.paired_wide(st.prepare(df))
    return pd.Series(st.compare_arms(wide, "code", "nl", cell_by=("kind", "size"), key="m", alpha_mde=0.05, n_boot=200))


def test_wilcoxon_over_cells_matches_scipy():
    row = _code_nl_row(_cell_records(CODE_CELLS, NL_CELLS))
    ref = sps.wilcoxon(CODE_CELLS, NL_CELLS, zero_method="wilcox")
    ref_g = sps.wilcoxon(CODE_CELLS, NL_CELLS, zero_method="wilcox", alternative="greater")
    assert row["n_cells"] == 8 and row["n_cells_nonzero"] == 7
    assert row["wilcoxon_p"] == pytest.approx(ref.pvalue)
    assert row["wilcoxon_stat"] == pytest.approx(ref.statistic)
    assert row["wilcoxon_p_greater"] == pytest.approx(ref_g.pvalue)


@pytest.mark.parametrize(
    "d",
    [
        [0.5, 0.25, 0.25, -0.25, 0.5, 0.75, 0.5],  # ties, n <= 13: exact sign flips (scipy permutes)
        [0.1, 0.2, -0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, -1.1, 1.2, 1.3, 1.4, 1.5, 1.6],  # no ties: exact
        list(np.linspace(-0.3, 1.0, 60)),  # n > 50: normal approximation
    ],
)
def test_wilcoxon_branches_match_scipy(d):
    d = np.array(d)
    w = st.wilcoxon_cells(d, np.zeros_like(d))
    assert w["wilcoxon_p"] == pytest.approx(sps.wilcoxon(d).pvalue, rel=1e-9)
    assert w["wilcoxon_p_greater"] == pytest.approx(sps.wilcoxon(d, alternative="greater").pvalue, rel=1e-9)
    assert w["wilcoxon_stat"] == pytest.approx(sps.wilcoxon(d).statistic)


def test_wilcoxon_with_zero_cells_is_the_exact_sign_flip_test_on_the_rest():
    # zeros are dropped (zero_method="wilcox"); 4 non-zero differences, all positive: P(all 16 sign patterns
    # give R+ >= 10) = 1/16 one-sided, 2/16 two-sided
    w = st.wilcoxon_cells(np.array([0.5, 0.25, 0.0, 0.75, 0.25, 0.0]), np.zeros(6))
    assert w["n_cells_nonzero"] == 4
    assert w["wilcoxon_p_greater"] == pytest.approx(1 / 16)
    assert w["wilcoxon_p"] == pytest.approx(2 / 16)


def test_wilcoxon_treats_differences_equal_up_to_float_noise_as_ties():
    # Cells of 10 paired instances.  Code - NL is +3/10 in six cells and -3/10 in four, a tie of all ten |d|;
    # but 0.4 - 0.1 = 0.30000000000000004 and 0.4 - 0.7 = -0.29999999999999993, so ranking the raw floats puts
    # every negative cell below every positive one (R+ 45 instead of 33, two-sided p 0.09 instead of 0.75).
    code = np.array([4, 8, 9, 10, 4, 8, 4, 4, 4, 4])
    nl = np.array([1, 5, 6, 7, 1, 5, 7, 7, 7, 7])
    w = st.wilcoxon_cells(code / 10, nl / 10)
    exact = (code - nl).astype(float)  # the same ranks without rounding noise
    assert w["wilcoxon_p"] == pytest.approx(sps.wilcoxon(exact).pvalue)
    assert w["wilcoxon_p_greater"] == pytest.approx(sps.wilcoxon(exact, alternative="greater").pvalue)
    assert w["wilcoxon_stat"] == pytest.approx(22.0)
    # the normal approximation (n > 50) with its tie correction, on realistic cells of 90 paired instances
    rng = np.random.default_rng(4)
    ka, kb = rng.binomial(90, 0.52, size=121), rng.binomial(90, 0.5, size=121)
    w = st.wilcoxon_cells(ka / 90, kb / 90)
    exact = (ka - kb).astype(float)
    assert w["wilcoxon_p"] == pytest.approx(sps.wilcoxon(exact).pvalue, rel=1e-9)
    assert w["wilcoxon_p_greater"] == pytest.approx(sps.wilcoxon(exact, alternative="greater").pvalue, rel=1e-9)


def test_cohen_d_variants_match_pingouin():
    row = _code_nl_row(_cell_records(CODE_CELLS, NL_CELLS))
    x, y = np.array(CODE_CELLS), np.array(NL_CELLS)
    assert row["cohen_dz_cells"] == pytest.approx(pingouin.compute_effsize(x, y, paired=True, eftype="cohen_dz"))
    assert row["cohen_dav_cells"] == pytest.approx(pingouin.compute_effsize(x, y, paired=True, eftype="cohen"))
    d = x - y
    assert row["cohen_dz_cells"] == pytest.approx(d.mean() / d.std(ddof=1))
    # the primary d_z is over the 32 paired instances: 14 instances +1, 1 instance -1, 17 instances 0
    inst = np.r_[np.ones(14), -np.ones(1), np.zeros(17)]
    assert row["cohen_dz"] == pytest.approx(
        pingouin.compute_effsize(inst, np.zeros(32), paired=True, eftype="cohen_dz")
    )
    assert row["cohen_dz"] == pytest.approx(inst.mean() / inst.std(ddof=1))


def test_mean_paired_difference_and_mcnemar_counts_by_hand():
    row = _code_nl_row(_cell_records(CODE_CELLS, NL_CELLS))
    assert row["n_pairs"] == 32
    assert row["acc_a"] == pytest.approx(np.mean(CODE_CELLS))
    assert row["diff"] == pytest.approx(np.mean(CODE_CELLS) - np.mean(NL_CELLS))
    assert row["ci_low"] < row["diff"] < row["ci_high"]
    # instance i is correct when i < k, so per cell the discordant pairs are the accuracy gap
    b = sum(max(0, round(c * 4) - round(n * 4)) for c, n in zip(CODE_CELLS, NL_CELLS, strict=True))
    c = sum(max(0, round(n * 4) - round(c * 4)) for c, n in zip(CODE_CELLS, NL_CELLS, strict=True))
    assert (row["mcnemar_b"], row["mcnemar_c"]) == (b, c) == (14, 1)
    assert row["mcnemar_method"] == "exact binomial"
    assert row["mcnemar_p"] == pytest.approx(2 * sum(math.comb(15, k) for k in range(2)) / 2**15)


def test_mcnemar_exact_and_chi_squared_by_hand():
    exact = st.mcnemar(10, 2)
    assert exact["mcnemar_method"] == "exact binomial"
    assert exact["mcnemar_p"] == pytest.approx(158 / 4096)
    chi = st.mcnemar(40, 20)
    assert chi["mcnemar_stat"] == pytest.approx(361 / 60)
    assert chi["mcnemar_p"] == pytest.approx(sps.chi2.sf(361 / 60, 1))
    assert math.isnan(st.mcnemar(0, 0)["mcnemar_p"])


@pytest.mark.parametrize(("n", "alpha"), [(30, 0.05), (400, 0.0125), (10000, 0.0125)])
def test_min_detectable_difference_matches_pingouin_power(n, alpha):
    sd = 0.6
    d = pingouin.power_ttest(d=None, n=n, power=0.8, alpha=alpha, contrast="paired")
    assert st.min_detectable_difference(sd, n, alpha) == pytest.approx(d * sd, rel=1e-3)
    assert st.paired_power(st.min_detectable_difference(sd, n, alpha), sd, n, alpha) == pytest.approx(0.8, abs=1e-6)


def test_min_detectable_difference_undefined_without_variance():
    assert math.isnan(st.min_detectable_difference(0.0, 100, 0.05))
    assert math.isnan(st.min_detectable_difference(0.5, 1, 0.05))


def test_infra_errors_are_excluded_not_wrong():
    infra = {("add-2-0", "code"), ("mul-3-0", "code")}  # both would have been correct
    df = st.prepare(_cell_records(CODE_CELLS, NL_CELLS, infra=infra))
    acc = st.accuracy_table(df, ["arm"], n_boot=100).set_index("arm")
    total_correct = round(sum(CODE_CELLS) * 4)
    assert acc.loc["code", "n_infra_excluded"] == 2
    assert acc.loc["code", "n"] == 30
    assert acc.loc["code", "accuracy"] == pytest.approx((total_correct - 2) / 30)
    assert acc.loc["nl", "n_infra_excluded"] == 0
    row = _code_nl_row(_cell_records(CODE_CELLS, NL_CELLS, infra=infra))
    assert (row["n_pairs"], row["n_unpaired"]) == (30, 2)  # the two instances drop out of the paired comparison
    by_kind = st.paired_diff_table(st.paired_wide(df), "code", "nl", ["kind"], n_boot=50).set_index("kind")
    assert by_kind.loc["add", "n_unpaired"] == 1 and by_kind.loc["mul", "n_unpaired"] == 1
    assert by_kind["n_pairs"].sum() == 30
    pooled = st.paired_diff_table(st.paired_wide(df), "code", "nl", [], n_boot=50)
    assert (pooled.loc[0, "n_pairs"], pooled.loc[0, "n_unpaired"]) == (30, 2)


def test_anova_model_by_arm_matches_hand_computed_balanced_sums_of_squares():
    rng = np.random.default_rng(3)
    rows = []
    for m in ("a/x", "b/y", "c/z"):
        for arm in ("nl", "code"):
            for cell in range(5):
                rows.append(
                    {
                        "model": m,
                        "arm": arm,
                        "kind": "add",
                        "size": cell,
                        "accuracy": rng.random() + (0.3 if arm == "code" else 0.0),
                    }
                )
    cells = pd.DataFrame(rows)
    table, note = st.anova(cells, "accuracy", ["model", "arm"])
    assert note == ""
    y = cells["accuracy"].to_numpy()
    grand = y.mean()
    ss_model = 10 * sum((cells[cells["model"] == m]["accuracy"].mean() - grand) ** 2 for m in cells["model"].unique())
    ss_arm = 15 * sum((cells[cells["arm"] == a]["accuracy"].mean() - grand) ** 2 for a in ("nl", "code"))
    cell_means = cells.groupby(["model", "arm"])["accuracy"].transform("mean")
    ss_resid = float(((y - cell_means) ** 2).sum())
    t = table.set_index("Source")
    assert t.loc["model", "SS"] == pytest.approx(ss_model)
    assert t.loc["arm", "SS"] == pytest.approx(ss_arm)
    f_arm = (ss_arm / 1) / (ss_resid / 24)
    assert t.loc["arm", "F"] == pytest.approx(f_arm)
    assert t.loc["arm", "p_unc"] == pytest.approx(sps.f.sf(f_arm, 1, 24))
    assert st.interaction_p(table, "model", "arm") == pytest.approx(float(t.loc["model * arm", "p_unc"]))


def test_anova_with_one_model_drops_the_factor_and_says_so():
    cells = pd.DataFrame(
        {"model": "a/x", "arm": ["nl", "code"] * 4, "accuracy": [0.1, 0.5, 0.2, 0.6, 0.0, 0.7, 0.1, 0.4]}
    )
    table, note = st.anova(cells, "accuracy", ["model", "arm"])
    assert "'model' has one level" in note
    assert list(table["Source"]) == ["arm", "Within"]


def test_anova_without_variance_is_not_testable():
    cells = pd.DataFrame({"model": ["a", "b"] * 4, "arm": ["nl"] * 4 + ["code"] * 4, "accuracy": 0.0})
    table, note = st.anova(cells, "accuracy", ["model", "arm"])
    assert table.empty and "no variance" in note


def test_all_zero_accuracy_gives_undefined_statistics_not_a_crash():
    df = _cell_records([0.0] * 8, [0.0] * 8)
    row = _code_nl_row(df)
    assert row["diff"] == 0.0
    assert math.isnan(row["wilcoxon_p"]) and math.isnan(row["cohen_dz"]) and math.isnan(row["mde"])
    assert "no signed ranks" in row["note"]


def test_prepare_names_missing_columns_and_duplicates():
    with pytest.raises(UsageError, match="kind"):
        st.prepare(pd.DataFrame({"instance_id": ["a"], "model": ["m"], "arm": ["nl"], "size": [1], "correct": [True]}))
    df = _cell_records(CODE_CELLS, NL_CELLS)
    with pytest.raises(UsageError, match="duplicate row for instance add-2-0"):
        st.prepare(pd.concat([df, df.iloc[[0]]], ignore_index=True))


def test_accuracy_rows_in_arm_order_and_provider_from_model_id():
    df = st.prepare(_cell_records(CODE_CELLS, NL_CELLS, model="mistralai/codestral-2508"))
    acc = st.accuracy_table(df, ["model", "provider", "arm"], n_boot=50)
    assert list(acc["arm"]) == ["nl", "sim", "controlsim", "code"]
    assert set(acc["provider"]) == {"mistralai"}
    assert st.provider_of("smollm2") == "local"


def test_comparisons_cover_every_pair_per_model_and_pooled():
    df = pd.concat([_cell_records(CODE_CELLS, NL_CELLS, "a/x"), _cell_records(NL_CELLS, CODE_CELLS, "b/y")])
    cmp = st.comparisons_table(st.paired_wide(st.prepare(df)), alpha_mde=0.025, n_boot=100)
    assert len(cmp) == 3 * len(st.COMPARISONS)
    assert set(cmp["comparison"]) == {"Code - NL", "Code - Sim", "Sim - NL", "Code - ControlSim"}
    pooled = cmp[(cmp["model"] == st.ALL_MODELS) & (cmp["comparison"] == "Code - NL")].iloc[0]
    assert pooled["n_cells"] == 16 and pooled["n_pairs"] == 64
    assert pooled["diff"] == pytest.approx(0.0)  # the two models' effects cancel


def test_fidelity_and_usage_tables_by_hand():
    df = _cell_records(CODE_CELLS[:2], NL_CELLS[:2])
    df["fidelity"] = pd.array([None] * len(df), dtype="boolean")
    sim = df.index[df["arm"] == "sim"]
    df.loc[sim[:6], "fidelity"] = [True, True, True, False, True, False]
    df["prompt_tokens"] = np.where(df["arm"] == "code", np.nan, 100.0)
    df["cost"] = np.where(df["arm"] == "nl", 0.5, np.nan)
    prepared = st.prepare(df)
    fid = st.fidelity_table(prepared, n_boot=100)
    assert list(fid["arm"]) == ["sim"]  # controlsim has no fidelity values here
    row = fid.iloc[0]
    assert (row["n"], row["n_agree"]) == (6, 4) and row["fidelity"] == pytest.approx(4 / 6)
    use = st.usage_table(prepared).set_index("arm")
    assert use.loc["nl", "prompt_tokens_sum"] == 800 and use.loc["nl", "cost_sum"] == pytest.approx(4.0)
    assert math.isnan(use.loc["code", "prompt_tokens_sum"]) and use.loc["code", "rows"] == 8


def test_a_minimal_table_from_elsewhere_with_two_arms_only():
    # only the columns stats needs: no outcome (correct only), no seed, family or provider, and no sim arms
    from codenl.commands import stats as stats_cli

    df = _cell_records(CODE_CELLS, NL_CELLS)
    df = df[df["arm"].isin(["nl", "code"])][["instance_id", "model", "arm", "kind", "size", "correct"]]
    res = stats_cli.compute(df, n_boot=50)
    acc = res["accuracy_model_arm"]
    assert list(acc["arm"]) == ["nl", "code"] and set(acc["provider"]) == {"org"}
    cmp = res["comparisons"].set_index(["model", "comparison"])
    assert cmp.loc[("org/model", "Code - NL"), "n_pairs"] == 32
    assert cmp.loc[("org/model", "Code - Sim"), "note"] == "no paired instances"
    verdicts = res["hypotheses"].set_index("id")["verdict"]
    assert verdicts["H3"] == "not testable"


def test_weighted_anova2_matches_statsmodels_wls_type2_and_pingouin_when_unweighted():
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    rng = np.random.default_rng(0)
    rows = []
    for m in ("a", "b", "c"):
        for k in ("add", "mul", "tsp", "spp"):
            small = k in ("tsp", "spp")
            for s in range(3 if small else 5):
                n = 30 if small else 90
                rows.append({"model": m, "kind": k, "size": s, "n": n, "diff": rng.normal(0.3, 1 / np.sqrt(n))})
    cells = pd.DataFrame(rows)
    table, note = st.weighted_anova2(cells, "diff", "n", ["model", "kind"])
    assert "weighted" in note
    ref = anova_lm(smf.wls("diff ~ C(model) * C(kind)", data=cells, weights=cells["n"]).fit(), typ=2)
    t = table.set_index("Source")
    for ours, theirs in (
        ("model", "C(model)"),
        ("kind", "C(kind)"),
        ("model * kind", "C(model):C(kind)"),
        ("Residual", "Residual"),
    ):
        assert t.loc[ours, "SS"] == pytest.approx(ref.loc[theirs, "sum_sq"])
        assert t.loc[ours, "DF"] == ref.loc[theirs, "df"]
    assert st.interaction_p(table, "model", "kind") == pytest.approx(ref.loc["C(model):C(kind)", "PR(>F)"])
    unweighted, _ = st.weighted_anova2(cells.assign(n=1), "diff", "n", ["model", "kind"])
    pg, _ = st.anova(cells, "diff", ["model", "kind"])  # pingouin
    assert st.interaction_p(unweighted, "model", "kind") == pytest.approx(st.interaction_p(pg, "model", "kind"))


def test_model_by_kind_interaction_keeps_its_level_when_cells_differ_in_size():
    # No interaction planted (Code - NL is the same for every model and kind), but cells hold 30, 10 or 125
    # paired instances as on the plan's grid (one seed).  The unweighted ANOVA of cell differences rejected in
    # about half of such runs; the stats stage must stay near its 5% level.
    from codenl.analysis.synthetic import synthetic_records
    from codenl.commands import stats as stats_cli

    cells = (
        [(k, d, 30) for k in ("add", "sub", "mul", "lcs") for d in range(2, 21, 2)]
        + [("clrs30", d, 125) for d in (4, 8, 12, 16)]
        + [(k, lvl, 10) for k in ("spp", "tsp", "msp", "gcp") for lvl in (1, 2, 3)]
    )
    acc = {m: {"nl": 0.45, "sim": 0.6, "controlsim": 0.6, "code": 0.8} for m in ("a/w", "b/x", "c/y", "d/z")}
    ps = []
    for r in range(16):
        res = stats_cli.compute(synthetic_records(acc, [0], cells, rng_seed=500 + r), n_boot=1)
        ps.append(st.interaction_p(res["anova_model_kind"], "model", "kind"))
    ps = np.array(ps)
    assert np.isfinite(ps).all()
    assert (ps < 0.05).sum() <= 3, np.round(ps, 4)
