"""The ``validate`` subcommand: is the records table the experiment the config describes?

    python -m codenl validate --records results/aggregate/records.parquet --configfile config.yaml
                              --out-md results/aggregate/validation.md --out-json results/aggregate/validation.json

:func:`validate` is pure (records table, expected cells, thresholds -> :class:`Report`).  Hard failures (exit 1,
each naming its cell): a missing required column; a missing or NaN value in a required column; an unknown arm or
outcome; ``correct`` inconsistent with ``outcome``; a duplicate (instance, model, seed, arm); a configured
(model, seed, kind, size) cell with no records, or an arm with a count other than the configured ``n``; a cell
in the records that the config does not have; a kind whose family differs from the config; an instance without
all four arms; an accuracy outside [0, 1]; an infra-error or parse-error rate per (model, arm) above its
``max_*`` threshold.  Warnings: rates above the ``warn_*`` thresholds, a (model, arm) with no graded row, a model
whose asked arms were served by different mixes of upstream providers (``answered_provider``; a share differing
by more than ``warn_provider_share_difference``).

A failed validation also writes its reports as ``validation.failed.md`` and ``.json`` beside the outputs (Snakemake
deletes the outputs of a failed job; these names are no output, so they stay) and its last line names that file;
a passing validation removes them.

Thresholds (config key ``validation``; these are the defaults, a config value overrides them): see
:data:`DEFAULT_THRESHOLDS`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from codenl.analysis.report import markdown_table
from codenl.analysis.serving import served_differently, serving_table
from codenl.analysis.stats import ARMS, OUTCOMES, order_rows
from codenl.errors import UsageError

DEFAULT_THRESHOLDS: dict[str, float] = {
    # infra_error rows (API or sandbox failed after retries) per (model, arm): hard failure above, warning above
    "max_infra_error_rate": 0.05,
    "warn_infra_error_rate": 0.0,
    # parse_error rows per (model, arm): a weak model legitimately fails to answer, so off by default (1.0)
    "max_parse_error_rate": 1.0,
    "warn_parse_error_rate": 0.5,
    # a share of an upstream provider that differs between the asked arms of one model by more than this: warning
    "warn_provider_share_difference": 0.1,
}
REQUIRED_COLUMNS = ("instance_id", "model", "seed", "kind", "family", "size", "index", "arm", "outcome", "correct")
CELL = ("model", "seed", "kind", "size")
MAX_LISTED = 200


@dataclass(frozen=True)
class Finding:
    check: str
    severity: str  # "error" or "warning"
    cell: dict[str, Any]
    message: str

    def line(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.cell.items())
        return f"[{self.check}] {where + ': ' if where else ''}{self.message}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    rates: pd.DataFrame = field(default_factory=pd.DataFrame)
    totals: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        def clean(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(frame.to_json(orient="records")) if not frame.empty else []

        return {
            "ok": self.ok,
            "summary": self.summary,
            "thresholds": self.thresholds,
            "errors": [f.__dict__ for f in self.errors],
            "warnings": [f.__dict__ for f in self.warnings],
            "rates": clean(self.rates),
            "totals": clean(self.totals),
        }

    def to_markdown(self) -> str:
        s = self.summary
        out = [
            "# Validation report",
            "",
            f"**{'PASS' if self.ok else 'FAIL'}**: {len(self.errors)} error(s), {len(self.warnings)} warning(s).",
            "",
            f"Rows: {s.get('n_rows', 0)}; models: {s.get('n_models', 0)}; expected cells (model, seed, kind, size): "
            f"{s.get('n_expected_cells', 0)}; infra errors: {s.get('n_infra', 0)} "
            "(treated as missing, never as wrong).",
            "",
            "Thresholds: " + ", ".join(f"`{k}` = {v}" for k, v in self.thresholds.items()),
            "",
        ]
        for title, items in (("Errors", self.errors), ("Warnings", self.warnings)):
            out += [f"## {title}", ""]
            if not items:
                out += ["None.", ""]
                continue
            out += [f"- {f.line()}" for f in items[:MAX_LISTED]]
            if len(items) > MAX_LISTED:
                out.append(f"- ... and {len(items) - MAX_LISTED} more (see the JSON report)")
            out.append("")
        out += ["## Outcome rates per model and arm", "", markdown_table(self.rates)]
        out += ["## Rows per model, seed and arm (expected vs found)", "", markdown_table(self.totals)]
        return "\n".join(out) + "\n"


def merge_thresholds(overrides: Mapping[str, Any] | None) -> dict[str, float]:
    """The defaults with the config's values; an unknown key or a value outside [0, 1] is a UsageError."""
    out = dict(DEFAULT_THRESHOLDS)
    for key, value in (overrides or {}).items():
        if key not in DEFAULT_THRESHOLDS:
            raise UsageError(f"validation.{key}: unknown threshold; known: {', '.join(DEFAULT_THRESHOLDS)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
            raise UsageError(f"validation.{key}: must be a number in [0, 1], got {value!r}")
        out[key] = float(value)
    return out


def _cell(row: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in ((k, row[k]) for k in keys)}


def _first_source(frame: pd.DataFrame) -> str:
    if "source" in frame.columns and len(frame):
        return f" (first at {frame['source'].iloc[0]})"
    return ""


def validate(records: pd.DataFrame, expected: Sequence[Mapping[str, Any]], thresholds: Mapping[str, Any]) -> Report:
    """Check a records table against the expected cells (``model, seed, kind, family, size, n``) and thresholds."""
    th = merge_thresholds(thresholds)
    rep = Report(thresholds=th)
    err = lambda check, cell, msg: rep.findings.append(Finding(check, "error", cell, msg))
    warn = lambda check, cell, msg: rep.findings.append(Finding(check, "warning", cell, msg))
    rep.summary = {
        "n_rows": len(records),
        "n_expected_cells": len(expected),
        "n_models": int(records["model"].nunique()) if "model" in records.columns else 0,
    }

    missing_cols = [c for c in REQUIRED_COLUMNS if c not in records.columns]
    if missing_cols:
        err("columns", {}, f"required column(s) missing: {', '.join(missing_cols)}")
        return rep

    # ---- missing values and known values
    df = records
    for col in REQUIRED_COLUMNS:
        bad = df[df[col].isna()]
        if len(bad):
            row = bad.iloc[0]
            err(
                "missing",
                _cell(row, [c for c in CELL if c != col and pd.notna(row[c])]),
                f"{len(bad)} row(s) with no value in required column {col!r}{_first_source(bad)}",
            )
    df = df.dropna(subset=list(REQUIRED_COLUMNS))
    for col, allowed in (("arm", ARMS), ("outcome", OUTCOMES)):
        bad = df[~df[col].isin(allowed)]
        for value, sub in bad.groupby(col):
            err(
                "values",
                _cell(sub.iloc[0], CELL),
                f"{len(sub)} row(s) with unknown {col} {value!r}{_first_source(sub)}",
            )
    incons = df[df["correct"].astype(bool) != (df["outcome"] == "correct")]
    if len(incons):
        err(
            "values",
            _cell(incons.iloc[0], CELL),
            f"{len(incons)} row(s) where 'correct' disagrees with the outcome{_first_source(incons)}",
        )
    df = df[df["arm"].isin(ARMS) & df["outcome"].isin(OUTCOMES)]
    rep.summary["n_infra"] = int((df["outcome"] == "infra_error").sum())

    # ---- duplicates
    dup = df[df.duplicated(["instance_id", "model", "seed", "arm"], keep=False)]
    if len(dup):
        for _, row in dup.drop_duplicates(["instance_id", "model", "seed", "arm"]).head(MAX_LISTED).iterrows():
            err("duplicate", _cell(row, [*CELL, "arm", "instance_id"]), "more than one row for this instance and arm")

    # ---- expected counts and coverage
    exp = pd.DataFrame(list(expected), columns=["model", "seed", "kind", "family", "size", "n"])
    exp_n = {(r.model, int(r.seed), r.kind, int(r.size)): int(r.n) for r in exp.itertuples(index=False)}
    exp_family = {(r.model, int(r.seed), r.kind, int(r.size)): r.family for r in exp.itertuples(index=False)}
    counts = df.groupby([*CELL, "arm"], observed=True).size()
    found_cells = {k[:4] for k in counts.index}
    for key, n in exp_n.items():
        cell = dict(zip(CELL, key, strict=True))
        if key not in found_cells:
            err("missing cell", cell, f"no records (expected {n} instances x {len(ARMS)} arms)")
            continue
        for arm in ARMS:
            got = int(counts.get((*key, arm), 0))
            if got != n:
                err("count", {**cell, "arm": arm}, f"{got} rows, expected {n}")
    for key in sorted(found_cells - set(exp_n), key=str):
        err("unexpected cell", dict(zip(CELL, key, strict=True)), "records for a cell the config does not have")
    fam = df.drop_duplicates([*CELL, "family"])
    for _, row in fam.iterrows():
        key = (row["model"], int(row["seed"]), row["kind"], int(row["size"]))
        if key in exp_family and exp_family[key] != row["family"]:
            err("family", _cell(row, CELL), f"family {row['family']!r}, config says {exp_family[key]!r}")
    for kind, sizes in exp.groupby("kind")["size"].apply(lambda s: sorted({int(x) for x in s})).items():
        present = set(df.loc[df["kind"] == kind, "size"].astype(int))
        if not present:
            err("coverage", {"kind": kind}, "configured kind has no records at all")
        elif set(sizes) - present:
            err("coverage", {"kind": kind}, f"configured size(s) {sorted(set(sizes) - present)} have no records")

    # ---- arms balanced within every instance
    per_inst = df.groupby(["instance_id", "model", "seed"], observed=True)["arm"].agg(["nunique", "size"])
    unbalanced = per_inst[(per_inst["nunique"] != len(ARMS)) | (per_inst["size"] != len(ARMS))]
    if len(unbalanced):
        first = unbalanced.index[0]
        arms = sorted(df[(df["instance_id"] == first[0]) & (df["model"] == first[1]) & (df["seed"] == first[2])]["arm"])
        err(
            "arms",
            {"instance_id": first[0], "model": first[1], "seed": int(first[2])},
            f"{len(unbalanced)} instance(s) without exactly one row per arm; this one has {arms}",
        )

    # ---- rates and accuracy per (model, arm)
    g = df.assign(
        infra=df["outcome"] == "infra_error",
        parse=df["outcome"] == "parse_error",
        hit=df["correct"].astype(bool) & (df["outcome"] != "infra_error"),
    ).groupby(["model", "arm"], observed=True)
    rates = g.agg(rows=("infra", "size"), infra=("infra", "sum"), parse=("parse", "sum"), hit=("hit", "sum"))
    rates = rates.reset_index()
    rates["graded"] = rates["rows"] - rates["infra"]
    rates["infra_rate"] = rates["infra"] / rates["rows"]
    rates["parse_rate"] = rates["parse"] / rates["rows"]
    rates["accuracy"] = [h / n if n else math.nan for h, n in zip(rates["hit"], rates["graded"], strict=True)]
    for _, r in rates.iterrows():
        cell = {"model": r["model"], "arm": r["arm"]}
        for what, rate in (("infra_error", r["infra_rate"]), ("parse_error", r["parse_rate"])):
            short = "infra" if what == "infra_error" else "parse"
            if rate > th[f"max_{short}_error_rate"]:
                err(
                    f"{short} rate",
                    cell,
                    f"{what} rate {rate:.3f} ({int(r[short])}/{int(r['rows'])}) is above "
                    f"max_{short}_error_rate {th[f'max_{short}_error_rate']}",
                )
            elif rate > th[f"warn_{short}_error_rate"]:
                warn(
                    f"{short} rate",
                    cell,
                    f"{what} rate {rate:.3f} ({int(r[short])}/{int(r['rows'])}) is above "
                    f"warn_{short}_error_rate {th[f'warn_{short}_error_rate']}",
                )
        acc = r["accuracy"]
        if not math.isfinite(acc):
            warn("accuracy", cell, "no graded rows (all infra errors): accuracy undefined")
        elif not 0.0 <= acc <= 1.0:
            err("accuracy", cell, f"accuracy {acc} outside [0, 1]")
    rep.rates = order_rows(
        rates[["model", "arm", "rows", "graded", "infra", "infra_rate", "parse", "parse_rate", "accuracy"]],
        ["model", "arm"],
    )

    # ---- totals per (model, seed, arm): expected vs found
    found = df.groupby(["model", "seed", "arm"], observed=True).size().rename("found")
    want = exp.groupby(["model", "seed"])["n"].sum() if len(exp) else pd.Series(dtype=int)
    totals = found.reset_index()
    totals["expected"] = [int(want.get((m, s), 0)) for m, s in zip(totals["model"], totals["seed"], strict=True)]
    rep.totals = order_rows(totals[["model", "seed", "arm", "expected", "found"]], ["model", "seed", "arm"])

    # ---- serving: the arms of one model answered by the same mix of upstream providers
    for model, mix in served_differently(serving_table(df), th["warn_provider_share_difference"]).items():
        warn(
            "serving",
            {"model": model},
            f"the arms were served by different upstream providers ({mix}); an arm "
            "difference may be a serving difference: pin routing (models[].routing) and rerun",
        )
    return rep


# ----------------------------------------------------------------------------------------------------------------


def configure(parser: argparse.ArgumentParser) -> None:
    from codenl.config import add_configfile_argument

    parser.add_argument("--records", required=True, help="records.parquet from the aggregate stage")
    add_configfile_argument(parser)
    parser.add_argument("--out-md", required=True, help="Markdown report")
    parser.add_argument("--out-json", required=True, help="JSON report")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def run(args: argparse.Namespace) -> int:
    from codenl.config import expected_cells, load_config  # the workflow's config module, imported lazily

    config = load_config(list(args.configfile))
    path = Path(args.records)
    if not path.exists():
        raise UsageError(f"--records {path}: no such file")
    records = pd.read_parquet(path)
    report = validate(records, expected_cells(config), config.get("validation") or {})
    md, js = report.to_markdown(), json.dumps(report.to_json(), indent=2, default=str)
    out_md, out_json = Path(args.out_md), Path(args.out_json)
    kept_md, kept_json = failed_copy(out_md), failed_copy(out_json)
    _write(out_md, md)
    _write(out_json, js)
    if report.ok:
        kept_md.unlink(missing_ok=True)
        kept_json.unlink(missing_ok=True)
        where = out_md
    else:
        # Snakemake deletes the outputs of a failed job: the copy under another name is what the user reads
        _write(kept_md, md)
        _write(kept_json, js)
        where = kept_md
    lines = [f"validate: error: {f.line()}" for f in report.errors[:20]]
    if len(report.errors) > 20:
        lines.append(f"validate: ... {len(report.errors) - 20} more errors in {where}")
    lines.append(
        f"validate: {'PASS' if report.ok else 'FAIL'}: {len(report.errors)} error(s), "
        f"{len(report.warnings)} warning(s); report: {where}"
    )
    for line in lines:
        print(line)
    if not report.ok:  # also in the job's log, which Snakemake shows for a failed job
        print(lines[-1], file=sys.stderr)
    return 0 if report.ok else 1


def failed_copy(path: Path) -> Path:
    """Where a failed validation's report is kept: ``validation.md`` -> ``validation.failed.md``."""
    return path.with_name(f"{path.stem}.failed{path.suffix}")
