"""Cheap-strategy baselines: hand-computed heuristics, the stage's records and CLI, and the hardness of the NP-hard
levels (the standard heuristic solves at most half of the hardest level; decision kinds at most 65% everywhere)."""

from __future__ import annotations

import json
from functools import cache

import pandas as pd
import pytest

from codenl.analysis import baseline_stats as bs
from codenl.baselines import evaluate, majority_answers, statement_numbers, strategies
from codenl.cli import main
from codenl.grading import grade_answer
from codenl.problems import generate, get_kind, make_instance
from codenl.problems.nphard import DEFAULT_SIZES
from codenl.problems.nphard.gcp import (
    DSATUR_HARD_MIN_VERTICES,
    chromatic_colouring,
    dsatur_greedy,
    greedy_hard_graph,
    largest_degree_first,
    neighbours,
)
from codenl.problems.nphard.ksp import greedy_by_ratio, knapsack
from codenl.problems.nphard.msp import list_schedule, longest_first
from codenl.problems.nphard.spp import fewest_hops_path
from codenl.problems.nphard.tsp import held_karp, nearest_neighbour_tour, tour_length
from codenl.records import write_jsonl_atomic

# --------------------------------------------------------------------------------------------------------------
# generic strategies


def test_statement_numbers_keep_signs_but_not_edge_dashes_or_decimals() -> None:
    assert statement_numbers("edges 0-2, 3-4 and x = -5; p = 0.35, at most 12.") == [0, 2, 3, 4, -5, 12]
    assert statement_numbers("item 10: weight 7, value 30\nrow 1: 0 -3") == [10, 7, 30, 1, 0, -3]
    assert statement_numbers("no digits here") == []


def test_majority_is_the_most_frequent_gold_per_kind_algorithm_size_with_smallest_tie() -> None:
    train = [{"kind": "lcs", "algorithm": None, "size": 2, "answer": a} for a in (1, 2, 2, 1, 0)]
    train += [{"kind": "lcs", "algorithm": None, "size": 4, "answer": 3}]
    train += [{"kind": "clrs30", "algorithm": "minimum", "size": 4, "answer": a} for a in ([1], [0], [0])]
    assert majority_answers(train) == {("lcs", None, 2): 1, ("lcs", None, 4): 3, ("clrs30", "minimum", 4): [0]}


def test_strategies_of_an_integer_kind_and_their_grades() -> None:
    inst = make_instance("rod", 4, 0, 0)
    inst = {
        **inst,
        "data": {"prices": [1, 5, 8, 9]},
        "answer": 10,
        "statement": "A rod of length 4 sells for prices = [1, 5, 8, 9].",
    }
    answers = strategies(inst, {("rod", None, 4): 10})
    assert answers == {
        "uncut": 9,
        "unit_pieces": 4,
        "constant_0": 0,
        "constant_1": 1,
        "first_number": 4,
        "last_number": 9,
        "largest_number": 9,
        "majority": 10,
    }
    rec = evaluate(inst, {("rod", None, 4): 10})
    assert rec["solved"] == {name: name == "majority" for name in answers}
    assert rec["heuristic"] == "uncut" and rec["heuristic_solved"] is False and rec["easy"] is True
    rec = evaluate(inst, {})
    assert "majority" not in rec["solved"] and rec["easy"] is False


def test_on_booleans_constants_and_majority_do_not_make_an_instance_easy() -> None:
    for index in range(4):
        inst = make_instance("tsp_d", 6, 0, index)
        rec = evaluate(inst, {("tsp_d", None, 6): True})
        assert rec["solved"]["constant_true"] is inst["answer"]
        assert rec["solved"]["constant_false"] is not inst["answer"]
        assert rec["easy"] is rec["solved"]["nearest_neighbour_within_threshold"]


def test_further_heuristics_are_reported_but_do_not_make_easy() -> None:
    inst = make_instance("gcp", 9, 0, 1)  # odd index: largest-degree-first fails by construction
    rec = evaluate(inst, {})
    assert rec["heuristic"] == "largest_degree_first" and rec["heuristic_solved"] is False
    assert "dsatur" in rec["solved"] and rec["easy"] is False


# --------------------------------------------------------------------------------------------------------------
# the kinds' heuristics, by hand


