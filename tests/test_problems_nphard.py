"""The nine NP-hard kinds: gold answers, graders, exact solvers cross-checked against second methods."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from functools import cache
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from codenl.problems import KIND_MODULES, generate, get_kind, grade, make_instance
from codenl.problems.nphard import DEFAULT_N_PER_SIZE, DEFAULT_SIZES
from codenl.problems.nphard.bsp import binary_search
from codenl.problems.nphard.edp import edit_distance
from codenl.problems.nphard.gcp import (
    brute_force_chromatic,
    chromatic_colouring,
    dsatur_greedy,
    graph_with_chromatic,
    greedy_clique,
    neighbours,
)
from codenl.problems.nphard.ksp import brute_force_knapsack, knapsack
from codenl.problems.nphard.msp import check_schedule, list_schedule, makespan, optimal_schedule
from codenl.problems.nphard.spp import random_connected_graph, shortest_path
from codenl.problems.nphard.tsp import brute_force_tsp, held_karp, random_distances, tour_length

ROOT = Path(__file__).resolve().parents[1]
NPHARD = ("spp", "tsp", "tsp_d", "msp", "ksp", "gcp", "gcp_d", "bsp", "edp")
SEEDS = (0, 1, 2)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def grid(kind: str, n: int = DEFAULT_N_PER_SIZE) -> tuple[dict, ...]:
    """The plan's grid for one kind: every default size level x n instances x seeds 0..2."""
    return tuple(inst for seed in SEEDS for size in DEFAULT_SIZES[kind] for inst in generate(kind, size, seed, n))


def inst_of(kind: str, size: int | None = None, seed: int = 0, index: int = 0) -> dict:
    return make_instance(kind, size if size is not None else DEFAULT_SIZES[kind][-1], seed, index)


def assert_wrong(instance: dict, answer: object, because: str = "") -> None:
    """``answer`` grades wrong, with a reason that contains ``because``."""
    verdict = grade(instance, answer)
    assert not verdict.correct, f"{instance['kind']}: {answer!r} graded correct"
    assert verdict.reason and because in verdict.reason, verdict.reason


# --------------------------------------------------------------------------------------------------------------
# registry, sizes, records


def test_registry_and_default_sizes_cover_the_nine_kinds() -> None:
    assert set(DEFAULT_SIZES) == set(NPHARD)
    for name in NPHARD:
        kind = get_kind(name)
        assert kind.name == name and kind.family == "nphard"
        assert KIND_MODULES[name].startswith("codenl.problems.nphard.")
        levels = DEFAULT_SIZES[name]
        assert len(levels) * DEFAULT_N_PER_SIZE == 30, "the plan asks 30 instances per NP-hard kind"
        assert list(levels) == sorted(set(levels))
        assert all(kind.min_size <= s <= kind.max_size for s in levels)


@pytest.mark.parametrize("kind", NPHARD)
def test_gold_grades_correct_over_the_grid(kind: str) -> None:
    for inst in grid(kind):
        verdict = grade(inst, inst["answer"])
        assert verdict.correct, (inst["id"], verdict.reason)
        assert inst["family"] == "nphard" and inst["algorithm"] is None
        json.dumps(inst, allow_nan=False)  # plain JSON throughout (numpy ints would fail here)


@pytest.mark.parametrize("kind", NPHARD)
def test_deterministic_and_seed_dependent(kind: str) -> None:
    size = DEFAULT_SIZES[kind][0]
    first = json.dumps(generate(kind, size, 0, 4), sort_keys=True)
    assert first == json.dumps(generate(kind, size, 0, 4), sort_keys=True)
    other = generate(kind, size, 1, 4)
    assert [i["data"] for i in generate(kind, size, 0, 4)] != [i["data"] for i in other]
    # instance i does not depend on n
    assert generate(kind, size, 0, 2) == generate(kind, size, 0, 4)[:2]


@pytest.mark.parametrize("kind", NPHARD)
def test_extreme_sizes_generate_and_grade(kind: str) -> None:
    k = get_kind(kind)
    for size in (k.min_size, k.max_size):
        for inst in generate(kind, size, 7, 2):
            assert grade(inst, inst["answer"]).correct


