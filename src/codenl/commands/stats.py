"""The ``stats`` subcommand: accuracy tables with CIs, paired comparisons, ANOVA, verdicts and the report.

    python -m codenl stats --records results/aggregate/records.parquet --out results/stats
                           [--figures results/figures] [--n-boot 1000] [--seed 20260110]

Works on any records table with the columns ``instance_id, model, arm, kind, size`` and ``outcome`` or
``correct`` (``seed``, ``family``, ``provider`` optional).  With ``--baselines`` (the files of the ``baselines`` stage,
``results/baselines/...``, joined by instance id) every accuracy table gains a ``baseline`` column (the best cheap
strategy of each (kind, size) on the same rows, :mod:`codenl.analysis.baseline_stats`), and the hardness tables and
the H2 verdicts on heuristic-hard instances are filled; without it they are empty.  Writes into ``--out``:

=============================== ===================================================================
``accuracy_model_arm.csv``      accuracy per (model, arm), 95% cluster-bootstrap CI  (line.png)
``accuracy_arm.csv``            accuracy per arm, all models pooled                  (line.png)
``accuracy_model_arm_kind.csv`` accuracy per (model, arm, kind)                      (by_kind.png)
``accuracy_arm_family_size.csv`` accuracy per (arm, family, size), models pooled     (by_size.png)
``diff_model_kind.csv``         Code - NL per (model, kind) with CI                  (heatmap.png)
``comparisons.csv``             every paired comparison per model and pooled         (pvals.png)
``outcomes.csv``                outcome counts per (model, arm)                      (outcomes.png)
``anova_model_arm.csv``         two-way ANOVA model x arm on cell accuracies
``anova_model_kind.csv``        two-way ANOVA model x kind on Code - NL cell differences, weighted by pairs
``instances_per_model_seed.csv`` sample sizes
``fidelity.csv``                simulation fidelity of sim and controlsim per model
``usage.csv``                   tokens, cost, latency per (model, arm)
``serving.csv``                 upstream providers that served each (model, arm), with shares
``baselines.csv``               cheap strategies per (kind, size): share solved, standard heuristic, best
``accuracy_arm_hardness.csv``   accuracy per (arm, hardness): heuristic-hard vs heuristic-easy instances
``accuracy_model_arm_hardness.csv`` the same per model                              (by_size.png, last panel)
``hypotheses.md/.csv/.json``    verdicts
``summary.json``, ``report.md`` context and the readable report
=============================== ===================================================================
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from codenl.analysis import baseline_stats as bs
from codenl.analysis import hypotheses, report
from codenl.analysis import stats as st
from codenl.analysis.bootstrap import N_BOOT, SEED
from codenl.analysis.serving import serving_table
from codenl.errors import UsageError
from codenl.provenance import markdown as provenance_markdown

TABLES = {
    "accuracy_model_arm.csv": "accuracy per (model, arm) with 95% CI",
    "accuracy_arm.csv": "accuracy per arm, all models pooled",
    "accuracy_model_arm_kind.csv": "accuracy per (model, arm, kind)",
    "accuracy_arm_family_size.csv": "accuracy per (arm, family, size), models pooled",
    "accuracy_model_arm_family.csv": "accuracy per (model, arm, family)",
    "diff_model_kind.csv": "Code - NL per (model, kind)",
    "comparisons.csv": "paired comparisons per model and pooled",
    "outcomes.csv": "outcome counts and fractions per (model, arm)",
    "anova_model_arm.csv": "two-way ANOVA model x arm",
    "anova_model_kind.csv": "two-way ANOVA model x kind on Code - NL cell differences (weighted by pairs)",
    "instances_per_model_seed.csv": "instances per (model, seed)",
    "fidelity.csv": "simulation fidelity: sim / controlsim answer equals the executed value, per (model, arm)",
    "usage.csv": "tokens, cost and latency per (model, arm)",
    "serving.csv": "upstream providers that served each (model, arm): count and share of its served rows",
    "hypotheses.csv": "verdict table",
    "baselines.csv": "cheap strategies per (kind, size): share solved, standard heuristic, best",
    "accuracy_arm_hardness.csv": "accuracy per (arm, hardness): heuristic-hard vs heuristic-easy instances",
    "accuracy_model_arm_hardness.csv": "accuracy per (model, arm, hardness)",
}


def compute(
    records: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = SEED, baselines: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Every table of the stats stage, from a records table and optionally the baselines' long table (pure)."""
    df = st.prepare(records)
    if df.empty:
        raise UsageError("records table has no rows")
    long = bs.restrict(baselines, df["instance_id"]) if baselines is not None else bs.read_baselines([])
    res_baselines = bs.baselines_table(long)
    df = bs.join(df, bs.per_instance(long, res_baselines))
    models = sorted(df["model"].unique())
    alpha_b = st.bonferroni_alpha(len(models))
    wide = st.paired_wide(df)
    res: dict[str, Any] = {"baselines": res_baselines}
    for name, by in (
        ("accuracy_model_arm", ["model", "provider", "arm"]),
        ("accuracy_arm", ["arm"]),
        ("accuracy_model_arm_kind", ["model", "arm", "kind"]),
        ("accuracy_arm_family_size", ["arm", "family", "size"]),
        ("accuracy_model_arm_family", ["model", "arm", "family"]),
    ):
        res[name] = bs.add_baseline(st.accuracy_table(df, by, n_boot=n_boot, seed=seed), df, by)
    rated = df[df["hardness"].notna()]
    for name, by in (
        ("accuracy_arm_hardness", ["arm", "hardness"]),
        ("accuracy_model_arm_hardness", ["model", "arm", "hardness"]),
    ):
        res[name] = bs.add_baseline(st.accuracy_table(rated, by, n_boot=n_boot, seed=seed), rated, by)
    hard_wide = st.paired_wide(rated[rated["hardness"] == "hard"]) if len(rated) else None
    res["diff_model_kind"] = st.paired_diff_table(wide, "code", "nl", ["model", "kind"], n_boot=n_boot, seed=seed)
    res["comparisons"] = st.comparisons_table(wide, alpha_mde=alpha_b, n_boot=n_boot, seed=seed)
    res["outcomes"] = st.outcome_table(df)
    cells = st.cell_accuracy(df)
    res["anova_model_arm"], res["anova_model_arm_note"] = st.anova(cells, "accuracy", ["model", "arm"])
    cn = st._pairs(wide, "code", "nl")
    diff_cells = cn.groupby(["model", "kind", "size"], observed=True)["d"].agg(diff="mean", n_pairs="size")
    # cells hold very different numbers of pairs (30 to 375 on the plan's grid): weighted by them
    res["anova_model_kind"], kind_note = st.weighted_anova2(
        diff_cells.reset_index(), "diff", "n_pairs", ["model", "kind"]
    )
    ip = st.interaction_p(res["anova_model_kind"], "model", "kind")
    if not math.isfinite(ip) and not kind_note:
        kind_note = "no interaction term (a factor has one level)"
    res["anova_model_kind_note"] = kind_note
    res["instances_per_model_seed"] = st.instances_per_model_seed(df)
    res["fidelity"] = st.fidelity_table(df, n_boot=n_boot, seed=seed)
    res["usage"] = st.usage_table(df)
    res["serving"] = serving_table(records)
    evidence = hypotheses.Evidence(
        comparisons=res["comparisons"],
        kind_diff=st.paired_diff_table(wide, "code", "nl", ["kind"], n_boot=n_boot, seed=seed),
        model_family_diff=st.paired_diff_table(wide, "code", "nl", ["model", "family"], n_boot=n_boot, seed=seed),
        family_diff=st.paired_diff_table(wide, "code", "nl", ["family"], n_boot=n_boot, seed=seed),
        family_size_diff=st.paired_diff_table(wide, "code", "nl", ["family", "size"], n_boot=n_boot, seed=seed),
        per_model_seed=res["instances_per_model_seed"],
        interaction_p=ip,
        interaction_note=kind_note,
        hard=None
        if hard_wide is None
        else hypotheses.HardEvidence(
            kind_diff=st.paired_diff_table(hard_wide, "code", "nl", ["kind"], n_boot=n_boot, seed=seed),
            family_size_diff=st.paired_diff_table(
                hard_wide, "code", "nl", ["family", "size"], n_boot=n_boot, seed=seed
            ),
            family_diff=st.paired_diff_table(hard_wide, "code", "nl", ["family"], n_boot=n_boot, seed=seed),
        ),
    )
    res["hypotheses"] = hypotheses.evaluate(evidence)
    res["conclusion"] = hypotheses.conclusion(res["hypotheses"])
    res["context"] = {
        "n_rows": len(df),
        "n_infra": int((~df["valid"]).sum()),
        "models": models,
        "n_models": len(models),
        "seeds": sorted(int(s) for s in df["seed"].unique()),
        "n_kinds": int(df["kind"].nunique()),
        "alpha_bonferroni": alpha_b,
        "alpha_exploratory": st.ALPHA_EXPLORATORY,
        "n_boot": n_boot,
        "boot_seed": seed,
        "infra_errors": st.INFRA_NOTE,
        "effect_size": "Cohen's d_z = mean / SD of the paired instance differences (correct_A - correct_B); "
        "cell-level d_z and d_av also reported",
        "anova_model_arm_note": res["anova_model_arm_note"],
        "anova_model_kind_note": kind_note,
        "conclusion": res["conclusion"],
    }
    return res


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(type(o).__name__)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(res: dict[str, Any], out: Path, figures_rel: str, provenance: dict[str, Any] | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        key = name.removesuffix(".csv")
        frame = res[key]
        tmp = out / f".{name}.tmp"
        frame.to_csv(tmp, index=False)
        os.replace(tmp, out / name)
    verdicts = res["hypotheses"]
    _atomic_write(
        out / "hypotheses.json",
        json.dumps(
            {"conclusion": res["conclusion"], "rows": verdicts.to_dict(orient="records")},
            indent=2,
            default=_json_default,
        ),
    )
    _atomic_write(out / "hypotheses.md", report.hypotheses_markdown(verdicts, res["conclusion"], res["context"]))
    _atomic_write(out / "summary.json", json.dumps(res["context"], indent=2, default=_json_default))
    _atomic_write(
        out / "report.md",
        report.stats_report(
            context=res["context"],
            acc_model_arm=res["accuracy_model_arm"],
            acc_arm=res["accuracy_arm"],
            comparisons=res["comparisons"],
            anova_table=res["anova_model_arm"],
            anova_note=res["anova_model_arm_note"],
            verdicts=verdicts,
            conclusion=res["conclusion"],
            outcomes=res["outcomes"],
            fidelity=res["fidelity"],
            usage=res["usage"],
            acc_hardness=res["accuracy_arm_hardness"],
            baselines=res["baselines"],
            tables={**TABLES, "hypotheses.md": "verdicts with the numbers behind them", "summary.json": "context"},
            figures_rel=figures_rel,
        )
        + (("\n" + provenance_markdown(provenance)) if provenance else ""),
    )


def read_records(path: str) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"--records {path}: no such file")
    if p.suffix in (".csv",):
        return pd.read_csv(p)
    try:
        return pd.read_parquet(p)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise UsageError(f"--records {path}: not a readable Parquet file ({exc})") from None


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--records", required=True, help="records table (.parquet, or .csv)")
    parser.add_argument("--out", required=True, help="output directory for tables, verdicts and report.md")
    parser.add_argument(
        "--figures", default=None, help="directory of the figures that report.md links (default: OUT/../figures)"
    )
    parser.add_argument(
        "--baselines",
        nargs="*",
        default=[],
        metavar="FILE.jsonl",
        help="baseline records of the instances (the baselines stage), joined by instance id",
    )
    parser.add_argument("--n-boot", type=int, default=N_BOOT, help=f"bootstrap resamples (default {N_BOOT})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"bootstrap seed (default {SEED})")
    parser.add_argument("--provenance", default=None, help="provenance.json of the run, shown in report.md")


def run(args: argparse.Namespace) -> int:
    if args.n_boot < 1:
        raise UsageError(f"--n-boot must be at least 1, got {args.n_boot}")
    out = Path(args.out)
    figures = Path(args.figures) if args.figures else out.parent / "figures"
    provenance = None
    if args.provenance:
        try:
            provenance = json.loads(Path(args.provenance).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"--provenance {args.provenance}: not a readable JSON file ({exc})") from None
    for path in args.baselines:
        if not Path(path).exists():
            raise UsageError(f"--baselines {path}: no such file")
    baselines = bs.read_baselines(args.baselines) if args.baselines else None
    res = compute(read_records(args.records), n_boot=args.n_boot, seed=args.seed, baselines=baselines)
    write(res, out, os.path.relpath(figures, out), provenance)
    print(
        f"stats: {res['context']['n_rows']} rows, {res['context']['n_infra']} infra errors excluded; "
        f"{res['conclusion']} -> {out}"
    )
    return 0