def test_nearest_neighbour_tour_by_hand() -> None:
    dist = [[0, 1, 5, 2], [1, 0, 1, 6], [5, 1, 0, 3], [2, 6, 3, 0]]
    assert nearest_neighbour_tour(dist) == [0, 1, 2, 3]  # 0 -> 1 (1), 1 -> 2 (1), 2 -> 3 (3), back 2
    dist = [[0, 1, 2, 9], [1, 0, 9, 1], [2, 9, 0, 1], [9, 1, 1, 0]]
    tour = nearest_neighbour_tour(dist)
    assert tour == [0, 1, 3, 2] and tour_length(dist, tour) == 5 == held_karp(dist)[0]


def test_largest_degree_first_by_hand_fails_where_the_optimum_is_three() -> None:
    edges = [[0, 2], [0, 4], [0, 5], [1, 2], [1, 3], [1, 5], [2, 3], [2, 4], [3, 4]]
    # degrees 3 3 4 3 3 2: order 2, 0, 1, 3, 4, 5; vertex 4 sees colours 1 (0), 0 (2), 2 (3)
    assert largest_degree_first(6, edges) == [1, 1, 0, 2, 3, 0]
    assert chromatic_colouring(6, edges)[0] == 3


def test_greedy_by_ratio_by_hand() -> None:
    assert greedy_by_ratio([1, 10], [2, 10], 10) == [0]  # value 2, the optimum is 10
    assert knapsack([1, 10], [2, 10], 10)[0] == 10
    assert greedy_by_ratio([4, 3, 2], [8, 3, 4], 6) == [0, 2]  # ratios 2, 1, 2: items 0 then 2


def test_fewest_hops_path_by_hand() -> None:
    edges = [[0, 1, 10], [0, 2, 1], [1, 3, 10], [2, 4, 1], [3, 5, 1], [4, 5, 1]]
    assert fewest_hops_path(6, edges, 0, 3) == [0, 1, 3]  # 2 hops, weight 20 (0-2-4-5-3 weighs 4)
    assert fewest_hops_path(4, [[0, 1, 5], [0, 2, 1], [1, 3, 1], [2, 3, 1]], 0, 3) == [0, 1, 3]  # ties: lowest


def test_list_schedules_by_hand() -> None:
    durations, participants = [2, 3, 1], [[0, 1], [1, 2], [0, 2]]
    assert list_schedule(durations, participants, range(3), 3) == [0, 2, 5]
    assert longest_first(durations) == [1, 0, 2]
    assert list_schedule(durations, participants, longest_first(durations), 3) == [3, 0, 5]


# --------------------------------------------------------------------------------------------------------------
# hardness of the NP-hard levels (a few seeds; bench/baselines.py prints the plan's whole grid)

SEEDS = (0, 1, 2)
N = 10


@cache
def heuristic_shares(kind: str) -> dict[int, float]:
    """Per size level of the plan: the share of instances the kind's standard heuristic solves."""
    k = get_kind(kind)
    out = {}
    for size in DEFAULT_SIZES[kind]:
        insts = [i for seed in SEEDS for i in generate(kind, size, seed, N)]
        ok = [grade_answer(i, next(iter(k.heuristics(i).values()))).correct for i in insts]
        out[size] = sum(ok) / len(ok)
    return out


@pytest.mark.parametrize("kind", ["tsp", "tsp_d", "gcp", "gcp_d", "ksp", "msp", "spp"])
def test_the_standard_heuristic_solves_at_most_half_of_the_hardest_level(kind: str) -> None:
    shares = heuristic_shares(kind)
    hardest = max(shares)
    assert shares[hardest] <= 0.5, shares


def test_dsatur_too_solves_at_most_half_of_the_hardest_colouring_level() -> None:
    for kind in ("gcp", "gcp_d"):
        size = max(DEFAULT_SIZES[kind])
        insts = [i for seed in SEEDS for i in generate(kind, size, seed, N)]
        answers = [get_kind(kind).heuristics(i) for i in insts]
        dsatur = [a["dsatur" if kind == "gcp" else "dsatur_within_k"] for a in answers]
        assert sum(grade_answer(i, a).correct for i, a in zip(insts, dsatur, strict=True)) <= len(insts) / 2


