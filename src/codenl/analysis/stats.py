"""Pure statistics over a records table (one row per instance x model x seed x arm).

Conventions, stated once and repeated in every table and in the report:

* **Infra errors are missing, not wrong.**  A row whose outcome is ``infra_error`` (the API or the sandbox failed
  after its retries) is excluded from every accuracy and every comparison; tables give the count excluded
  (``n_infra_excluded``).  Every other outcome (``wrong``, ``parse_error``, ``no_code``, ``timeout``, ...) counts
  as not correct.
* **Clusters are instances.**  An instance is ``(instance_id, seed)``; when a statistic pools rows that share an
  instance (arms of one model, or one instance asked of several models) the bootstrap resamples instances and
  keeps all their rows together (:mod:`codenl.analysis.bootstrap`).
* **Paired comparisons** of arm A against arm B (e.g. Code Exec vs NL) use the instances where both arms were
  graded (neither is an infra error):
    - mean paired difference ``mean(correct_A - correct_B)`` over instances, 95% cluster-bootstrap CI;
    - Wilcoxon signed-rank over (kind, size) cells: cell accuracy of A vs cell accuracy of B on the cell's paired
      instances, ``zero_method="wilcox"`` (cells with equal accuracy are dropped), two-sided p and the one-sided
      p for A > B;
    - Cohen's d_z = mean / SD (ddof 1) of the paired *instance* differences (correct_A - correct_B in {-1, 0, 1}):
      the primary effect size, since it does not grow with the number of instances per cell; also d_z of the
      paired cell differences (``cohen_dz_cells``) and d_av = mean cell difference / sqrt((var_A + var_B) / 2) of
      the cell accuracies (``cohen_dav_cells``, what pingouin reports for paired data);
    - McNemar on paired instances: b = A correct and B not, c = B correct and A not; exact two-sided binomial
      test when b + c < 25, else chi-squared with continuity correction;
    - the minimum detectable difference at 80% power of a two-sided paired t-test on the instance differences at
      the Bonferroni alpha, from their observed SD (noncentral t).
* Bonferroni alpha = 0.05 / number of models; exploratory alpha = 0.10.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps

from codenl.analysis.bootstrap import N_BOOT, SEED, ratio_ci
from codenl.arms import ARM_LABELS, ARM_REGISTRY, ARMS, OUTCOMES
from codenl.errors import UsageError
from codenl.problems import REGISTRY, families

#: (A, B) pairs compared per model; the first is the primary comparison of H1
COMPARISONS: tuple[tuple[str, str], ...] = (("code", "nl"), ("code", "sim"), ("sim", "nl"), ("code", "controlsim"))
ALL_MODELS = "All models"
#: families and kinds in the order of the kind registry (a kind registered later sorts after these)
FAMILY_ORDER: tuple[str, ...] = families()
FAMILY_OF_KIND: dict[str, str] = {name: spec.family for name, spec in REGISTRY.items()}
KIND_ORDER: tuple[str, ...] = tuple(FAMILY_OF_KIND)

ALPHA = 0.05
ALPHA_EXPLORATORY = 0.10
POWER = 0.80
MCNEMAR_EXACT_BELOW = 25

#: carried through :func:`prepare` when present (fidelity and usage tables)
OPTIONAL_COLUMNS = ("fidelity", "prompt_tokens", "completion_tokens", "reasoning_tokens", "cost", "latency_s")

INFRA_NOTE = (
    "infra_error rows (API or sandbox failed after retries) are excluded as missing, never counted as wrong; "
    "n_infra_excluded gives their count"
)


# ----------------------------------------------------------------------------------------------------------------
# preparing the table


def provider_of(model: str) -> str:
    """The org prefix of a model id (``mistralai/codestral-2508`` -> ``mistralai``); ``local`` without one."""
    return model.split("/", 1)[0] if "/" in model else "local"


def bonferroni_alpha(n_models: int, alpha: float = ALPHA) -> float:
    return alpha / max(1, n_models)


def prepare(records: pd.DataFrame) -> pd.DataFrame:
    """Check the columns statistics need and add the derived ones.

    Needs ``instance_id, model, arm, kind, size`` and ``outcome`` or ``correct``; ``seed``, ``family`` and
    ``provider`` are filled in when absent.  Adds ``valid`` (not an infra error), ``hit`` (correct and valid, as
    0/1) and ``cluster`` (an integer code of ``instance_id|seed``).  Raises :class:`UsageError` naming what is wrong.
    """
    need = ["instance_id", "model", "arm", "kind", "size"]
    missing = [c for c in need if c not in records.columns]
    if "outcome" not in records.columns and "correct" not in records.columns:
        missing.append("outcome or correct")
    if missing:
        raise UsageError(f"records table lacks column(s): {', '.join(missing)}")
    df = pd.DataFrame(index=records.index)
    for col in need:
        if records[col].isna().any():
            row = int(np.flatnonzero(records[col].isna().to_numpy())[0])
            raise UsageError(f"records table: column {col!r} is missing a value (row {row})")
    df["instance_id"] = records["instance_id"].astype(str)
    df["model"] = records["model"].astype(str)
    df["arm"] = records["arm"].astype(str)
    df["kind"] = records["kind"].astype(str)
    df["size"] = records["size"].astype(int)
    df["seed"] = records["seed"].astype(int) if "seed" in records.columns else 0
    if "family" in records.columns:
        df["family"] = records["family"].astype(str)
    else:
        df["family"] = df["kind"].map(lambda k: REGISTRY[k].family if k in REGISTRY else "other")
    if "provider" in records.columns:
        df["provider"] = records["provider"].fillna(df["model"].map(provider_of)).astype(str)
    else:
        df["provider"] = df["model"].map(provider_of)
    if "outcome" in records.columns:
        df["outcome"] = records["outcome"].astype(str)
    else:
        df["outcome"] = np.where(records["correct"].astype(bool), "correct", "wrong")
    if "correct" in records.columns:
        correct = records["correct"].fillna(False).astype(bool)
    else:
        correct = df["outcome"] == "correct"
    bad_arms = sorted(set(df["arm"]) - set(ARMS))
    if bad_arms:
        raise UsageError(f"records table: unknown arm(s) {bad_arms}; expected {list(ARMS)}")
    for col in OPTIONAL_COLUMNS:
        if col in records.columns:
            df[col] = records[col]
    df["valid"] = df["outcome"] != "infra_error"
    df["hit"] = (correct & df["valid"]).astype(np.float64)
    # integer codes: grouping by them is much faster than by strings
    df["cluster"] = pd.factorize(df["instance_id"] + "|" + df["seed"].astype(str))[0]
    dup = df.duplicated(["cluster", "model", "arm"])
    if dup.any():
        r = df[dup].iloc[0]
        raise UsageError(
            f"records table: duplicate row for instance {r['instance_id']} model {r['model']} seed {r['seed']} "
            f"arm {r['arm']}"
        )
    return df.reset_index(drop=True)


def _sort_key(col: pd.Series) -> pd.Series:
    orders = {"arm": ARMS, "kind": KIND_ORDER, "family": FAMILY_ORDER, "b": ARMS, "a": ARMS}
    if col.name in orders:
        order = {v: i for i, v in enumerate(orders[col.name])}
        return col.map(lambda v: order.get(v, len(order)))
    if col.name == "model":
        return col.map(lambda v: (v == ALL_MODELS, v))
    return col


def order_rows(table: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Rows in the canonical order: arms NL, Sim, ControlSim, Code; kinds and families as configured."""
    by = [c for c in by if c in table.columns]
    if not by or table.empty:
        return table.reset_index(drop=True)
    return table.sort_values(list(by), key=_sort_key, kind="stable").reset_index(drop=True)


