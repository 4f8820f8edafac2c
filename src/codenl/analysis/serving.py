"""Who served each arm: the mix of upstream providers per (model, arm), and arms of one model served differently.

OpenRouter routes one model id to several upstream providers (different hardware and quantisations); each
response records the one that answered (``answered_provider``, carried into graded records; ``code`` rows carry
the sim reply's).  If the arms of a model were served by different mixes, an arm difference may be a serving
difference.  Both functions are pure.
"""

from __future__ import annotations

import pandas as pd

from codenl.arms import ARMS, ASKED_ARMS

COLUMNS = ["model", "arm", "answered_provider", "n", "share"]


def serving_table(records: pd.DataFrame) -> pd.DataFrame:
    """Rows per (model, arm, answered_provider) with their count and share of the (model, arm)'s served rows.

    Rows without a provider (infra errors, providers that do not say) are left out; a table without the column
    gives an empty table.
    """
    if "answered_provider" not in records.columns or records.empty:
        return pd.DataFrame(columns=COLUMNS)
    served = records[records["answered_provider"].notna()]
    if served.empty:
        return pd.DataFrame(columns=COLUMNS)
    counts = served.groupby(["model", "arm", "answered_provider"], observed=True).size().rename("n").reset_index()
    totals = counts.groupby(["model", "arm"], observed=True)["n"].transform("sum")
    counts["share"] = (counts["n"] / totals).round(4)
    order = {a: i for i, a in enumerate(ARMS)}
    counts = counts.sort_values(
        ["model", "arm", "n", "answered_provider"],
        ascending=[True, True, False, True],
        key=lambda col: col.map(order) if col.name == "arm" else col,
    )
    return counts[COLUMNS].reset_index(drop=True)


def served_differently(table: pd.DataFrame, tolerance: float) -> dict[str, str]:
    """model -> a description of its asked arms' provider mixes, for models whose arms differ: a provider that
    serves one arm and not another, or a share that differs between two arms by more than ``tolerance``."""
    out: dict[str, str] = {}
    asked = table[table["arm"].isin(ASKED_ARMS)]
    for model, sub in asked.groupby("model", observed=True):
        shares = {
            arm: dict(zip(g["answered_provider"], g["share"], strict=True))
            for arm, g in sub.groupby("arm", observed=True)
        }
        if len(shares) < 2:
            continue
        providers = sorted({p for mix in shares.values() for p in mix})
        spread = max(
            max(mix.get(p, 0.0) for mix in shares.values()) - min(mix.get(p, 0.0) for mix in shares.values())
            for p in providers
        )
        if spread > tolerance:
            out[str(model)] = "; ".join(
                f"{arm}: " + ", ".join(f"{p} {mix[p]:.0%}" for p in sorted(mix, key=lambda p: -mix[p]))
                for arm, mix in sorted(shares.items(), key=lambda kv: ARMS.index(kv[0]))
            )
    return out
