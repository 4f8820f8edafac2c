"""The plan's hypotheses and criteria, evaluated from the statistics into a verdict table.

The plan (docs/plan.md) states H1-H3 and success / failure / ambiguous criteria for four
models.  Each becomes one row: the criterion as the plan states it, how we operationalise it, the numbers behind
it, and a verdict: ``met``, ``not met`` or ``not testable`` (with the reason).

Operational choices (the plan leaves them open; they are repeated in the table):

* "significant Code > NL" for a model: the two-sided Wilcoxon signed-rank p over (kind, size) cells is below the
  alpha, in the direction Code > NL (its one-sided p for Code > NL is below 0.5), AND the mean paired difference
  Code - NL is positive.  Bonferroni alpha = 0.05 / number of models.
* Criteria phrased for "k of 4 models" use the same share of the models present (3/4 -> at least 75%, 2/4 -> at
  least 50%); with a single model they are not testable.
* The effect size is Cohen's d_z of the paired instance differences (Code correct - NL correct, in {-1, 0, 1}),
  all models pooled; the cell-level d_z and d_av are given alongside (they grow with instances per cell).
* "Large variance across problem kinds": the SD over kinds of the per-kind Code - NL difference (all models
  pooled) exceeds :data:`KIND_SD_LARGE`.
* "model x kind interaction": two-way ANOVA of the Code - NL cell difference per (model, kind, size) on model and
  kind, by weighted least squares (weight = paired instances of the cell: cells of 30 and of 375 pairs are not
  equally noisy); the interaction p below 0.05.
* A count over models or kinds where some values are undefined (e.g. no variance, or a kind with fewer than
  :data:`MIN_PAIRS_PER_LEVEL` paired instances) is decided when the undefined ones cannot change the outcome;
  otherwise it is not testable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from codenl.analysis.stats import ALL_MODELS, ALPHA, ALPHA_EXPLORATORY, bonferroni_alpha

MET, NOT_MET, NOT_TESTABLE = "met", "not met", "not testable"

MIN_SAMPLES_PER_MODEL_SEED = 3000
SUCCESS_SIG_SHARE = 0.75  # "at least 3/4 models"
FAILURE_NONSIG_SHARE = 0.50  # ">= 2 models" of 4
D_MEDIUM = 0.5
D_SMALL = 0.2
KIND_SHARE = 0.80
SIZE_SHARE = 0.80
H1_ADVANTAGE = 0.40
KIND_SD_LARGE = 0.15
INTERACTION_ALPHA = 0.05
#: a kind or (family, size) level with fewer paired instances is "unknown" in the consistency and variance criteria
MIN_PAIRS_PER_LEVEL = 10
#: suffix of the ids of the H2 rows read on heuristic-hard instances only
HARD_TAG = "-hard"


@dataclass(frozen=True)
class HardEvidence:
    """Code - NL on the heuristic-hard instances only (no cheap strategy solves them; :mod:`codenl.baselines`)."""

    kind_diff: pd.DataFrame
    family_size_diff: pd.DataFrame
    family_diff: pd.DataFrame


@dataclass(frozen=True)
class Evidence:
    """What the verdicts are computed from (all built by :mod:`codenl.analysis.stats`)."""

    comparisons: pd.DataFrame  # comparisons_table: per model and "All models", per arm pair
    kind_diff: pd.DataFrame  # paired_diff_table code-nl by kind (models pooled)
    model_family_diff: pd.DataFrame  # code-nl by (model, family)
    family_diff: pd.DataFrame  # code-nl by family (models pooled)
    family_size_diff: pd.DataFrame  # code-nl by (family, size) (models pooled)
    per_model_seed: pd.DataFrame  # instances_per_model_seed
    interaction_p: float
    interaction_note: str
    hard: HardEvidence | None = None  # the H2 tables on heuristic-hard instances (None without baselines)


def _fmt(x: float, spec: str = "+.3f") -> str:
    return "n/a" if x is None or not math.isfinite(x) else format(x, spec)


def _p(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.3g}"


def count_verdict(flags: Sequence[bool | None], need: int) -> str:
    """At least ``need`` flags true?  ``None`` flags are unknown: decided only if they cannot change the answer."""
    true = sum(f is True for f in flags)
    unknown = sum(f is None for f in flags)
    if true >= need:
        return MET
    if true + unknown < need:
        return NOT_MET
    return NOT_TESTABLE


def all_of(verdicts: Iterable[str]) -> str:
    v = list(verdicts)
    if any(x == NOT_MET for x in v):
        return NOT_MET
    return MET if v and all(x == MET for x in v) else NOT_TESTABLE


def any_of(verdicts: Iterable[str]) -> str:
    v = list(verdicts)
    if any(x == MET for x in v):
        return MET
    return NOT_MET if v and all(x == NOT_MET for x in v) else NOT_TESTABLE


def _row(rid: str, section: str, criterion: str, operational: str, numbers: str, verdict: str, why: str = "") -> dict:
    return {
        "id": rid,
        "section": section,
        "criterion": criterion,
        "operationalised as": operational,
        "numbers": numbers,
        "verdict": verdict,
        "why": why,
    }


def _model_rows(cmp: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    rows = cmp[(cmp["a"] == a) & (cmp["b"] == b) & (cmp["model"] != ALL_MODELS)]
    return rows.sort_values("model").reset_index(drop=True)


def _pooled_row(cmp: pd.DataFrame, a: str, b: str) -> pd.Series | None:
    rows = cmp[(cmp["a"] == a) & (cmp["b"] == b) & (cmp["model"] == ALL_MODELS)]
    return rows.iloc[0] if len(rows) else None


def _sig(row: pd.Series, alpha: float) -> bool | None:
    """Significant A > B: p < alpha, the Wilcoxon test itself leans to A (one-sided p for A > B below 0.5: its
    significance is not that of B > A) and the mean paired difference is positive (the two can disagree when
    cells differ in size).  When every cell has the same accuracy in both arms the test is undefined but A is
    certainly not better: False.  None when there are no cells at all."""
    p = row["wilcoxon_p"]
    if p is None or not math.isfinite(p):
        return False if _zero_cells(row) else None
    return bool(p < alpha and row["wilcoxon_p_greater"] < 0.5 and row["diff"] > 0)


def _model_numbers(rows: pd.DataFrame) -> str:
    parts = []
    for _, r in rows.iterrows():
        parts.append(
            f"{r['model']}: diff {_fmt(r['diff'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}], "
            f"Wilcoxon p {_p(r['wilcoxon_p'])} (one-sided {_p(r['wilcoxon_p_greater'])}), "
            f"d_z {_fmt(r['cohen_dz'], '.2f')}, n {int(r['n_pairs'])}" + (f" ({r['note']})" if r["note"] else "")
        )
    return "; ".join(parts) if parts else "no data"


def _why_undefined(rows: pd.DataFrame, flags: Sequence[bool | None]) -> str:
    bad = [
        f"{r['model']} ({r['note'] or 'undefined'})"
        for (_, r), f in zip(rows.iterrows(), flags, strict=True)
        if f is None
    ]
    return ("undefined for " + "; ".join(bad)) if bad else ""


def _share_need(n: int, share: float) -> int:
    return max(1, math.ceil(share * n - 1e-9))


def _h2(
    kd: pd.DataFrame, fs: pd.DataFrame, fd: pd.DataFrame, tag: str = "", what: str = ""
) -> tuple[list[dict[str, Any]], str, str, str]:
    """The H2 rows (H2a-H2c and H2) from Code - NL by kind, by (family, size) and by family; ``tag`` suffixes the
    ids and ``what`` qualifies the criteria (e.g. the heuristic-hard instances).  Also returns H2a's verdict, its
    reason and its numbers (the success criterion S4 repeats them)."""
    rows: list[dict[str, Any]] = []
    kind_ok = _enough(kd)
    kind_flags = [None if not ok else bool(d > 0) for d, ok in zip(kd["diff"], kind_ok, strict=True)]
    kind_nums = "; ".join(f"{k}: {_fmt(d)}" for k, d in zip(kd["kind"], kd["diff"], strict=True)) or "no data"
    n_pos = sum(f is True for f in kind_flags)
    if len(kind_flags) < 2:
        h2a, why2a = NOT_TESTABLE, f"{len(kind_flags)} kind(s) only: consistency across kinds needs several"
    else:
        h2a = count_verdict(kind_flags, _share_need(len(kind_flags), KIND_SHARE))
        why2a = _few(kd, kind_ok, "kind") if h2a == NOT_TESTABLE else ""
    kind_line = f"{_counted(n_pos, kind_ok, 'kinds')} with Code > NL ({kind_nums})"
    rows.append(
        _row(
            "H2a" + tag,
            "H2" + tag,
            "Code > NL consistent across problem types" + what,
            f"Code - NL > 0 (models pooled) in at least {KIND_SHARE:.0%} of kinds",
            kind_line,
            h2a,
            why2a,
        )
    )
    size_ok = _enough(fs)
    size_flags = [None if not ok else bool(d > 0) for d, ok in zip(fs["diff"], size_ok, strict=True)]
    if len(size_flags) < 2:
        h2b, why2b = NOT_TESTABLE, "one (family, size) level only"
    else:
        h2b = count_verdict(size_flags, _share_need(len(size_flags), SIZE_SHARE))
        why2b = _few(fs, size_ok, "(family, size) level") if h2b == NOT_TESTABLE else ""
    size_nums = "; ".join(f"{f}/{s}: {_fmt(d)}" for f, s, d in zip(fs["family"], fs["size"], fs["diff"], strict=True))
    rows.append(
        _row(
            "H2b" + tag,
            "H2" + tag,
            "Code > NL consistent across difficulty (digit sizes)" + what,
            f"Code - NL > 0 (models pooled) in at least {SIZE_SHARE:.0%} of (family, size) levels",
            f"{_counted(sum(f is True for f in size_flags), size_ok, 'levels')} ({size_nums or 'no data'})",
            h2b,
            why2b,
        )
    )
    fam_pos = [None if not math.isfinite(lo) else bool(lo > 0) for lo in fd["ci_low"]]
    if len(fam_pos) < 2:
        h2c, why2c = NOT_TESTABLE, f"{len(fam_pos)} family(ies) present: comparing types needs at least two"
    else:
        h2c, why2c = count_verdict(fam_pos, len(fam_pos)), ""
    rows.append(
        _row(
            "H2c" + tag,
            "H2" + tag,
            "Code > NL in each family (fine-grained, CLRS, NP-hard)" + what,
            "every family: 95% CI of Code - NL (models pooled) above 0",
            "; ".join(
                f"{f}: {_fmt(d)} [{_fmt(lo)}, {_fmt(hi)}]"
                for f, d, lo, hi in zip(fd["family"], fd["diff"], fd["ci_low"], fd["ci_high"], strict=True)
            )
            or "no data",
            h2c,
            why2c,
        )
    )
    rows.append(
        _row(
            "H2" + tag,
            "H2" + tag,
            "H2 (secondary): the Code > NL effect is consistent across difficulty and types" + what,
            f"H2a{tag} and H2b{tag} and H2c{tag}",
            f"see H2a{tag}-H2c{tag}",
            all_of([h2a, h2b, h2c]),
        )
    )
    return rows, h2a, why2a, kind_line


def evaluate(ev: Evidence) -> pd.DataFrame:
    """The verdict table: one row per hypothesis, sub-criterion and plan criterion, plus the section summaries."""
    cmp = ev.comparisons
    cn = _model_rows(cmp, "code", "nl")
    cs = _model_rows(cmp, "code", "sim")
    m = len(cn)
    alpha_b = bonferroni_alpha(m)
    pooled = _pooled_row(cmp, "code", "nl")
    rows: list[dict[str, Any]] = []

    # ---------------- H1
    sig_b = [_sig(r, alpha_b) for _, r in cn.iterrows()]
    h1a = count_verdict(sig_b, m) if m else NOT_TESTABLE
    rows.append(
        _row(
            "H1a",
            "H1",
            "every model: Code > NL significant at the Bonferroni alpha",
            f"Wilcoxon over (kind, size) cells, two-sided p < {alpha_b:.4g} (0.05/{m}) in the direction "
            "Code > NL, and Code - NL > 0",
            _model_numbers(cn),
            h1a,
            _why_undefined(cn, sig_b) if h1a == NOT_TESTABLE else "",
        )
    )
    fam_flags, fam_nums = [], []
    for _, r in ev.model_family_diff.iterrows():
        flag = None if not math.isfinite(r["ci_low"]) else bool(r["ci_low"] > 0)
        fam_flags.append(flag)
        fam_nums.append(f"{r['model']}/{r['family']}: {_fmt(r['diff'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]")
    h1b = count_verdict(fam_flags, len(fam_flags)) if fam_flags else NOT_TESTABLE
    rows.append(
        _row(
            "H1b",
            "H1",
            "Code > NL across all problem categories",
            "for every model and family, the 95% cluster-bootstrap CI of Code - NL lies above 0",
            "; ".join(fam_nums) or "no data",
            h1b,
            "a CI is undefined (too few pairs)" if h1b == NOT_TESTABLE else "",
        )
    )
    adv = [None if not math.isfinite(r["diff"]) else bool(r["diff"] >= H1_ADVANTAGE) for _, r in cn.iterrows()]
    h1c = count_verdict(adv, m) if m else NOT_TESTABLE
    rows.append(
        _row(
            "H1c",
            "H1",
            "the 40%+ advantage of the screening is maintained",
            f"every model: mean paired Code - NL >= {H1_ADVANTAGE:.2f}",
            "; ".join(f"{r['model']}: {_fmt(r['diff'])}" for _, r in cn.iterrows()) or "no data",
            h1c,
            "no paired instances" if h1c == NOT_TESTABLE else "",
        )
    )
    rows.append(
        _row(
            "H1",
            "H1",
            "H1 (primary): significant Code > NL in every model, across all categories, 40%+ advantage",
            "H1a and H1b and H1c",
            "see H1a-H1c",
            all_of([h1a, h1b, h1c]),
        )
    )

    # ---------------- H2 (and the consistency criterion)
    kd = ev.kind_diff
    kind_ok = _enough(kd)
    h2_rows, h2a, why2a, kind_line = _h2(kd, ev.family_size_diff, ev.family_diff)
    rows += h2_rows
    if ev.hard is not None:
        hard_rows, _, _, _ = _h2(
            ev.hard.kind_diff,
            ev.hard.family_size_diff,
            ev.hard.family_diff,
            HARD_TAG,
            " (heuristic-hard instances only)",
        )
        rows += hard_rows

    # ---------------- H3
    sig_s = [_sig(r, ALPHA_EXPLORATORY) for _, r in cs.iterrows()]
    h3a = count_verdict(sig_s, len(sig_s)) if len(sig_s) else NOT_TESTABLE
    rows.append(
        _row(
            "H3a",
            "H3",
            "Code Exec > Code Sim in every model",
            f"Wilcoxon two-sided p < {ALPHA_EXPLORATORY} (exploratory alpha) in the direction Code > Sim, and "
            "Code - Sim > 0",
            _model_numbers(cs),
            h3a,
            _why_undefined(cs, sig_s) if h3a == NOT_TESTABLE else "",
        )
    )
    ps = _pooled_row(cmp, "code", "sim")
    if ps is None or not math.isfinite(ps["ci_low"]):
        h3b, num3b = NOT_TESTABLE, "no paired instances"
    else:
        h3b = MET if ps["ci_low"] > 0 else NOT_MET
        num3b = f"{_fmt(ps['diff'])} [{_fmt(ps['ci_low'])}, {_fmt(ps['ci_high'])}], n {int(ps['n_pairs'])}"
    rows.append(
        _row(
            "H3b",
            "H3",
            "Code Exec > Code Sim, all models pooled",
            "95% cluster-bootstrap CI of Code - Sim above 0",
            num3b,
            h3b,
        )
    )
    rows.append(
        _row(
            "H3",
            "H3",
            "H3 (exploratory): code execution beats code simulation",
            "H3a and H3b",
            "see H3a-H3b",
            all_of([h3a, h3b]),
        )
    )

    # ---------------- success criteria
    pms = ev.per_model_seed
    if pms.empty:
        s1, n1 = NOT_TESTABLE, "no data"
    else:
        # infra errors are missing: an instance counts when at least one of its arms was graded
        col = "n_graded" if "n_graded" in pms.columns else "n_instances"
        low = int(pms[col].min())
        s1 = MET if low >= MIN_SAMPLES_PER_MODEL_SEED else NOT_MET
        n1 = f"minimum {low} graded instances per (model, seed); " + "; ".join(
            f"{r['model']}/seed {r['seed']}: {r[col]}" + (f" of {r['n_instances']}" if col != "n_instances" else "")
            for _, r in pms.iterrows()
        )
    rows.append(
        _row(
            "S1",
            "success",
            "Sample size: >= 3,000 samples per model per seed",
            f"distinct instances per (model, seed) with at least one arm graded (not an infra error) >= "
            f"{MIN_SAMPLES_PER_MODEL_SEED}",
            n1,
            s1,
        )
    )
    if m < 2:
        s2, why2 = NOT_TESTABLE, f"{m} model(s): a share of models needs several"
    else:
        s2 = count_verdict(sig_b, _share_need(m, SUCCESS_SIG_SHARE))
        why2 = _why_undefined(cn, sig_b) if s2 == NOT_TESTABLE else ""
    rows.append(
        _row(
            "S2",
            "success",
            "Wilcoxon p < 0.0125 (Bonferroni) for Code > NL in at least 3/4 models",
            f"at least {_share_need(m, SUCCESS_SIG_SHARE) if m else '-'} of {m} models significant at {alpha_b:.4g}",
            f"{sum(f is True for f in sig_b)}/{m} significant; " + _model_numbers(cn),
            s2,
            why2,
        )
    )
    dz = math.nan if pooled is None else float(pooled["cohen_dz"])
    per_model_d = "; ".join(f"{r['model']}: {_fmt(r['cohen_dz'], '.2f')}" for _, r in cn.iterrows())
    cells_d = (
        "n/a"
        if pooled is None
        else (f"cell-level d_z {_fmt(pooled['cohen_dz_cells'], '.2f')}, d_av {_fmt(pooled['cohen_dav_cells'], '.2f')}")
    )
    dnum = f"pooled d_z {_fmt(dz, '.2f')} ({cells_d}); per model {per_model_d or 'n/a'}"
    why_d = "" if math.isfinite(dz) else "d undefined: " + (pooled["note"] if pooled is not None else "no data")
    s3 = NOT_TESTABLE if not math.isfinite(dz) else (MET if dz >= D_MEDIUM else NOT_MET)
    rows.append(
        _row(
            "S3",
            "success",
            "Effect size: Cohen's d >= 0.5 for Code - NL",
            "Cohen's d_z of paired instance differences, all models pooled, >= 0.5",
            dnum,
            s3,
            why_d,
        )
    )
    rows.append(
        _row(
            "S4",
            "success",
            "Consistency: Code > NL in >= 80% of problem kinds",
            f"Code - NL > 0 (models pooled) in at least {KIND_SHARE:.0%} of kinds",
            kind_line,
            h2a,
            why2a,
        )
    )
    s_all = all_of([s1, s2, s3, h2a])
    rows.append(
        _row("S", "success", "All success criteria met (H1 confirmed)", "S1 and S2 and S3 and S4", "see S1-S4", s_all)
    )

    # ---------------- failure criteria
    sig_05 = [_sig(r, ALPHA) for _, r in cn.iterrows()]
    nonsig = [None if s is None else not s for s in sig_05]
    if m < 2:
        f1, whyf1 = NOT_TESTABLE, f"{m} model(s): a share of models needs several"
    else:
        f1 = count_verdict(nonsig, _share_need(m, FAILURE_NONSIG_SHARE))
        whyf1 = _why_undefined(cn, nonsig) if f1 == NOT_TESTABLE else ""
    rows.append(
        _row(
            "F1",
            "failure",
            "Wilcoxon p > 0.05 for Code > NL in >= 2 models",
            f"at least {_share_need(m, FAILURE_NONSIG_SHARE) if m else '-'} of {m} models without "
            "significant Code > NL at 0.05 (two-sided p, Wilcoxon and mean difference both Code > NL)",
            f"{sum(f is True for f in nonsig)}/{m} not significant",
            f1,
            whyf1,
        )
    )
    f2 = NOT_TESTABLE if not math.isfinite(dz) else (MET if dz < D_SMALL else NOT_MET)
    rows.append(
        _row(
            "F2",
            "failure",
            "Effect size Cohen's d < 0.2",
            "pooled Cohen's d_z of paired instance differences < 0.2",
            dnum,
            f2,
            why_d,
        )
    )
    below = [None if not math.isfinite(r["diff"]) else bool(r["diff"] < 0) for _, r in cn.iterrows()]
    f3 = count_verdict(below, 1) if m else NOT_TESTABLE
    rows.append(
        _row(
            "F3",
            "failure",
            "Code < NL accuracy for any model on aggregate",
            "some model's mean paired Code - NL < 0",
            "; ".join(
                f"{r['model']}: Code {_fmt(r['acc_a'], '.3f')} vs NL {_fmt(r['acc_b'], '.3f')}"
                for _, r in cn.iterrows()
            )
            or "no data",
            f3,
        )
    )
    f_any = any_of([f1, f2, f3])
    rows.append(_row("F", "failure", "Any failure criterion met (H1 rejected)", "F1 or F2 or F3", "see F1-F3", f_any))

    # ---------------- ambiguous zone
    if m < 2:
        a1, whya1 = NOT_TESTABLE, f"{m} model(s): mixed results need several"
    else:
        lo_k = sum(f is True for f in sig_b)
        hi_k = lo_k + sum(f is None for f in sig_b)
        mixed = [m / 4 < k < 3 * m / 4 for k in range(lo_k, hi_k + 1)]
        a1 = MET if all(mixed) else NOT_MET if not any(mixed) else NOT_TESTABLE
        whya1 = _why_undefined(cn, sig_b) if a1 == NOT_TESTABLE else ""
    rows.append(
        _row(
            "A1",
            "ambiguous",
            "Mixed results: 2 models significant, 2 not",
            "the number k of models significant at the Bonferroni alpha satisfies M/4 < k < 3M/4",
            f"{sum(f is True for f in sig_b)}/{m} significant",
            a1,
            whya1,
        )
    )
    finite = kd["diff"][kind_ok] if len(kd) else pd.Series(dtype=float)
    if len(finite) < 2:
        a2, sd_k, whya2 = (
            NOT_TESTABLE,
            math.nan,
            (f"fewer than two kinds with at least {MIN_PAIRS_PER_LEVEL} paired instances: n too small"),
        )
    else:
        sd_k = float(finite.std(ddof=1))
        a2, whya2 = (MET if sd_k > KIND_SD_LARGE else NOT_MET), ""
    rows.append(
        _row(
            "A2",
            "ambiguous",
            "Large variance across problem kinds",
            f"SD over kinds of Code - NL (models pooled) > {KIND_SD_LARGE}",
            f"SD {_fmt(sd_k, '.3f')} over {len(finite)} kinds",
            a2,
            whya2,
        )
    )
    ip = ev.interaction_p
    a3 = NOT_TESTABLE if not math.isfinite(ip) else (MET if ip < INTERACTION_ALPHA else NOT_MET)
    rows.append(
        _row(
            "A3",
            "ambiguous",
            "Significant model x kind interaction effects",
            "two-way ANOVA of Code - NL cell differences on model x kind (cells weighted by their pairs): "
            "interaction p < 0.05",
            f"interaction p {_p(ip)}",
            a3,
            ev.interaction_note if a3 == NOT_TESTABLE else "",
        )
    )
    rows.append(
        _row(
            "A",
            "ambiguous",
            "Any ambiguous-zone criterion met (follow-up needed)",
            "A1 or A2 or A3",
            "see A1-A3",
            any_of([a1, a2, a3]),
        )
    )
    return pd.DataFrame(rows)


def _enough(table: pd.DataFrame) -> list[bool]:
    """Levels whose difference is defined and rests on at least MIN_PAIRS_PER_LEVEL paired instances."""
    if table.empty:
        return []
    n = table["n_pairs"] if "n_pairs" in table.columns else pd.Series(MIN_PAIRS_PER_LEVEL, index=table.index)
    return [bool(math.isfinite(d) and k >= MIN_PAIRS_PER_LEVEL) for d, k in zip(table["diff"], n, strict=True)]


def _counted(n_pos: int, ok: Sequence[bool], what: str) -> str:
    """``"3/4 kinds"``; when some levels rest on too few pairs to count, the denominator says which ones count."""
    if all(ok):
        return f"{n_pos}/{len(ok)} {what}"
    return f"{n_pos}/{sum(ok)} {what} with at least {MIN_PAIRS_PER_LEVEL} paired instances (of {len(ok)})"


def _few(table: pd.DataFrame, ok: Sequence[bool], what: str) -> str:
    bad = int(len(ok) - sum(ok))
    return f"{bad} {what}(s) with fewer than {MIN_PAIRS_PER_LEVEL} paired instances: n too small to decide"


def _zero_cells(row: pd.Series) -> bool:
    """Every cell had equal accuracy in both arms (the test is undefined, but Code is certainly not > NL)."""
    return int(row["n_cells"]) > 0 and int(row["n_cells_nonzero"]) == 0


def conclusion(table: pd.DataFrame) -> str:
    """One sentence from the section summaries, in the plan's precedence: failure, success, ambiguous; plus H1 as
    worded (which also asks for the 40%+ advantage) when it differs from what the criteria say."""
    v = dict(zip(table["id"], table["verdict"], strict=True))
    if v.get("F") == MET:
        text = "H1 rejected: at least one failure criterion is met."
    elif v.get("S") == MET:
        text = "H1 confirmed by the plan's success criteria: every one is met."
    elif v.get("A") == MET:
        text = "Ambiguous: an ambiguous-zone criterion is met; follow-up needed."
    elif v.get("S") == NOT_MET and v.get("F") == NOT_MET:
        text = (
            "Neither confirmed nor rejected: a success criterion is not met, no failure criterion is met, and no "
            "ambiguous-zone criterion is met" + ("." if v.get("A") == NOT_MET else " that could be decided.")
        )
    else:
        text = "Undecided: neither the success nor the failure criteria are decided by this data (see 'not testable')."
    if v.get("S") == MET and v.get("H1") != MET:
        text += f" H1 as worded (including the 40%+ advantage, H1c) is {v.get('H1')}."
    return text