@pytest.mark.parametrize("kind", ["tsp_d", "gcp_d"])
def test_decisions_of_the_heuristic_are_at_most_65_percent_right_and_answers_exactly_half_true(kind: str) -> None:
    assert all(share <= 0.65 for share in heuristic_shares(kind).values()), heuristic_shares(kind)
    for size in DEFAULT_SIZES[kind]:
        answers = [i["answer"] for seed in SEEDS for i in generate(kind, size, seed, N)]
        assert sum(answers) * 2 == len(answers)


@pytest.mark.parametrize("n", [6, 7, 9, 12])
def test_greedy_hard_graphs_are_hard_and_exact(n: int) -> None:
    import random

    rng = random.Random(n)
    for _ in range(3):
        edges, chi = greedy_hard_graph(n, rng)
        assert chromatic_colouring(n, edges)[0] == chi >= 3
        assert len(set(largest_degree_first(n, edges))) > chi
        if n >= DSATUR_HARD_MIN_VERTICES:
            assert len(set(dsatur_greedy(neighbours(n, edges)))) > chi
    with pytest.raises(ValueError):
        greedy_hard_graph(5, rng)


def test_hard_instances_keep_their_exact_gold() -> None:
    for index in (1, 3):
        ksp = make_instance("ksp", 10, 0, index)
        d = ksp["data"]
        assert sum(d["values"][i] for i in greedy_by_ratio(d["weights"], d["values"], d["capacity"])) < d["optimum"]
        assert knapsack(d["weights"], d["values"], d["capacity"])[0] == d["optimum"]
        gcp = make_instance("gcp", 9, 0, index)
        chi = chromatic_colouring(9, gcp["data"]["edges"])[0]
        assert len(set(gcp["answer"])) == gcp["data"]["chromatic_number"] == chi
    for index in range(4):
        tsp = make_instance("tsp_d", 8, 1, index)
        d = tsp["data"]
        assert tour_length(d["dist"], nearest_neighbour_tour(d["dist"])) > d["optimum"] == held_karp(d["dist"])[0]
        assert tsp["answer"] is (index % 2 == 0)


# --------------------------------------------------------------------------------------------------------------
# the stage and the statistics


def test_cli_writes_a_record_per_instance_and_refuses_in_sample_training(tmp_path, capsys) -> None:
    shards = {}
    for seed in (0, 1):
        for size in (6, 9):
            path = tmp_path / "problems" / "gcp_d" / str(size) / f"seed{seed}.jsonl"
            write_jsonl_atomic(path, generate("gcp_d", size, seed, 4))
            shards[(seed, size)] = path
    own = [str(shards[(0, 6)]), str(shards[(0, 9)])]
    outs = [str(tmp_path / "baselines" / "gcp_d" / str(size) / "seed0.jsonl") for size in (6, 9)]
    assert (
        main(["baselines", "--problems", *own, "--out", *outs, "--train", str(shards[(1, 6)]), str(shards[(1, 9)])])
        == 0
    )
    rows = [json.loads(line) for line in open(outs[0])]
    insts = [json.loads(line) for line in shards[(0, 6)].read_text().splitlines()]
    assert [r["id"] for r in rows] == [i["id"] for i in insts]
    assert all(r["heuristic"] == "largest_degree_first_within_k" and "majority" in r["solved"] for r in rows)
    assert main(["baselines", "--problems", *own, "--out", *outs, "--train", own[0]]) == 2
    assert "out of sample" in capsys.readouterr().err
    assert main(["baselines", "--problems", *own, "--out", outs[0]]) == 2
    assert main(["baselines", "--problems", *own, "--out", own[0], outs[0]]) == 2
    assert "must not be input" in capsys.readouterr().err
    lone = str(tmp_path / "b1.jsonl")
    assert main(["baselines", "--problems", str(shards[(1, 9)]), "--out", lone]) == 0  # seed 2 made in memory
    assert all("majority" in json.loads(line)["solved"] for line in open(lone))


