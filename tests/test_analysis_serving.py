"""The mix of upstream providers per (model, arm): the stats table and the validation warning."""

from __future__ import annotations

import pandas as pd
import pytest

from codenl.analysis.serving import served_differently, serving_table
from codenl.analysis.synthetic import synthetic_records
from codenl.analysis.validate import validate


def table(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["model", "arm", "answered_provider"])


def test_serving_table_counts_and_shares_per_model_and_arm() -> None:
    rows = [("a/m", "nl", "DeepInfra")] * 3 + [("a/m", "nl", "Together")] + [("a/m", "nl", None)] * 5
    rows += [("a/m", "code", "DeepInfra")] * 2 + [("b/m", "sim", "X")]
    out = serving_table(table(rows))
    assert out.to_dict(orient="records") == [
        {"model": "a/m", "arm": "nl", "answered_provider": "DeepInfra", "n": 3, "share": 0.75},
        {"model": "a/m", "arm": "nl", "answered_provider": "Together", "n": 1, "share": 0.25},
        {"model": "a/m", "arm": "code", "answered_provider": "DeepInfra", "n": 2, "share": 1.0},
        {"model": "b/m", "arm": "sim", "answered_provider": "X", "n": 1, "share": 1.0},
    ]
    # records without the column (older runs) or without any provider give an empty table with the columns
    assert list(serving_table(pd.DataFrame({"model": ["a"], "arm": ["nl"]})).columns) == list(out.columns)
    assert serving_table(table([("a/m", "nl", None)])).empty


@pytest.mark.parametrize(
    ("sim_mix", "warned"),
    [
        ({"A": 10}, False),  # same provider everywhere
        ({"A": 9, "B": 1}, False),  # shares differ by 0.1: within the tolerance
        ({"A": 8, "B": 2}, True),  # 0.2 apart
        ({"B": 10}, True),  # another provider altogether
    ],
)
def test_arms_of_one_model_served_differently_are_named(sim_mix: dict[str, int], warned: bool) -> None:
    rows = [("a/m", "nl", "A")] * 10 + [("a/m", "controlsim", "A")] * 10
    rows += [("a/m", "sim", p) for p, n in sim_mix.items() for _ in range(n)]
    rows += [("a/m", "code", "Z")] * 10  # code rows are the sim replies': never compared on their own
    found = served_differently(serving_table(table(rows)), 0.1)
    assert ("a/m" in found) is warned
    if sim_mix == {"B": 10}:
        assert found["a/m"] == "nl: A 100%; sim: B 100%; controlsim: A 100%"


def test_validation_warns_when_arms_were_served_differently() -> None:
    cells = [("add", 2, 10)]
    df = synthetic_records({"org/m": {"nl": 0.5, "sim": 0.5, "controlsim": 0.5, "code": 0.5}}, [0], cells, rng_seed=1)
    df["family"] = "fine_grained"
    df["answered_provider"] = "DeepInfra"
    expected = [{"model": "org/m", "seed": 0, "kind": "add", "family": "fine_grained", "size": 2, "n": 10}]
    assert not [f for f in validate(df, expected, {}).warnings if f.check == "serving"]
    df.loc[(df["arm"] == "nl") & (df["index"] < 5), "answered_provider"] = "Together"
    rep = validate(df, expected, {})
    serving = [f for f in rep.warnings if f.check == "serving"]
    assert len(serving) == 1 and rep.ok
    assert (
        serving[0]
        .line()
        .startswith(
            "[serving] model=org/m: the arms were served by different upstream "
            "providers (nl: DeepInfra 50%, Together 50%; sim: DeepInfra 100%"
        )
    )
    assert not [
        f for f in validate(df, expected, {"warn_provider_share_difference": 0.6}).warnings if f.check == "serving"
    ]