@pytest.mark.parametrize("kind", NPHARD)
@pytest.mark.parametrize("junk", [None, "x", 1.5, {"a": 1}, [[1]], [None], [True, False]])
def test_graders_never_raise_on_junk(kind: str, junk: object) -> None:
    inst = inst_of(kind, DEFAULT_SIZES[kind][0])
    assert_wrong(inst, junk)


def test_instances_match_the_schema_and_gold_survives_answer_coercion() -> None:
    import jsonschema

    from codenl.answers import coerce

    schema = json.loads((ROOT / "workflow" / "schemas" / "instance.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for kind in NPHARD:
        for inst in grid(kind)[::7]:
            errors = [e.message for e in validator.iter_errors(inst)]
            assert not errors, (kind, errors)
            assert coerce(inst["answer"], inst["answer_type"]) == inst["answer"]
            assert type(coerce(inst["answer"], inst["answer_type"])) is type(inst["answer"])


# --------------------------------------------------------------------------------------------------------------
# decision balance and non-degeneracy


@pytest.mark.parametrize("kind", ["tsp_d", "gcp_d"])
def test_decision_balance(kind: str) -> None:
    pooled = grid(kind, 30)
    share = sum(i["answer"] for i in pooled) / len(pooled)
    assert 0.35 <= share <= 0.65
    for size in DEFAULT_SIZES[kind]:
        level = [i["answer"] for i in grid(kind) if i["size"] == size]
        assert 0.35 <= sum(level) / len(level) <= 0.65
    for inst in pooled:
        assert isinstance(inst["answer"], bool) and inst["answer_type"] == "bool"


def test_tsp_d_thresholds_are_tight_and_exact() -> None:
    for inst in grid("tsp_d"):
        d = inst["data"]
        assert d["optimum"] == held_karp(d["dist"])[0]
        assert abs(d["threshold"] - d["optimum"]) <= max(1, round(0.1 * d["optimum"]))
        assert inst["answer"] == (d["optimum"] <= d["threshold"])
        assert str(d["threshold"]) in inst["statement"]


def test_gcp_d_k_is_chromatic_number_or_one_less() -> None:
    for inst in grid("gcp_d"):
        d = inst["data"]
        assert d["chromatic_number"] == chromatic_colouring(d["n"], d["edges"])[0]
        assert d["k"] in (d["chromatic_number"], d["chromatic_number"] - 1) and d["k"] >= 2
        assert f"at most {d['k']} colours" in inst["statement"]


def test_gcp_d_k_does_not_give_the_answer_away() -> None:
    """The colour budget k alone must not predict the answer (v1: "true iff k >= 3" scored 92% at 6 vertices)."""
    correct = total = 0
    for size in DEFAULT_SIZES["gcp_d"]:
        counts = Counter((i["data"]["k"], i["answer"]) for i in grid("gcp_d", 40) if i["size"] == size)
        # the best any rule that sees only (size, k) can do on these instances
        best = sum(max(counts[(k, True)], counts[(k, False)]) for k in {k for k, _ in counts})
        level = sum(counts.values())
        assert best / level <= 0.7, (size, sorted(counts.items()))
        correct, total = correct + best, total + level
    assert correct / total <= 0.65


@pytest.mark.parametrize(("n", "target"), [(4, 4), (5, 2), (6, 5), (9, 3), (12, 6), (15, 3)])
def test_graph_with_chromatic_reaches_its_target(n: int, target: int) -> None:
    rng = random.Random(n * 100 + target)
    for _ in range(3):
        edges = graph_with_chromatic(n, target, rng)
        assert brute_force_chromatic(n, edges) == target if n <= 6 else chromatic_colouring(n, edges)[0] == target
    with pytest.raises(ValueError):
        graph_with_chromatic(n, n + 1, rng)


def test_answers_are_not_degenerate() -> None:
    ksp = grid("ksp")
    for inst in ksp:
        d = inst["data"]
        assert max(d["weights"]) <= d["capacity"] < sum(d["weights"])
        assert d["capacity"] != len(d["weights"]) or sum(d["weights"]) > 2 * len(d["weights"])
        assert 0 < len(inst["answer"]) < len(d["weights"])
    assert all(len(i["answer"]) >= 3 for i in grid("spp"))  # source and target are never adjacent
    assert Counter(len(i["answer"]) > 3 for i in grid("spp"))[True] > 30
    assert all(i["answer"] >= 2 for i in grid("edp"))
    assert all(i["data"]["chromatic_number"] >= 3 for i in grid("gcp"))
    assert len({i["data"]["chromatic_number"] for i in grid("gcp")}) >= 2
    bsp = grid("bsp")
    absent = sum(i["answer"] == -1 for i in bsp) / len(bsp)
    assert absent == pytest.approx(0.2)
    assert len({i["answer"] for i in bsp}) > 15
    for inst in grid("msp"):
        d = inst["data"]
        assert max(d["durations"]) <= d["makespan"] <= d["day_length"]
    # most instances let some meetings run in parallel (not everything back to back)
    assert sum(i["data"]["makespan"] < i["data"]["day_length"] for i in grid("msp")) >= 0.7 * len(grid("msp"))


def test_statements_carry_every_number() -> None:
    for inst in grid("msp"):
        d = inst["data"]
        text = inst["statement"]
        for j, dur in enumerate(d["durations"]):
            assert f"meeting {j}: lasts {dur} hour" in text
            for p in d["participants"][j]:
                assert d["people"][p] in text.split(f"meeting {j}: ")[1].split("\n")[0]
        assert f"working day of {d['day_length']} hours" in text
    for inst in grid("tsp"):
        for i, row in enumerate(inst["data"]["dist"]):
            assert f"row {i}: " + " ".join(map(str, row)) in inst["statement"]
    for inst in grid("ksp"):
        d = inst["data"]
        for i, (w, v) in enumerate(zip(d["weights"], d["values"])):
            assert f"item {i}: weight {w}, value {v}" in inst["statement"]
        assert f"at most {d['capacity']}" in inst["statement"]
    for inst in grid("spp"):
        for u, v, w in inst["data"]["edges"]:
            assert f"{u} - {v}: weight {w}" in inst["statement"]
    for inst in grid("gcp") + grid("gcp_d"):
        assert all(f"{u}-{v}" in inst["statement"] for u, v in inst["data"]["edges"])
    for inst in grid("bsp"):
        assert str(inst["data"]["array"]) in inst["statement"]
    for inst in grid("edp"):
        assert f'"{inst["data"]["s"]}"' in inst["statement"] and f'"{inst["data"]["t"]}"' in inst["statement"]
    for kind in NPHARD:
        for inst in grid(kind)[:3]:
            assert "optimum" not in inst["statement"] and inst["answer_format"]


# --------------------------------------------------------------------------------------------------------------
# spp


def test_spp_every_shortest_path_is_correct_and_others_wrong() -> None:
    checked_alternatives = 0
    for inst in grid("spp"):
        d = inst["data"]
        g = nx.Graph()
        g.add_weighted_edges_from(d["edges"])
        assert nx.dijkstra_path_length(g, d["source"], d["target"]) == d["distance"]
        shortest = list(nx.all_shortest_paths(g, d["source"], d["target"], weight="weight"))
        for path in shortest:
            assert grade(inst, path).correct
        checked_alternatives += len(shortest) > 1
        longer = next(
            (
                p
                for p in nx.shortest_simple_paths(g, d["source"], d["target"], weight="weight")
                if nx.path_weight(g, p, "weight") > d["distance"]
            ),
            None,
        )
        if longer is not None:
            assert_wrong(inst, longer)
    assert checked_alternatives > 0
    inst = inst_of("spp")
    d, gold = inst["data"], inst["answer"]
    assert_wrong(inst, gold[::-1])  # wrong direction: starts at the target
    assert_wrong(inst, gold[:-1])  # does not reach the target
    assert_wrong(inst, [])
    assert_wrong(inst, [d["source"], d["target"]], "no edge")  # target is several hops away
    assert_wrong(inst, [d["source"], d["n"] + 3, d["target"]])
    assert_wrong(inst, [d["source"], -1, d["target"]])


@FAST
@given(st.integers(3, 25), st.integers(0, 10**9))
def test_spp_dijkstra_matches_networkx(n: int, seed: int) -> None:
    rng = random.Random(seed)
    edges = random_connected_graph(n, rng, rng.uniform(0, 0.5))
    g = nx.Graph()
    g.add_weighted_edges_from(edges)
    target = rng.randrange(n)
    dist, path = shortest_path(n, edges, 0, target)
    assert dist == nx.dijkstra_path_length(g, 0, target)
    assert path[0] == 0 and path[-1] == target and nx.path_weight(g, path, "weight") == dist


# --------------------------------------------------------------------------------------------------------------
# tsp, tsp_d


def test_tsp_other_optimal_tours_are_correct() -> None:
    for inst in grid("tsp"):
        tour = inst["answer"]
        assert tour[0] == 0 and sorted(tour) == list(range(len(tour)))
        assert tour_length(inst["data"]["dist"], tour) == inst["data"]["optimum"]
        assert grade(inst, [0] + tour[1:][::-1]).correct  # the same cycle backwards
        assert grade(inst, tour + [0]).correct  # closed form of the same tour


def test_tsp_bad_tours_are_wrong() -> None:
    inst = inst_of("tsp", 8)
    tour, dist = inst["answer"], inst["data"]["dist"]
    assert_wrong(inst, tour[1:] + tour[:1])  # same cycle, but not starting at 0
    assert_wrong(inst, tour[:-1])
    assert_wrong(inst, tour + [tour[1]])
    assert_wrong(inst, tour[:-1] + [tour[1]], "more than once")  # repeated city
    assert_wrong(inst, [0] + [tour[1]] * 7, "more than once")  # shorter than the optimum, but not a tour
    assert_wrong(inst, tour[:-1] + [99])
    assert_wrong(inst, [0] + [-c for c in tour[1:]])
    worse = max(([0, *p] for p in itertools.permutations(range(1, 8))), key=lambda t: tour_length(dist, t))
    assert tour_length(dist, worse) > inst["data"]["optimum"]
    assert_wrong(inst, worse)


def test_tsp_d_negated_answer_is_wrong() -> None:
    for inst in grid("tsp_d")[:10] + grid("gcp_d")[:10]:
        assert_wrong(inst, not inst["answer"])
        assert_wrong(inst, int(inst["answer"]))
        assert_wrong(inst, str(inst["answer"]).lower())


@settings(max_examples=40, deadline=None)
@given(st.integers(4, 8), st.integers(0, 10**9), st.booleans())
def test_held_karp_matches_brute_force(n: int, seed: int, metric: bool) -> None:
    rng = random.Random(seed)
    if metric:
        dist = random_distances(n, rng)
    else:  # arbitrary symmetric integer weights, triangle inequality not assumed
        dist = [[0] * n for _ in range(n)]
        for i, j in itertools.combinations(range(n), 2):
            dist[i][j] = dist[j][i] = rng.randint(1, 50)
    length, tour = held_karp(dist)
    assert length == brute_force_tsp(dist) == tour_length(dist, tour)
    assert tour[0] == 0 and sorted(tour) == list(range(n))


@FAST
@given(st.integers(4, 12), st.integers(0, 10**9), st.data())
def test_any_tour_is_at_least_the_optimum(n: int, seed: int, data: st.DataObject) -> None:
    dist = random_distances(n, random.Random(seed))
    optimum, _ = held_karp(dist)
    rest = data.draw(st.permutations(list(range(1, n))))
    assert tour_length(dist, [0, *rest]) >= optimum


# --------------------------------------------------------------------------------------------------------------
# ksp


def test_ksp_every_optimal_selection_is_correct_and_bad_ones_wrong() -> None:
    for inst in grid("ksp")[:20]:  # sizes 6 and 10: brute force over subsets is cheap
        d = inst["data"]
        n = len(d["weights"])
        assert d["optimum"] == brute_force_knapsack(d["weights"], d["values"], d["capacity"])
        for r in range(n + 1):
            for subset in itertools.combinations(range(n), r):
                w = sum(d["weights"][i] for i in subset)
                v = sum(d["values"][i] for i in subset)
                verdict = grade(inst, list(subset)[::-1])  # order does not matter
                assert verdict.correct == (w <= d["capacity"] and v == d["optimum"]), subset
    inst = inst_of("ksp")
    gold = inst["answer"]
    assert_wrong(inst, gold + gold[:1], "more than once")  # duplicate item
    assert_wrong(inst, gold[1:])  # strictly less value (all values >= 1)
    assert_wrong(inst, gold + [len(inst["data"]["weights"])])  # no such item
    assert_wrong(inst, list(range(len(inst["data"]["weights"]))), "exceeds the capacity")


@FAST
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 50)), min_size=0, max_size=10), st.integers(0, 120))
def test_knapsack_matches_brute_force(items: list[tuple[int, int]], capacity: int) -> None:
    weights = [w for w, _ in items]
    values = [v for _, v in items]
    value, chosen = knapsack(weights, values, capacity)
    assert value == brute_force_knapsack(weights, values, capacity)
    assert sum(weights[i] for i in chosen) <= capacity and sum(values[i] for i in chosen) == value
    assert chosen == sorted(set(chosen))


