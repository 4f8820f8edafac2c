"""The cluster bootstrap: resamples instances (clusters), never rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from codenl.analysis import bootstrap as bs
from codenl.analysis import stats as st


def test_multinomial_replicates_match_index_resampling_in_distribution():
    rng = np.random.default_rng(1)
    numer = rng.integers(0, 3, size=400).astype(float)
    denom = np.full(400, 2.0)
    fast = bs.ratio_bootstrap(numer, denom, n_boot=20000, rng=np.random.default_rng(2))
    slow = bs.index_bootstrap(numer, denom, n_boot=20000, rng=np.random.default_rng(3))
    assert fast.mean() == pytest.approx(slow.mean(), abs=2e-3)
    assert fast.std() == pytest.approx(slow.std(), rel=0.03)
    np.testing.assert_allclose(np.quantile(fast, [0.025, 0.975]), np.quantile(slow, [0.025, 0.975]), atol=4e-3)


def test_binomial_ci_matches_theory():
    # 1000 independent clusters with p = 0.3: CI half width about 1.96 * sqrt(.3 * .7 / 1000) = 0.0284
    hits = np.r_[np.ones(300), np.zeros(700)]
    est, lo, hi = bs.ratio_ci(hits, np.ones(1000), key="t", n_boot=4000)
    assert est == pytest.approx(0.3)
    assert (hi - lo) / 2 == pytest.approx(0.0284, rel=0.08)


def test_same_key_same_interval_and_different_key_differs():
    hits = np.r_[np.ones(30), np.zeros(70)]
    a = bs.ratio_ci(hits, np.ones(100), key=("m", "code"))
    b = bs.ratio_ci(hits, np.ones(100), key=("m", "code"))
    assert a == b
    r1 = bs.ratio_bootstrap(hits, np.ones(100), n_boot=50, rng=bs.group_rng(bs.SEED, ("m", "code")))
    r2 = bs.ratio_bootstrap(hits, np.ones(100), n_boot=50, rng=bs.group_rng(bs.SEED, ("m", "nl")))
    assert not np.array_equal(r1, r2)


def test_empty_and_all_missing_give_nan_not_crash():
    assert all(np.isnan(bs.ratio_ci(np.array([]), np.array([]), key=1)))
    assert all(np.isnan(bs.ratio_ci(np.zeros(3), np.zeros(3), key=1)))


@settings(max_examples=40, deadline=None)
@given(hst.lists(hst.tuples(hst.integers(0, 4), hst.integers(1, 4)), min_size=1, max_size=60))
def test_ci_contains_estimate_and_lies_within_observed_range(pairs):
    numer = np.array([min(a, b) for a, b in pairs], dtype=float)
    denom = np.array([b for _, b in pairs], dtype=float)
    est, lo, hi = bs.ratio_ci(numer, denom, key="p", n_boot=300)
    ratios = numer / denom
    assert ratios.min() - 1e-12 <= lo <= hi <= ratios.max() + 1e-12
    assert lo - 1e-9 <= est <= hi + 1e-9 or len(pairs) < 5


def _records(code: np.ndarray, nl: np.ndarray, model: str = "org/m") -> pd.DataFrame:
    n = code.size
    rows = []
    for arm, vals in (("code", code), ("nl", nl), ("sim", nl), ("controlsim", nl)):
        rows.append(
            pd.DataFrame(
                {
                    "instance_id": [f"i{i}" for i in range(n)],
                    "model": model,
                    "arm": arm,
                    "kind": "add",
                    "size": 2 + 2 * (np.arange(n) % 5),
                    "seed": 0,
                    "correct": vals.astype(bool),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_difference_ci_collapses_when_arms_are_perfectly_correlated_within_instances():
    # Each instance is right in both arms or wrong in both: the paired difference is 0 in every resample.
    # A row bootstrap (arms resampled independently) would give a wide interval instead.
    rng = np.random.default_rng(5)
    both = rng.random(500) < 0.5
    df = st.prepare(_records(both, both))
    table = st.paired_diff_table(st.paired_wide(df), "code", "nl", ["model"])
    assert table.loc[0, "diff"] == 0.0
    assert table.loc[0, "ci_low"] == 0.0 and table.loc[0, "ci_high"] == 0.0
    # what resampling rows independently per arm would have said
    row_boot = bs.ratio_bootstrap(
        both.astype(float), np.ones(500), n_boot=1000, rng=np.random.default_rng(1)
    ) - bs.ratio_bootstrap(both.astype(float), np.ones(500), n_boot=1000, rng=np.random.default_rng(2))
    lo, hi = bs.percentile_ci(row_boot)
    assert hi - lo > 0.08


def test_pooled_models_resample_instances_not_rows():
    # Two models that answer identically: pooling them must not shrink the CI (the instance is the unit).
    rng = np.random.default_rng(9)
    hits = rng.random(300) < 0.4
    df = st.prepare(pd.concat([_records(hits, hits, "a/x"), _records(hits, hits, "b/y")], ignore_index=True))
    pooled = st.accuracy_table(df, ["arm"]).set_index("arm").loc["code"]
    single = st.accuracy_table(df[df["model"] == "a/x"], ["arm"]).set_index("arm").loc["code"]
    assert pooled["accuracy"] == pytest.approx(single["accuracy"])
    assert pooled["n_instances"] == 300
    # same clusters and same key: exactly the same interval as one model alone, not sqrt(2) narrower
    assert (pooled["ci_high"] - pooled["ci_low"]) == pytest.approx(single["ci_high"] - single["ci_low"], rel=0.15)
    naive = bs.ratio_ci(np.r_[hits, hits].astype(float), np.ones(600), key="naive", n_boot=1000)
    assert (pooled["ci_high"] - pooled["ci_low"]) > 1.2 * (naive[2] - naive[1])