def test_stats_baseline_columns_by_hand() -> None:
    long = pd.DataFrame(
        [
            ("a", "k", 2, 0, "s1", 0, True, True, True),
            ("a", "k", 2, 0, "s2", 1, False, False, True),
            ("b", "k", 2, 0, "s1", 0, False, True, False),
            ("b", "k", 2, 0, "s2", 1, False, False, False),
            ("c", "k", 2, 0, "s1", 0, False, True, True),
            ("c", "k", 2, 0, "s2", 1, True, False, True),
            ("d", "k", 2, 0, "s1", 0, True, True, True),
        ],  # d: not in the records
        columns=list(bs.LONG_COLUMNS),
    )
    long = bs.restrict(long, ["a", "b", "c"])
    table = bs.baselines_table(long)
    assert table[["strategy", "n", "n_correct", "best", "standard"]].values.tolist() == [
        ["s1", 3, 1, True, True],
        ["s2", 3, 1, False, False],
    ]  # tie: the earlier strategy is best
    inst = bs.per_instance(long, table).set_index("instance_id")
    assert inst["baseline_correct"].to_dict() == {"a": 1.0, "b": 0.0, "c": 0.0}
    assert inst["hardness"].to_dict() == {"a": "easy", "b": "hard", "c": "easy"}
    from codenl.commands import stats as stats_cli

    records = pd.DataFrame(
        [
            {"instance_id": i, "model": "m", "arm": arm, "kind": "k", "size": 2, "seed": 0, "outcome": outcome}
            for i, outcomes in (
                ("a", ("correct", "wrong")),
                ("b", ("correct", "correct")),
                ("c", ("wrong", "infra_error")),
            )
            for arm, outcome in zip(("nl", "code"), outcomes, strict=True)
        ]
    )
    res = stats_cli.compute(records, n_boot=50, baselines=long)
    acc = res["accuracy_arm"].set_index("arm")
    assert acc.loc["nl", "baseline"] == pytest.approx(1 / 3) and acc.loc["code", "baseline"] == pytest.approx(1 / 2)
    hard = res["accuracy_arm_hardness"].set_index(["arm", "hardness"])
    assert hard.loc[("nl", "hard"), "accuracy"] == 1.0 and hard.loc[("nl", "easy"), "accuracy"] == 0.5
    assert {"H2a-hard", "H2-hard"} <= set(res["hypotheses"]["id"])
    without = stats_cli.compute(records, n_boot=50)
    assert without["accuracy_arm"]["baseline"].isna().all() and without["accuracy_arm_hardness"].empty
    assert "H2-hard" not in set(without["hypotheses"]["id"])


def test_figures_draw_the_baseline_dashed_and_a_hardness_panel() -> None:
    from codenl.analysis import plots

    arms = ("nl", "sim", "controlsim", "code")
    acc = pd.DataFrame(
        [
            {"model": "m/x", "arm": a, "kind": k, "accuracy": 0.5, "ci_low": 0.4, "ci_high": 0.6, "baseline": b}
            for k, b in (("tsp", 0.25), ("gcp", float("nan")))
            for a in arms
        ]
    )
    fig = plots.by_kind_figure(acc)
    tsp, gcp = fig.axes[0], fig.axes[1]
    dashed = [ln for ln in tsp.get_lines() if ln.get_label() == plots.BASELINE_LABEL]
    assert len(dashed) == 1 and dashed[0].get_linestyle() == "--" and list(dashed[0].get_ydata()) == [0.25, 0.25]
    assert not [ln for ln in gcp.get_lines() if ln.get_label() == plots.BASELINE_LABEL]
    fam = pd.DataFrame(
        [
            {
                "arm": a,
                "family": "nphard",
                "size": s,
                "accuracy": 0.5,
                "ci_low": 0.4,
                "ci_high": 0.6,
                "baseline": s / 10,
            }
            for a in arms
            for s in (2, 4)
        ]
    )
    hard = pd.DataFrame(
        [
            {"arm": a, "hardness": h, "accuracy": acc_, "ci_low": 0.0, "ci_high": 1.0, "n_instances": 7}
            for a in arms
            for h, acc_ in (("hard", 0.2), ("easy", 0.9))
        ]
    )
    fig = plots.by_size_figure(fam, hard)
    assert [ax.get_title() for ax in fig.axes] == ["nphard", "heuristic-hard vs -easy instances"]
    base = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == plots.BASELINE_LABEL]
    assert len(base) == 1 and list(base[0].get_ydata()) == [0.2, 0.4]
    labels = [c.get_label() for c in fig.axes[1].containers]
    assert labels == ["heuristic-hard (n=7)", "heuristic-easy (n=7)"]
    assert list(fig.axes[1].containers[0].lines[0].get_ydata()) == [0.2] * 4
    assert len(plots.by_size_figure(fam).axes) == 1