# --------------------------------------------------------------------------------------------------------------
# gcp, gcp_d


def test_gcp_permuted_colourings_are_correct_and_bad_ones_wrong() -> None:
    rng = random.Random(5)
    for inst in grid("gcp"):
        gold = inst["answer"]
        chi = inst["data"]["chromatic_number"]
        assert len(set(gold)) == chi and set(gold) == set(range(chi))
        perm = list(range(chi))
        rng.shuffle(perm)
        assert grade(inst, [perm[c] for c in gold]).correct
        assert grade(inst, [10 * c + 7 for c in gold]).correct  # numbering is free, only the count matters
    inst = inst_of("gcp")
    gold, edges, n = inst["answer"], inst["data"]["edges"], inst["data"]["n"]
    u, v = edges[0]
    clash = gold[:]
    clash[v] = clash[u]
    assert_wrong(inst, clash, "both have colour")
    extra = gold[:]
    extra[0] = max(gold) + 1  # proper, but one colour too many
    assert_wrong(inst, extra)
    assert_wrong(inst, list(range(n)))
    assert_wrong(inst, gold[:-1])
    assert_wrong(inst, gold + [0])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 7), st.floats(0.0, 1.0), st.integers(0, 10**9))
def test_chromatic_number_matches_brute_force(n: int, p: float, seed: int) -> None:
    rng = random.Random(seed)
    edges = [[u, v] for u in range(n) for v in range(u + 1, n) if rng.random() < p]
    chi, colouring = chromatic_colouring(n, edges)
    assert chi == brute_force_chromatic(n, edges)
    assert len(set(colouring)) == chi and all(colouring[a] != colouring[b] for a, b in edges)