def _groups(frame: pd.DataFrame, by: Sequence[str]) -> Iterator[tuple[dict[str, Any], pd.DataFrame]]:
    if not by:
        yield {}, frame
        return
    for key, sub in frame.groupby(list(by), sort=False, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        yield dict(zip(by, key, strict=True)), sub


# ----------------------------------------------------------------------------------------------------------------
# accuracy


def accuracy_table(df: pd.DataFrame, by: Sequence[str], *, n_boot: int = N_BOOT, seed: int = SEED) -> pd.DataFrame:
    """Accuracy per group with a 95% cluster-bootstrap CI (instances resampled with all their rows).

    Columns: ``*by, n_instances, n, n_correct, n_infra_excluded, accuracy, ci_low, ci_high`` where ``n`` counts
    graded rows (infra errors excluded).
    """
    by = list(by)
    per_cluster = (
        df.groupby([*by, "cluster"], sort=False, observed=True)
        .agg(hit=("hit", "sum"), valid=("valid", "sum"), rows=("valid", "size"))
        .reset_index()
    )
    rows = []
    for key, sub in _groups(per_cluster, by):
        hit = sub["hit"].to_numpy(dtype=np.float64)
        valid = sub["valid"].to_numpy(dtype=np.float64)
        est, lo, hi = ratio_ci(hit, valid, key=("acc", *by, *key.values()), n_boot=n_boot, seed=seed)
        rows.append(
            {
                **key,
                "n_instances": len(sub),
                "n": int(valid.sum()),
                "n_correct": int(hit.sum()),
                "n_infra_excluded": int(sub["rows"].sum() - valid.sum()),
                "accuracy": est,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    cols = [*by, "n_instances", "n", "n_correct", "n_infra_excluded", "accuracy", "ci_low", "ci_high"]
    return order_rows(pd.DataFrame(rows, columns=cols), by)


def outcome_table(df: pd.DataFrame, by: Sequence[str] = ("model", "arm")) -> pd.DataFrame:
    """Count and fraction of each outcome per group (infra errors included here: this is the outcome mix)."""
    by = list(by)
    counts = df.groupby([*by, "outcome"], observed=True).size().rename("count").reset_index()
    totals = counts.groupby(by, observed=True)["count"].transform("sum")
    counts["fraction"] = counts["count"] / totals
    counts["outcome_order"] = counts["outcome"].map({o: i for i, o in enumerate(OUTCOMES)}).fillna(len(OUTCOMES))
    counts = order_rows(counts.sort_values("outcome_order", kind="stable"), by)
    return counts.drop(columns="outcome_order")


def fidelity_table(df: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = SEED) -> pd.DataFrame:
    """Simulation fidelity per (model, arm) for sim and controlsim: the share of rows whose stated answer equals the
    executed value, over rows where both exist (``fidelity`` not null), with a cluster-bootstrap CI."""
    cols = ["model", "arm", "n", "n_agree", "fidelity", "ci_low", "ci_high"]
    if "fidelity" not in df.columns:
        return pd.DataFrame(columns=cols)
    sub = df[df["arm"].isin([a for a in ARMS if ARM_REGISTRY[a].fidelity]) & df["fidelity"].notna()]
    rows = []
    for key, g in _groups(sub, ["model", "arm"]):
        agree = g["fidelity"].astype(bool).to_numpy(dtype=np.float64)
        est, lo, hi = ratio_ci(agree, np.ones_like(agree), key=("fid", *key.values()), n_boot=n_boot, seed=seed)
        rows.append({**key, "n": len(g), "n_agree": int(agree.sum()), "fidelity": est, "ci_low": lo, "ci_high": hi})
    return order_rows(pd.DataFrame(rows, columns=cols), ["model", "arm"])


def usage_table(df: pd.DataFrame) -> pd.DataFrame:
    """Tokens, cost and latency per (model, arm): sums and means over the rows that report them."""
    present = [c for c in OPTIONAL_COLUMNS[1:] if c in df.columns]
    if not present:
        return pd.DataFrame(columns=["model", "arm", "rows"])
    num = df[["model", "arm", *present]].copy()
    for c in present:
        num[c] = pd.to_numeric(num[c], errors="coerce")
    g = num.groupby(["model", "arm"], observed=True)
    out = g.size().rename("rows").to_frame()
    for c in present:
        out[f"{c}_sum"] = g[c].sum(min_count=1)
        out[f"{c}_mean"] = g[c].mean()
    return order_rows(out.reset_index(), ["model", "arm"])


def instances_per_model_seed(df: pd.DataFrame) -> pd.DataFrame:
    """Distinct instances per (model, seed) (``n_instances``), how many have at least one arm graded
    (``n_graded``: an instance whose every arm is an infra error is missing, not collected) and how many have all
    four arms graded (``n_complete``)."""
    graded = df[df["valid"]].groupby(["model", "seed", "cluster"], observed=True)["arm"].nunique()
    any_graded = (graded > 0).groupby(level=["model", "seed"]).sum().rename("n_graded")
    complete = (graded == len(ARMS)).groupby(level=["model", "seed"]).sum().rename("n_complete")
    total = df.groupby(["model", "seed"], observed=True)["cluster"].nunique().rename("n_instances")
    out = pd.concat([total, any_graded, complete], axis=1).fillna(0).astype(int).reset_index()
    return order_rows(out, ["model", "seed"])


# ----------------------------------------------------------------------------------------------------------------
# paired data


def paired_wide(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, instance) with a 0/1 column per graded arm (NaN when the arm is missing or infra)."""
    meta_cols = ["model", "cluster", "provider", "kind", "family", "size", "seed"]
    meta = df.drop_duplicates(["model", "cluster"])[meta_cols].set_index(["model", "cluster"])
    valid = df[df["valid"]]
    wide = valid.pivot(index=["model", "cluster"], columns="arm", values="hit")
    for arm in ARMS:
        if arm not in wide.columns:
            wide[arm] = np.nan
    wide = meta.join(wide[list(ARMS)], how="left")
    return wide.reset_index()


def _pairs(wide: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    p = wide[wide[a].notna() & wide[b].notna()].copy()
    p["d"] = p[a] - p[b]
    return p


def paired_diff_table(
    wide: pd.DataFrame, a: str, b: str, by: Sequence[str], *, n_boot: int = N_BOOT, seed: int = SEED
) -> pd.DataFrame:
    """Mean paired difference A - B per group with its cluster-bootstrap CI (instances resampled).

    Columns: ``*by, n_pairs, n_unpaired, acc_a, acc_b, diff, ci_low, ci_high``; ``n_unpaired`` counts the group's
    instances left out because an arm is an infra error (or absent).
    """
    by = list(by)
    p = _pairs(wide, a, b)
    p["one"] = 1.0
    # instances of the group without both arms graded (an infra error, or the arm is absent)
    sizes = wide.groupby(by, observed=True).size().items() if by else [((), len(wide))]
    totals = {(k if isinstance(k, tuple) else (k,)): int(v) for k, v in sizes}
    per_cluster = (
        p.groupby([*by, "cluster"], sort=False, observed=True)
        .agg(d=("d", "sum"), n=("one", "sum"), sa=(a, "sum"), sb=(b, "sum"))
        .reset_index()
    )
    rows = []
    for key, sub in _groups(per_cluster, by):
        n = float(sub["n"].sum())
        est, lo, hi = ratio_ci(
            sub["d"].to_numpy(), sub["n"].to_numpy(), key=("diff", a, b, *by, *key.values()), n_boot=n_boot, seed=seed
        )
        rows.append(
            {
                **key,
                "a": a,
                "b": b,
                "n_pairs": int(n),
                "n_unpaired": totals.get(tuple(key.values()), 0) - int(n),
                "acc_a": sub["sa"].sum() / n if n else math.nan,
                "acc_b": sub["sb"].sum() / n if n else math.nan,
                "diff": est,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    cols = [*by, "a", "b", "n_pairs", "n_unpaired", "acc_a", "acc_b", "diff", "ci_low", "ci_high"]
    return order_rows(pd.DataFrame(rows, columns=cols), by)


# ----------------------------------------------------------------------------------------------------------------
# tests and effect sizes


#: below this many non-zero differences with ties, the exact sign-flip distribution is enumerated (2^n)
EXACT_SIGNFLIP_MAX = 13


def _signflip_pvalues(d: np.ndarray) -> tuple[float, float, float]:
    """Exact Wilcoxon p-values by enumerating all 2^n sign flips of the non-zero differences (ties allowed).

    Returns (statistic min(R+, R-), two-sided p, one-sided p for d > 0); the same numbers as scipy's
    ``permutation_test`` of R+ (which ``wilcoxon(method="auto")`` runs for n <= 13 with ties), vectorised.
    """
    ranks = sps.rankdata(np.abs(d))
    r_plus = float(ranks[d > 0].sum())
    r_minus = float(ranks[d < 0].sum())
    n = d.size
    signs = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    null = signs @ ranks
    tol = 1e-9 * max(1.0, r_plus)
    p_greater = float(np.mean(null >= r_plus - tol))
    p_less = float(np.mean(null <= r_plus + tol))
    return min(r_plus, r_minus), min(1.0, 2.0 * min(p_greater, p_less)), p_greater


#: differences of cell accuracies closer than this are the same value (fractions k/n with n up to ~30,000 differ
#: by more); absolute values at most this are zero
TIE_TOL = 1e-9


def _snap_ties(d: np.ndarray, tol: float = TIE_TOL) -> np.ndarray:
    """``d`` with absolute values that agree within ``tol`` replaced by one representative (signs kept), and
    values within ``tol`` of 0 set to 0, so that ranking sees floating-point noise as the tie it is."""
    d = np.asarray(d, dtype=np.float64).copy()
    d[np.abs(d) <= tol] = 0.0
    if d.size < 2:
        return d
    a = np.abs(d)
    order = np.argsort(a, kind="stable")
    s = a[order]
    new_group = np.r_[True, np.diff(s) > tol]
    rep = s[new_group][np.cumsum(new_group) - 1]
    snapped = np.empty_like(a)
    snapped[order] = rep
    return np.sign(d) * snapped


def wilcoxon_cells(acc_a: np.ndarray, acc_b: np.ndarray) -> dict[str, Any]:
    """Paired Wilcoxon signed-rank of cell accuracies A vs B (zero differences dropped, ``zero_method="wilcox"``).

    p-values: with ties or zeros and at most 13 non-zero differences, the exact sign-flip distribution of R+ over
    those differences (what scipy's ``method="auto"`` computes by permutation when n <= 13); otherwise scipy's
    ``wilcoxon`` (exact without ties or zeros for n <= 50, else the normal approximation).

    Differences equal up to floating-point noise are ties: cell accuracies are fractions k/n, and the same
    difference computed from different cells can differ in its last bits (0.4 - 0.1 = 0.30000000000000004 but
    0.7 - 0.4 = 0.29999999999999993), which would otherwise break the tie by noise, give the tied cells different
    ranks and pick the wrong branch (see :func:`_snap_ties`).
    """
    acc_a = np.asarray(acc_a, dtype=np.float64)
    acc_b = np.asarray(acc_b, dtype=np.float64)
    d = _snap_ties(acc_a - acc_b)
    nonzero = d[d != 0]
    out: dict[str, Any] = {
        "n_cells": int(d.size),
        "n_cells_nonzero": int(nonzero.size),
        "wilcoxon_stat": math.nan,
        "wilcoxon_p": math.nan,
        "wilcoxon_p_greater": math.nan,
        "wilcoxon_note": "",
    }
    if nonzero.size == 0:
        out["wilcoxon_note"] = (
            "no cells" if d.size == 0 else "every cell has the same accuracy in both arms: no signed ranks"
        )
        return out
    ties = np.unique(np.abs(nonzero)).size < nonzero.size
    if (ties or nonzero.size < d.size) and nonzero.size <= EXACT_SIGNFLIP_MAX:
        stat, p_two, p_greater = _signflip_pvalues(nonzero)
    else:
        two = sps.wilcoxon(d, zero_method="wilcox", alternative="two-sided")
        greater = sps.wilcoxon(d, zero_method="wilcox", alternative="greater")
        stat, p_two, p_greater = float(two.statistic), float(two.pvalue), float(greater.pvalue)
    out.update(wilcoxon_stat=stat, wilcoxon_p=p_two, wilcoxon_p_greater=p_greater)
    return out


def cohen_dz(diffs: np.ndarray) -> float:
    """Cohen's d_z: mean of the paired differences over their SD (ddof 1); NaN when it is undefined."""
    diffs = np.asarray(diffs, dtype=np.float64)
    if diffs.size < 2:
        return math.nan
    sd = float(np.std(diffs, ddof=1))
    return float(np.mean(diffs) / sd) if sd > 0 else math.nan


def cohen_dav(x: np.ndarray, y: np.ndarray) -> float:
    """Cohen's d_av for paired data: mean(x - y) / sqrt((var x + var y) / 2), ddof 1; NaN when undefined."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size < 2:
        return math.nan
    s = math.sqrt((np.var(x, ddof=1) + np.var(y, ddof=1)) / 2.0)
    return float(np.mean(x - y) / s) if s > 0 else math.nan


def mcnemar(b: int, c: int) -> dict[str, Any]:
    """McNemar's test on b (A right, B wrong) and c (B right, A wrong) discordant pairs."""
    n = b + c
    if n == 0:
        return {
            "mcnemar_b": b,
            "mcnemar_c": c,
            "mcnemar_stat": math.nan,
            "mcnemar_p": math.nan,
            "mcnemar_method": "no discordant pairs",
        }
    if n < MCNEMAR_EXACT_BELOW:
        p = float(sps.binomtest(b, n, 0.5, alternative="two-sided").pvalue)
        return {
            "mcnemar_b": b,
            "mcnemar_c": c,
            "mcnemar_stat": float(min(b, c)),
            "mcnemar_p": p,
            "mcnemar_method": "exact binomial",
        }
    stat = (abs(b - c) - 1.0) ** 2 / n
    return {
        "mcnemar_b": b,
        "mcnemar_c": c,
        "mcnemar_stat": stat,
        "mcnemar_p": float(sps.chi2.sf(stat, 1)),
        "mcnemar_method": "chi-squared, continuity corrected",
    }


def paired_power(delta: float, sd: float, n: int, alpha: float) -> float:
    """Power of a two-sided paired t-test with n pairs, true mean difference delta and difference SD sd
    (noncentral t; the normal approximation where scipy's noncentral t is not finite)."""
    df = n - 1
    tcrit = float(sps.t.ppf(1.0 - alpha / 2.0, df))
    nc = delta * math.sqrt(n) / sd
    power = float(sps.nct.sf(tcrit, df, nc) + sps.nct.cdf(-tcrit, df, nc))
    if not math.isfinite(power):
        power = float(sps.norm.sf(tcrit - nc) + sps.norm.cdf(-tcrit - nc))
    return power


def min_detectable_difference(sd: float, n: int, alpha: float, power: float = POWER) -> float:
    """Smallest true mean paired difference a two-sided paired t-test detects with the given power; NaN if n < 2
    or sd is 0 (no variance observed)."""
    if n < 2 or not (sd > 0) or not math.isfinite(sd):
        return math.nan
    guess = (sps.norm.ppf(1.0 - alpha / 2.0) + sps.norm.ppf(power)) * sd / math.sqrt(n)
    lo, hi = guess / 4.0, guess
    while paired_power(hi, sd, n, alpha) < power:
        lo, hi = hi, hi * 2.0
        if hi > 1e6 * sd:
            return math.nan
    return float(optimize.brentq(lambda x: paired_power(x, sd, n, alpha) - power, lo, hi, xtol=1e-12))


def compare_arms(
    pairs_wide: pd.DataFrame,
    a: str,
    b: str,
    *,
    cell_by: Sequence[str],
    key: Hashable,
    alpha_mde: float,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> dict[str, Any]:
    """Every paired statistic of arm A vs arm B on one table of (model, instance) rows (see the module doc)."""
    p = _pairs(pairs_wide, a, b)
    # n_unpaired: instances left out because an arm is an infra error (or absent)
    out: dict[str, Any] = {"a": a, "b": b, "n_pairs": len(p), "n_unpaired": len(pairs_wide) - len(p)}
    if p.empty:
        out.update(wilcoxon_cells(np.array([]), np.array([])), **mcnemar(0, 0))
        out.update(
            acc_a=math.nan,
            acc_b=math.nan,
            diff=math.nan,
            ci_low=math.nan,
            ci_high=math.nan,
            cohen_dz=math.nan,
            cohen_dz_cells=math.nan,
            cohen_dav_cells=math.nan,
            sd_diff=math.nan,
            mde=math.nan,
            note="no paired instances",
        )
        return out
    per_cluster = p.groupby("cluster", sort=False).agg(d=("d", "sum"), n=("d", "size"))
    diff, lo, hi = ratio_ci(
        per_cluster["d"].to_numpy(), per_cluster["n"].to_numpy(), key=("cmp", a, b, key), n_boot=n_boot, seed=seed
    )
    cells = p.groupby(list(cell_by), observed=True).agg(ca=(a, "mean"), cb=(b, "mean"))
    ca = cells["ca"].to_numpy()
    cb = cells["cb"].to_numpy()
    d = p["d"].to_numpy()
    sd = float(np.std(d, ddof=1)) if d.size > 1 else math.nan
    notes = []
    dz = cohen_dz(d)
    if not math.isfinite(dz):
        notes.append("Cohen's d undefined: fewer than 2 pairs or no variance of the paired differences")
    mde = min_detectable_difference(sd, len(p), alpha_mde)
    if not math.isfinite(mde):
        notes.append("MDE undefined: fewer than 2 pairs or no variance of the paired differences")
    w = wilcoxon_cells(ca, cb)
    if w["wilcoxon_note"]:
        notes.append("Wilcoxon: " + w["wilcoxon_note"])
    out.update(
        acc_a=float(p[a].mean()),
        acc_b=float(p[b].mean()),
        diff=diff,
        ci_low=lo,
        ci_high=hi,
        **w,
        cohen_dz=dz,
        cohen_dz_cells=cohen_dz(ca - cb),
        cohen_dav_cells=cohen_dav(ca, cb),
        **mcnemar(int(((p[a] == 1) & (p[b] == 0)).sum()), int(((p[b] == 1) & (p[a] == 0)).sum())),
        sd_diff=sd,
        mde=mde,
        note="; ".join(notes),
    )
    out.pop("wilcoxon_note", None)
    return out


def comparisons_table(
    wide: pd.DataFrame,
    *,
    alpha_mde: float,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    pairs: Sequence[tuple[str, str]] = COMPARISONS,
) -> pd.DataFrame:
    """Per model (cells = (kind, size)) and for all models pooled (cells = (model, kind, size), instances as
    clusters across models), every comparison in ``pairs``."""
    rows = []
    models = sorted(wide["model"].unique())
    for a, b in pairs:
        for model in models:
            sub = wide[wide["model"] == model]
            rows.append(
                {
                    "model": model,
                    **compare_arms(
                        sub, a, b, cell_by=("kind", "size"), key=model, alpha_mde=alpha_mde, n_boot=n_boot, seed=seed
                    ),
                }
            )
        rows.append(
            {
                "model": ALL_MODELS,
                **compare_arms(
                    wide,
                    a,
                    b,
                    cell_by=("model", "kind", "size"),
                    key=ALL_MODELS,
                    alpha_mde=alpha_mde,
                    n_boot=n_boot,
                    seed=seed,
                ),
            }
        )
    table = pd.DataFrame(rows)
    table["comparison"] = [f"{ARM_LABELS[a]} - {ARM_LABELS[b]}" for a, b in zip(table["a"], table["b"], strict=True)]
    first = ["model", "comparison", "a", "b"]
    return table[first + [c for c in table.columns if c not in first]]


# ----------------------------------------------------------------------------------------------------------------
# ANOVA


def cell_accuracy(df: pd.DataFrame, by: Sequence[str] = ("model", "arm", "kind", "size")) -> pd.DataFrame:
    """Accuracy per cell over graded rows (infra errors excluded), seeds pooled."""
    valid = df[df["valid"]]
    return valid.groupby(list(by), observed=True)["hit"].mean().rename("accuracy").reset_index()


def anova(cells: pd.DataFrame, dv: str, factors: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """ANOVA of ``dv`` on the between-factors (pingouin); factors with one level are dropped and said so.

    Returns the pingouin table (``Source, SS, DF, MS, F, p_unc, np2``; older pingouin's ``p-unc`` renamed) and a
    note; an empty table with the reason when the ANOVA cannot be computed.
    """
    empty = pd.DataFrame(columns=["Source", "SS", "DF", "MS", "F", "p_unc", "np2"])
    present = [f for f in factors if cells[f].nunique() >= 2]
    dropped = [f for f in factors if f not in present]
    notes = [f"factor {f!r} has one level, dropped" for f in dropped]
    if not present:
        return empty, "; ".join(notes + ["no factor with two levels: not testable"])
    if len(cells) <= cells.groupby(present, observed=True).ngroups:
        return empty, "; ".join(notes + ["no replication within cells (residual df = 0): not testable"])
    if not float(cells[dv].var(ddof=1)) > 0:
        return empty, "; ".join(notes + [f"{dv} has no variance: not testable"])
    import pingouin  # slow import, only here

    try:
        with warnings.catch_warnings():  # pingouin's own pandas deprecations, not ours
            warnings.filterwarnings("ignore", message="The inplace keyword")
            table = pingouin.anova(
                data=cells, dv=dv, between=present if len(present) > 1 else present[0], detailed=True
            )
    except (ValueError, np.linalg.LinAlgError) as exc:  # pragma: no cover - pingouin's own refusal
        return empty, "; ".join(notes + [f"pingouin could not compute the ANOVA: {exc}"])
    table = table.rename(columns={"p-unc": "p_unc"}).reset_index(drop=True)
    return table, "; ".join(notes)


def _weighted_rss(y: np.ndarray, sw: np.ndarray, x: np.ndarray) -> tuple[float, int]:
    """Weighted residual sum of squares of ``y`` on the columns of ``x`` (``sw``: square roots of the weights)."""
    xw = x * sw[:, None]
    beta, *_ = np.linalg.lstsq(xw, y * sw, rcond=None)
    r = (y - x @ beta) * sw
    return float(r @ r), int(np.linalg.matrix_rank(xw))


def weighted_anova2(cells: pd.DataFrame, dv: str, weight: str, factors: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """Two-way ANOVA (type II sums of squares, interaction included) of ``dv`` by weighted least squares.

    For cell means resting on different numbers of instances (the plan's cells hold 90 fine-grained, 375 CLRS
    and 30 NP-hard paired instances), the variance of a cell mean is proportional to 1 / n: weighting each cell
    by its ``n`` keeps the F tests at their nominal level, where the unweighted ANOVA lets the noisy small cells
    inflate the interaction (about half of the null runs on the plan's grid gave p < 0.05).  Same columns as
    :func:`anova`; a factor with one level is dropped (one-way) and said so.
    """
    empty = pd.DataFrame(columns=["Source", "SS", "DF", "MS", "F", "p_unc", "np2"])
    present = [f for f in factors if cells[f].nunique() >= 2]
    notes = [f"factor {f!r} has one level, dropped" for f in factors if f not in present]
    if not present:
        return empty, "; ".join(notes + ["no factor with two levels: not testable"])
    if len(cells) <= cells.groupby(present, observed=True).ngroups:
        return empty, "; ".join(notes + ["no replication within cells (residual df = 0): not testable"])
    if not float(cells[dv].var(ddof=1)) > 0:
        return empty, "; ".join(notes + [f"{dv} has no variance: not testable"])
    y = cells[dv].to_numpy(dtype=np.float64)
    sw = np.sqrt(cells[weight].to_numpy(dtype=np.float64))
    one = np.ones((len(cells), 1))

    def dummies(cols: Sequence[str]) -> np.ndarray:
        key = cells[list(cols)].astype(str).agg("|".join, axis=1)
        return pd.get_dummies(key, drop_first=True, dtype=np.float64).to_numpy()

    full_x = np.column_stack([one, dummies(present)])
    rss_full, rank_full = _weighted_rss(y, sw, full_x)
    df_resid = len(cells) - rank_full
    ms_resid = rss_full / df_resid
    terms: list[tuple[str, float, int]] = []
    if len(present) == 1:
        rss0, rank0 = _weighted_rss(y, sw, one)
        terms.append((present[0], rss0 - rss_full, rank_full - rank0))
    else:
        a, b = present
        xa, xb = dummies([a]), dummies([b])
        rss_add, rank_add = _weighted_rss(y, sw, np.column_stack([one, xa, xb]))
        rss_a, rank_a = _weighted_rss(y, sw, np.column_stack([one, xa]))
        rss_b, rank_b = _weighted_rss(y, sw, np.column_stack([one, xb]))
        terms += [
            (a, rss_b - rss_add, rank_add - rank_b),
            (b, rss_a - rss_add, rank_add - rank_a),
            (f"{a} * {b}", rss_add - rss_full, rank_full - rank_add),
        ]
    rows = []
    for name, ss, df in terms:
        ss = max(ss, 0.0)
        ms = ss / df if df > 0 else math.nan
        f = ms / ms_resid if df > 0 and ms_resid > 0 else math.nan
        rows.append(
            {
                "Source": name,
                "SS": ss,
                "DF": df,
                "MS": ms,
                "F": f,
                "p_unc": float(sps.f.sf(f, df, df_resid)) if math.isfinite(f) else math.nan,
                "np2": ss / (ss + rss_full) if ss + rss_full > 0 else math.nan,
            }
        )
    rows.append(
        {
            "Source": "Residual",
            "SS": rss_full,
            "DF": df_resid,
            "MS": ms_resid,
            "F": math.nan,
            "p_unc": math.nan,
            "np2": math.nan,
        }
    )
    return pd.DataFrame(rows), "; ".join(notes + [f"weighted least squares, weight = {weight} per cell"])


def interaction_p(table: pd.DataFrame, a: str, b: str) -> float:
    """p of the ``a * b`` interaction row of a pingouin two-way table; NaN when absent."""
    names = {f"{a} * {b}", f"{b} * {a}"}
    hit = table[table["Source"].isin(names)] if not table.empty else table
    return float(hit["p_unc"].iloc[0]) if len(hit) else math.nan
