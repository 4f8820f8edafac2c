"""Baseline tables for the statistics stage (pure functions on the baseline records of :mod:`codenl.baselines`).

* :func:`baselines_table` -> ``baselines.csv``: per (kind, size, strategy) the share of instances the strategy
  solves, which one is the kind's standard heuristic and which one is the best of its (kind, size);
* :func:`per_instance`: per instance, whether the best cheap strategy of its (kind, size) solves it
  (``baseline_correct``) and whether it is heuristic-easy or heuristic-hard (``hardness``);
* :func:`add_baseline`: a ``baseline`` column beside an accuracy table: the mean of ``baseline_correct`` over the
  same graded rows, i.e. what "answer with the best cheap strategy of each (kind, size)" scores on exactly the
  instances behind each accuracy.

The best strategy of a (kind, size) is chosen on the instances themselves (ties: the earlier strategy in the
record's order): a reference that errs on the high side.  Only instances present in the records are used.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from codenl.errors import RecordError
from codenl.records import iter_jsonl

LONG_COLUMNS = ("instance_id", "kind", "size", "seed", "strategy", "order", "solved", "standard", "easy")
TABLE_COLUMNS = ("kind", "size", "strategy", "n", "n_correct", "accuracy", "standard", "best")
HARDNESS = ("hard", "easy")


def read_baselines(paths: Iterable[str | os.PathLike[str]]) -> pd.DataFrame:
    """Baseline records as a long table: one row per (instance, strategy); an instance twice is an error (it would
    count its rows twice)."""
    rows: list[tuple[Any, ...]] = []
    seen: dict[str, str] = {}
    for path in paths:
        for lineno, rec in iter_jsonl(path):
            where = f"{path}:{lineno}"
            key = str(rec.get("id"))
            if key in seen:
                raise RecordError(f"{where}: instance {key} has a baseline record already ({seen[key]})")
            seen[key] = where
            try:
                solved = rec["solved"]
                for order, (name, ok) in enumerate(solved.items()):
                    rows.append(
                        (
                            str(rec["id"]),
                            rec["kind"],
                            int(rec["size"]),
                            int(rec["seed"]),
                            name,
                            order,
                            bool(ok),
                            name == rec["heuristic"],
                            bool(rec["easy"]),
                        )
                    )
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                raise RecordError(f"{where}: not a baseline record ({type(exc).__name__}: {exc})") from None
    return pd.DataFrame(rows, columns=list(LONG_COLUMNS))


def restrict(long: pd.DataFrame, instance_ids: Iterable[str]) -> pd.DataFrame:
    """Only the instances the records hold."""
    return long[long["instance_id"].isin(set(instance_ids))].reset_index(drop=True)


def baselines_table(long: pd.DataFrame) -> pd.DataFrame:
    """Per (kind, size, strategy): ``n, n_correct, accuracy, standard, best`` (columns :data:`TABLE_COLUMNS`)."""
    if long.empty:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    t = (
        long.groupby(["kind", "size", "strategy"], sort=False)
        .agg(n=("solved", "size"), n_correct=("solved", "sum"), standard=("standard", "any"), order=("order", "min"))
        .reset_index()
    )
    t["n_correct"] = t["n_correct"].astype(int)
    t["accuracy"] = t["n_correct"] / t["n"]
    t = t.sort_values(["kind", "size", "order"], kind="stable")
    ranked = t.sort_values(["accuracy", "order"], ascending=[False, True], kind="stable")
    best = ranked.groupby(["kind", "size"]).head(1)
    t["best"] = t.index.isin(best.index)
    from codenl.analysis.stats import order_rows

    return order_rows(t[list(TABLE_COLUMNS)], ["kind", "size"])


def per_instance(long: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Per instance: ``instance_id, seed, baseline_strategy, baseline_correct`` (0/1) and ``hardness``."""
    if long.empty:
        return pd.DataFrame(columns=["instance_id", "seed", "baseline_strategy", "baseline_correct", "hardness"])
    best = table[table["best"]][["kind", "size", "strategy"]]
    hit = long.merge(best, on=["kind", "size", "strategy"], how="inner")
    out = hit[["instance_id", "seed", "strategy", "solved", "easy"]].rename(
        columns={"strategy": "baseline_strategy", "solved": "baseline_correct"}
    )
    out["baseline_correct"] = out["baseline_correct"].astype(np.float64)
    out["hardness"] = np.where(out["easy"], "easy", "hard")
    return out.drop(columns="easy").reset_index(drop=True)


def join(df: pd.DataFrame, instances: pd.DataFrame) -> pd.DataFrame:
    """The prepared records with ``baseline_correct`` (NaN without a baseline record) and ``hardness``."""
    if instances.empty:
        return df.assign(baseline_correct=np.nan, hardness=pd.NA)
    return df.merge(instances.drop(columns="baseline_strategy"), on=["instance_id", "seed"], how="left")


def add_baseline(table: pd.DataFrame, df: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """``table`` with a ``baseline`` column: mean ``baseline_correct`` over the valid rows of each group."""
    by = list(by)
    if "baseline_correct" not in df.columns or table.empty:
        return table.assign(baseline=np.nan)
    valid = df[df["valid"]]
    if by:
        means = valid.groupby(by, observed=True)["baseline_correct"].mean().rename("baseline").reset_index()
        return table.merge(means, on=by, how="left")
    return table.assign(baseline=float(valid["baseline_correct"].mean()) if len(valid) else np.nan)