def chromatic_by_backtracking(n: int, edges: list[list[int]]) -> int:
    """Smallest k for which plain backtracking (vertices in order 0..n-1) finds a proper k-colouring."""
    adj = neighbours(n, edges)

    def colourable(k: int) -> bool:
        colour = [-1] * n

        def place(v: int, used: int) -> bool:
            if v == n:
                return True
            for c in range(min(used + 1, k)):
                if all(colour[w] != c for w in adj[v]):
                    colour[v] = c
                    if place(v + 1, max(used, c + 1)):
                        return True
            colour[v] = -1
            return False

        return place(0, 0)

    return next(k for k in range(n + 1) if colourable(k))


#: a 7-vertex graph that DSATUR colours with 4 colours although 3 suffice (found by search)
DSATUR_TRAP = [[0, 1], [0, 5], [0, 6], [1, 5], [2, 3], [2, 4], [2, 5], [3, 4], [3, 6], [4, 6]]


def test_chromatic_number_is_exact_where_greedy_is_not() -> None:
    adj = neighbours(7, DSATUR_TRAP)
    assert len(set(dsatur_greedy(adj))) == 4
    chi, colouring = chromatic_colouring(7, DSATUR_TRAP)
    assert chi == 3 == brute_force_chromatic(7, DSATUR_TRAP)
    assert all(colouring[a] != colouring[b] for a, b in DSATUR_TRAP)
    greedy_beaten = 0
    for seed in range(400):  # graphs of 7..12 vertices, where DSATUR is occasionally suboptimal
        rng = random.Random(seed)
        n = 7 + seed % 6
        p = rng.uniform(0.2, 0.7)
        edges = [[u, v] for u in range(n) for v in range(u + 1, n) if rng.random() < p]
        chi = chromatic_colouring(n, edges)[0]
        assert chi == chromatic_by_backtracking(n, edges), (n, edges)
        greedy_beaten += chi < len(set(dsatur_greedy(neighbours(n, edges))))
    assert greedy_beaten >= 2


