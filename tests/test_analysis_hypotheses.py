"""Verdicts on simulated data: a planted Code - NL effect is recovered, no effect is not, odd data is not testable."""

from __future__ import annotations

import math

import pandas as pd

from codenl.analysis import hypotheses as hy
from codenl.analysis.synthetic import FINE_GRAINED, NPHARD, synthetic_records
from codenl.commands import stats as stats_cli

MODELS = (
    "mistralai/codestral-2508",
    "mistralai/mistral-large-2411",
    "google/gemini-2.0-flash-001",
    "mistralai/mixtral-8x22b-instruct",
)
# a reduced grid: every family, 11 kinds, several sizes, 12 instances per cell
CELLS = (
    [(k, d, 12) for k in FINE_GRAINED[:6] for d in (2, 8, 14)]
    + [("clrs30", d, 12) for d in (4, 12)]
    + [(k, lvl, 12) for k in NPHARD[:4] for lvl in (1, 2)]
)


def _acc(code: float, nl: float, sim: float | None = None) -> dict[str, float]:
    sim = (code + nl) / 2 if sim is None else sim
    return {"nl": nl, "sim": sim, "controlsim": sim, "code": code}


def _verdicts(records: pd.DataFrame) -> tuple[dict[str, str], pd.DataFrame, str]:
    res = stats_cli.compute(records, n_boot=200)
    table = res["hypotheses"]
    return dict(zip(table["id"], table["verdict"], strict=True)), table, res["conclusion"]


def test_planted_code_effect_is_recovered():
    recs = synthetic_records({m: _acc(0.85, 0.40) for m in MODELS}, [0], CELLS, rng_seed=1)
    v, table, _ = _verdicts(recs)
    for rid in ("H1a", "H1b", "H1c", "H1", "H2a", "H2b", "H2c", "H2", "H3a", "H3b", "H3", "S2", "S3", "S4"):
        assert v[rid] == hy.MET, (rid, table.set_index("id").loc[rid, "numbers"])
    for rid in ("F1", "F2", "F3", "F", "A1", "A2"):
        assert v[rid] == hy.NOT_MET, rid
    # 396 instances per model and seed is below the plan's 3,000, so the success criteria as a whole are not met
    assert v["S1"] == hy.NOT_MET and v["S"] == hy.NOT_MET


def test_no_effect_is_not_reported_as_one():
    recs = synthetic_records({m: _acc(0.5, 0.5, 0.5) for m in MODELS}, [0], CELLS, rng_seed=2)
    v, _, conclusion = _verdicts(recs)
    for rid in ("H1a", "H1", "S2", "S3", "H3"):
        assert v[rid] == hy.NOT_MET, rid
    assert v["F1"] == hy.MET and v["F2"] == hy.MET
    assert conclusion.startswith("H1 rejected")


def test_nl_better_than_code_triggers_failure_f3():
    accs = {m: _acc(0.8, 0.4) for m in MODELS[:3]}
    accs[MODELS[3]] = _acc(0.3, 0.6)
    v, table, _ = _verdicts(synthetic_records(accs, [0], CELLS, rng_seed=3))
    assert v["F3"] == hy.MET
    assert "mistralai/mixtral-8x22b-instruct: Code 0.29" in table.set_index("id").loc["F3", "numbers"]


def test_two_significant_two_not_is_mixed():
    accs = {m: _acc(0.85, 0.4) for m in MODELS[:2]} | {m: _acc(0.5, 0.5) for m in MODELS[2:]}
    v, _, _ = _verdicts(synthetic_records(accs, [0], CELLS, rng_seed=4))
    assert v["A1"] == hy.MET and v["S2"] == hy.NOT_MET and v["F1"] == hy.MET


def test_model_by_kind_interaction_is_detected():
    # Code helps model 0 on add only and model 1 on spp only: the Code - NL effect depends on model x kind
    cells = [(k, d, 30) for k in ("add", "mul", "spp", "tsp") for d in (1, 2, 3)]
    a = synthetic_records({MODELS[0]: _acc(0.3, 0.3)}, [0], cells, rng_seed=5, kind_shift={"add": 0.6})
    b = synthetic_records({MODELS[1]: _acc(0.3, 0.3)}, [0], cells, rng_seed=6, kind_shift={"spp": 0.6})
    v, table, _ = _verdicts(pd.concat([a, b], ignore_index=True))
    assert v["A3"] == hy.MET, table.set_index("id").loc["A3", "numbers"]