def test_below_six_vertices_largest_degree_first_is_always_optimal_so_those_levels_stay_easy() -> None:
    """Exhaustive over the 1,024 labelled graphs on 5 vertices: the reason gcp and gcp_d start hard draws at 6."""
    import itertools

    from codenl.problems.nphard.gcp import HARD_MIN_VERTICES

    assert HARD_MIN_VERTICES == 6
    pairs = list(itertools.combinations(range(5), 2))
    for mask in range(1 << len(pairs)):
        edges = [list(p) for i, p in enumerate(pairs) if mask >> i & 1]
        assert len(set(largest_degree_first(5, edges))) == chromatic_colouring(5, edges)[0], edges


def test_welsh_powell_bound_that_prunes_hard_draws_holds_under_any_labels() -> None:
    """The i-th vertex by degree gets a colour <= min(degree + 1, i): a graph whose bound is the chromatic number
    cannot defeat the colouring under any relabelling, so greedy_hard_graph skips it."""
    import random

    rng = random.Random(3)
    for _ in range(300):
        n = rng.randint(2, 9)
        p = rng.random()
        edges = [[u, v] for u in range(n) for v in range(u + 1, n) if rng.random() < p]
        degrees = sorted((len(a) for a in neighbours(n, edges)), reverse=True)
        bound = max(min(d + 1, i) for i, d in enumerate(degrees, 1))
        perm = list(range(n))
        rng.shuffle(perm)
        relabelled = [sorted((perm[u], perm[v])) for u, v in edges]
        assert len(set(largest_degree_first(n, relabelled))) <= bound


def test_false_colouring_graphs_have_the_edges_of_their_reference_and_the_exact_chromatic_number() -> None:
    import random

    from codenl.problems.nphard.gcp import graph_with_chromatic_and_edges

    rng = random.Random(4)
    for n, m, target in ((6, 9, 4), (9, 16, 4), (12, 28, 5), (5, 6, 4)):
        edges = graph_with_chromatic_and_edges(n, m, target, rng)
        assert edges is not None and len(edges) == m == len({tuple(e) for e in edges})
        assert all(0 <= u < v < n for u, v in edges) and chromatic_colouring(n, edges)[0] == target
    assert graph_with_chromatic_and_edges(6, 5, 4, rng) is None  # K4 alone needs 6 edges
    assert graph_with_chromatic_and_edges(4, 6, 5, rng) is None
    assert graph_with_chromatic_and_edges(6, 15, 4, rng) is None  # the only graph with 15 edges is K6
    # the number of edges no longer tells the answer: equal means per level over a few seeds
    for size in DEFAULT_SIZES["gcp_d"]:
        insts = [i for seed in SEEDS for i in generate("gcp_d", size, seed, N)]
        true = [len(i["data"]["edges"]) for i in insts if i["answer"]]
        false = [len(i["data"]["edges"]) for i in insts if not i["answer"]]
        assert abs(sum(true) / len(true) - sum(false) / len(false)) <= 2.5, (size, true, false)


def test_stats_refuse_an_instance_twice_and_a_malformed_baseline_record(tmp_path, capsys) -> None:
    from codenl.errors import RecordError

    path = tmp_path / "b.jsonl"
    write_jsonl_atomic(path, [evaluate(make_instance("ksp", 6, 0, 0), {})])
    with pytest.raises(RecordError, match=r"b\.jsonl:1: instance .* already"):
        bs.read_baselines([path, path])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "kind": "ksp", "size": 6, "seed": 0, "solved": [true]}\n')
    with pytest.raises(RecordError, match=r"bad\.jsonl:1: not a baseline record"):
        bs.read_baselines([bad])
    records = tmp_path / "r.csv"
    row = {"instance_id": "x", "model": "m", "arm": "nl", "kind": "ksp", "size": 6, "outcome": "wrong"}
    pd.DataFrame([row]).to_csv(records, index=False)
    assert (
        main(
            [
                "stats",
                "--records",
                str(records),
                "--out",
                str(tmp_path / "s"),
                "--n-boot",
                "5",
                "--baselines",
                str(tmp_path / "missing.jsonl"),
            ]
        )
        == 2
    )
    assert "missing.jsonl: no such file" in capsys.readouterr().err