def test_chromatic_number_on_the_grid_by_backtracking() -> None:
    for inst in grid("gcp") + grid("gcp_d"):
        d = inst["data"]
        assert d["chromatic_number"] == chromatic_by_backtracking(d["n"], d["edges"])


@FAST
@given(st.integers(4, 18), st.floats(0.1, 0.9), st.integers(0, 10**9))
def test_chromatic_number_between_clique_and_greedy(n: int, p: float, seed: int) -> None:
    rng = random.Random(seed)
    edges = [[u, v] for u in range(n) for v in range(u + 1, n) if rng.random() < p]
    chi, colouring = chromatic_colouring(n, edges)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    clique = max(len(c) for c in nx.find_cliques(g))
    adj = neighbours(n, edges)
    assert clique <= chi <= len(set(dsatur_greedy(adj)))
    assert chi <= max(len(set(nx.greedy_color(g, strategy=s).values())) for s in ("largest_first", "DSATUR"))
    assert len(greedy_clique(adj)) <= clique
    assert all(colouring[a] != colouring[b] for a, b in edges)


# --------------------------------------------------------------------------------------------------------------
# msp


def milp_makespan(durations: list[int], participants: list[list[int]]) -> int:
    """Minimum makespan by a disjunctive mixed-integer programme (scipy's HiGHS): a second, independent method."""
    m = len(durations)
    big = sum(durations)
    pairs = [(i, j) for i, j in itertools.combinations(range(m), 2) if set(participants[i]) & set(participants[j])]
    nvar = m + 1 + len(pairs)  # starts, makespan C, one order bit per conflicting pair
    rows, lo, hi = [], [], []
    for i in range(m):  # s_i + d_i <= C
        row = np.zeros(nvar)
        row[i], row[m] = 1, -1
        rows.append(row), lo.append(-np.inf), hi.append(-durations[i])
    for k, (i, j) in enumerate(pairs):
        y = m + 1 + k
        row = np.zeros(nvar)  # y=1: i before j: s_i + d_i <= s_j + big (1 - y)
        row[i], row[j], row[y] = 1, -1, big
        rows.append(row), lo.append(-np.inf), hi.append(big - durations[i])
        row = np.zeros(nvar)  # y=0: j before i: s_j + d_j <= s_i + big y
        row[j], row[i], row[y] = 1, -1, -big
        rows.append(row), lo.append(-np.inf), hi.append(-durations[j])
    cost = np.zeros(nvar)
    cost[m] = 1
    upper = np.full(nvar, float(big))
    upper[m + 1 :] = 1
    res = milp(
        cost,
        constraints=LinearConstraint(np.array(rows), lo, hi),
        integrality=np.ones(nvar),
        bounds=Bounds(np.zeros(nvar), upper),
    )
    assert res.success
    return round(res.fun)