def test_embedded_default_one_model_near_zero_is_not_testable_without_crashing():
    recs = synthetic_records({"smollm2-135m": _acc(0.0, 0.0, 0.0)}, [0], [("add", 2, 5), ("mul", 2, 5)], rng_seed=7)
    v, table, conclusion = _verdicts(recs)
    t = table.set_index("id")
    for rid in ("S2", "F1", "A1"):
        assert v[rid] == hy.NOT_TESTABLE and "1 model(s)" in t.loc[rid, "why"]
    for rid in ("S3", "F2"):
        assert v[rid] == hy.NOT_TESTABLE and "d undefined" in t.loc[rid, "why"]
    assert v["A3"] == hy.NOT_TESTABLE
    assert v["H2c"] == hy.NOT_TESTABLE  # one family only
    # every cell has equal (zero) accuracy: Code is certainly not better, so H1a is decided, not NaN-crashed
    assert v["H1a"] == hy.NOT_MET and "no signed ranks" in t.loc["H1a", "numbers"]
    assert conclusion.startswith("Undecided") or conclusion.startswith("H1 rejected")


def test_count_verdict_decides_only_when_unknowns_cannot_change_it():
    assert hy.count_verdict([True, True, None, False], 2) == hy.MET
    assert hy.count_verdict([True, None, False, False], 3) == hy.NOT_MET
    assert hy.count_verdict([True, None, True, False], 3) == hy.NOT_TESTABLE
    assert hy.all_of([hy.MET, hy.NOT_TESTABLE]) == hy.NOT_TESTABLE
    assert hy.all_of([hy.MET, hy.NOT_TESTABLE, hy.NOT_MET]) == hy.NOT_MET
    assert hy.any_of([hy.NOT_MET, hy.NOT_TESTABLE, hy.MET]) == hy.MET


def test_sample_size_criterion_reads_the_per_model_seed_counts():
    recs = synthetic_records({m: _acc(0.8, 0.4) for m in MODELS[:2]}, [0], CELLS[:4], rng_seed=8)
    res = stats_cli.compute(recs, n_boot=50)
    ev = hy.Evidence(
        comparisons=res["comparisons"],
        kind_diff=pd.DataFrame(columns=["kind", "diff"]),
        model_family_diff=pd.DataFrame(columns=["model", "family", "diff", "ci_low", "ci_high"]),
        family_diff=pd.DataFrame(columns=["family", "diff", "ci_low", "ci_high"]),
        family_size_diff=pd.DataFrame(columns=["family", "size", "diff"]),
        per_model_seed=pd.DataFrame({"model": ["a", "b"], "seed": [0, 0], "n_instances": [3470, 3000]}),
        interaction_p=math.nan,
        interaction_note="n/a",
    )
    t = hy.evaluate(ev).set_index("id")
    assert t.loc["S1", "verdict"] == hy.MET and "minimum 3000" in t.loc["S1", "numbers"]
    assert t.loc["H2a", "verdict"] == hy.NOT_TESTABLE


def test_sample_size_does_not_count_instances_whose_every_arm_is_an_infra_error():
    # 3,000 instances per model and seed, of which 50 failed in every arm (API down): 2,950 were collected
    cells = [("add", d, 300) for d in range(2, 21, 2)]
    recs = synthetic_records({m: _acc(0.8, 0.4) for m in MODELS[:2]}, [0], cells, rng_seed=10)
    lost = recs["index"] < 5
    recs.loc[lost, "outcome"] = "infra_error"
    recs.loc[lost, "correct"] = False
    res = stats_cli.compute(recs, n_boot=20)
    pms = res["instances_per_model_seed"].set_index("model")
    assert (pms["n_instances"] == 3000).all() and (pms["n_graded"] == 2950).all()
    s1 = res["hypotheses"].set_index("id").loc["S1"]
    assert s1["verdict"] == hy.NOT_MET and "minimum 2950" in s1["numbers"]