def test_msp_matches_milp_on_the_grid() -> None:
    for inst in grid("msp")[::6]:
        d = inst["data"]
        assert d["makespan"] == milp_makespan(d["durations"], d["participants"])


def test_msp_reversed_schedule_is_correct_and_bad_ones_wrong() -> None:
    for inst in grid("msp"):
        d = inst["data"]
        span = d["makespan"]
        mirrored = [span - s - dur for s, dur in zip(inst["answer"], d["durations"])]  # run the day backwards
        assert grade(inst, mirrored).correct
    inst = next(i for i in grid("msp") if i["size"] == 9 and i["data"]["makespan"] + 1 < i["data"]["day_length"])
    d, gold = inst["data"], inst["answer"]
    assert_wrong(inst, [s + 1 for s in gold])  # feasible but one hour later
    assert_wrong(inst, [0] * len(gold), "overlap")  # meetings with a common participant overlap
    assert_wrong(inst, [s - 1 for s in gold], "outside the day")  # the first meetings start before hour 0
    late = gold[:]
    late[0] = d["day_length"]
    assert_wrong(inst, late, "outside the day")
    assert_wrong(inst, gold[:-1])


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 4), st.integers(0, 10**9))
def test_msp_matches_brute_force_over_start_hours(m: int, seed: int) -> None:
    rng = random.Random(seed)
    people = 3
    durations = [rng.randint(1, 3) for _ in range(m)]
    participants = [sorted(rng.sample(range(people), rng.randint(1, 2))) for _ in range(m)]
    day = sum(durations)
    best, start = optimal_schedule(durations, participants, people)
    brute = min(
        makespan(durations, s)
        for s in itertools.product(range(day), repeat=m)
        if not check_schedule(durations, participants, day, s)
    )
    assert best == brute == makespan(durations, start)
    assert not check_schedule(durations, participants, day, start)


@settings(max_examples=15, deadline=None)
@given(st.integers(5, 9), st.integers(0, 10**9), st.data())
def test_msp_optimum_against_milp_and_any_order(m: int, seed: int, data: st.DataObject) -> None:
    rng = random.Random(seed)
    people = m // 2 + 2
    durations = [rng.randint(1, 4) for _ in range(m)]
    participants = [sorted(rng.sample(range(people), rng.choice((2, 2, 3)))) for _ in range(m)]
    best, start = optimal_schedule(durations, participants, people)
    assert best == milp_makespan(durations, participants)
    assert not check_schedule(durations, participants, sum(durations), start)
    order = data.draw(st.permutations(list(range(m))))
    assert makespan(durations, list_schedule(durations, participants, order, people)) >= best


# --------------------------------------------------------------------------------------------------------------
# bsp, edp


def test_bsp_and_edp_answers() -> None:
    for inst in grid("bsp"):
        arr, target = inst["data"]["array"], inst["data"]["target"]
        assert arr == sorted(set(arr)) and len(arr) == inst["size"]
        assert inst["answer"] == (arr.index(target) if target in arr else -1)
        assert_wrong(inst, inst["answer"] + 1)
        assert_wrong(inst, float(inst["answer"]))
    for inst in grid("edp"):
        assert_wrong(inst, inst["answer"] - 1)
        assert_wrong(inst, inst["answer"] + 1)
        assert_wrong(inst, str(inst["answer"]))
    inst = next(i for i in grid("bsp") if i["answer"] == 1)
    assert_wrong(inst, True)  # a bool is not the integer 1


def edit_distance_by_graph(s: str, t: str) -> int:
    """Shortest path in the edit grid (node (i, j) = prefixes s[:i], t[:j]) by networkx: a second method."""
    g = nx.DiGraph()
    for i in range(len(s) + 1):
        for j in range(len(t) + 1):
            if i < len(s):
                g.add_edge((i, j), (i + 1, j), weight=1)
            if j < len(t):
                g.add_edge((i, j), (i, j + 1), weight=1)
            if i < len(s) and j < len(t):
                g.add_edge((i, j), (i + 1, j + 1), weight=int(s[i] != t[j]))
    g.add_node((0, 0))
    return nx.dijkstra_path_length(g, (0, 0), (len(s), len(t)))


@FAST
@given(st.text("abcde", max_size=12), st.text("abcde", max_size=12))
def test_edit_distance_matches_graph_search(s: str, t: str) -> None:
    d = edit_distance(s, t)
    assert d == edit_distance_by_graph(s, t) == edit_distance(t, s)
    assert abs(len(s) - len(t)) <= d <= max(len(s), len(t))


def test_edit_distance_on_the_grid_matches_graph_search() -> None:
    for inst in grid("edp")[::4]:
        assert inst["answer"] == edit_distance_by_graph(inst["data"]["s"], inst["data"]["t"])


@FAST
@given(st.lists(st.integers(-1000, 1000), unique=True, min_size=1, max_size=60), st.integers(-1100, 1100))
def test_binary_search_matches_linear_scan(values: list[int], target: int) -> None:
    arr = sorted(values)
    assert binary_search(arr, target) == (arr.index(target) if target in arr else -1)