def test_every_plan_section_is_in_the_table_and_tiny_levels_are_not_decided():
    # 2 models x 3 sizes x 4 instances: 24 paired instances per kind (decided), 8 per (family, size) level (not)
    cells = [("add", d, 4) for d in (2, 4, 6)] + [("tsp", d, 4) for d in (1, 2, 3)]
    recs = synthetic_records({m: _acc(0.8, 0.4) for m in MODELS[:2]}, [0], cells, rng_seed=9)
    table = stats_cli.compute(recs, n_boot=50)["hypotheses"]
    for section in ("H1", "H2", "H3", "success", "failure", "ambiguous"):
        assert (table["section"] == section).sum() >= 3, section
    assert set(table["verdict"]) <= {hy.MET, hy.NOT_MET, hy.NOT_TESTABLE}
    t = table.set_index("id")
    assert t.loc["H2b", "verdict"] == hy.NOT_TESTABLE and "n too small" in t.loc["H2b", "why"]
    assert t.loc["A2", "verdict"] != hy.NOT_TESTABLE


def _sized_cells_records(models):
    # 40 small fine-grained cells where NL is a little better (Code 5/10, NL 6/10) and 3 large CLRS cells where
    # Code is much better (90/100 vs 40/100): the mean paired difference is positive (+0.157) but the Wilcoxon
    # over cells says, highly significantly, that NL > Code in most cells
    rows = []
    cells = [(k, d, 10, 5, 6) for k in ("add", "sub", "mul", "lcs") for d in range(2, 21, 2)]
    cells += [("clrs30", d, 100, 90, 40) for d in (4, 8, 12)]
    for m in models:
        for kind, size, n, k_code, k_nl in cells:
            for i in range(n):
                for arm, ok in (("nl", i < k_nl), ("sim", i < k_nl), ("controlsim", i < k_nl), ("code", i < k_code)):
                    rows.append(
                        {
                            "instance_id": f"{kind}-{size}-{i}",
                            "model": m,
                            "seed": 0,
                            "kind": kind,
                            "size": size,
                            "arm": arm,
                            "outcome": "correct" if ok else "wrong",
                            "correct": ok,
                        }
                    )
    return pd.DataFrame(rows)


def test_a_wilcoxon_significant_for_nl_is_not_a_significant_code_advantage():
    res = stats_cli.compute(_sized_cells_records(MODELS[:2]), n_boot=20)
    cmp = res["comparisons"]
    cn = cmp[(cmp["comparison"] == "Code - NL") & (cmp["model"] != "All models")]
    assert (cn["diff"] > 0).all() and (cn["wilcoxon_p"] < 1e-4).all() and (cn["wilcoxon_p_greater"] > 0.99).all()
    v = res["hypotheses"].set_index("id")["verdict"]
    assert v["H1a"] == hy.NOT_MET and v["S2"] == hy.NOT_MET
    assert v["F1"] == hy.MET  # neither model shows Code > NL at 0.05
    assert v["H3a"] == hy.NOT_MET  # Code - Sim is the same comparison here


def test_conclusion_does_not_call_decided_criteria_undecided():
    def table(**verdicts):
        return pd.DataFrame({"id": list(verdicts), "verdict": list(verdicts.values())})

    text = hy.conclusion(table(S=hy.NOT_MET, F=hy.NOT_MET, A=hy.NOT_MET, H1=hy.NOT_MET))
    assert text.startswith("Neither confirmed nor rejected") and "not testable" not in text
    assert hy.conclusion(table(S=hy.NOT_TESTABLE, F=hy.NOT_MET, A=hy.NOT_MET)).startswith("Undecided")
    assert hy.conclusion(table(S=hy.NOT_MET, F=hy.NOT_TESTABLE, A=hy.NOT_MET)).startswith("Undecided")
    assert hy.conclusion(table(S=hy.NOT_MET, F=hy.MET, A=hy.MET)).startswith("H1 rejected")


def test_counts_of_kinds_say_which_levels_count() -> None:
    """A kind resting on too few pairs is not counted: the line says so instead of reading '0/4 kinds' beside four
    positive differences."""
    from codenl.analysis.hypotheses import MIN_PAIRS_PER_LEVEL, _counted

    assert _counted(3, [True, True, True, True], "kinds") == "3/4 kinds"
    assert _counted(0, [False] * 4, "kinds") == f"0/0 kinds with at least {MIN_PAIRS_PER_LEVEL} paired instances (of 4)"
    assert (
        _counted(1, [True, False], "levels")
        == f"1/1 levels with at least {MIN_PAIRS_PER_LEVEL} paired instances (of 2)"
    )
