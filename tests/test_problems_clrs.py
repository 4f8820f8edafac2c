"""clrs30: generators, gold solvers and graders of the 30 CLRS algorithms.

For every algorithm: the gold grades correct (after a JSON round trip, as instances are stored), perturbed and
mistyped answers grade wrong, other valid outputs grade correct where the output is not unique, and each solver
agrees with a second method (sorted, bisect, brute force, networkx, scipy) on many small instances.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import os
import random
import re
import subprocess
import time
from collections import Counter
from fractions import Fraction
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial import ConvexHull

from codenl.problems import generate, get_kind, grade, make_instance
from codenl.problems.base import instance_rng
from codenl.problems.clrs import (
    ALGORITHMS,
    ALGOS,
    DEFAULT_SIZES,
    Clrs30,
    algorithm_for,
    algorithm_order,
    divide_conquer,
    dynamic,
    geometry,
    graphs,
    greedy,
    searching,
    sorting,
    strings,
)
from tests.conftest import ROOT

SIZES = (4, 7, 12, 32)


def instance_of(algorithm: str, size: int, seed: int = 0, k: int = 0) -> dict[str, Any]:
    """The k-th stored instance of ``algorithm`` (through JSON, as a grader sees it)."""
    index = algorithm_order(size).index(algorithm) + 30 * k
    return json.loads(json.dumps(make_instance("clrs30", size, seed, index)))


def instances_of(algorithm: str, sizes=SIZES, per_size: int = 4, seed: int = 0):
    for size in sizes:
        for k in range(per_size):
            yield instance_of(algorithm, size, seed, k)


def conforms(value: Any, type_: str) -> bool:
    """Does ``value`` fit the answer-type grammar of codenl.problems.base?"""
    if type_ == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ == "bool":
        return isinstance(value, bool)
    if type_ == "str":
        return isinstance(value, str)
    if type_.startswith("list[") and type_.endswith("]"):
        return isinstance(value, list) and all(conforms(v, type_[5:-1]) for v in value)
    raise AssertionError(f"unexpected answer type {type_}")


def is_correct(inst: dict[str, Any], answer: Any) -> bool:
    return grade(inst, answer).correct


# ============================================================================================ registry and spread
def test_registry_has_thirty_algorithms_in_fixed_order():
    kind = get_kind("clrs30")
    assert isinstance(kind, Clrs30) and kind.family == "clrs"
    assert len(ALGORITHMS) == 30 == len(set(ALGORITHMS)) == len(ALGOS)
    assert ALGORITHMS[0] == "insertion_sort" and ALGORITHMS[-1] == "jarvis_march"
    assert all(kind.min_size <= s <= kind.max_size for s in DEFAULT_SIZES)


def test_instances_spread_evenly_over_the_algorithms():
    insts = generate("clrs30", 5, 1, 125)
    counts = Counter(i["algorithm"] for i in insts)
    assert set(counts) == set(ALGORITHMS)
    assert max(counts.values()) - min(counts.values()) <= 1
    assert all(i["algorithm"] == algorithm_for(i["index"], 5) for i in insts)
    # every 30 consecutive instances cover each algorithm once
    assert all(len({algorithm_for(i, size) for i in range(s, s + 30)}) == 30 for size in (4, 16) for s in (0, 7))


def test_remainders_fall_on_different_algorithms_at_different_sizes():
    """The plan's 500 spread over 4 lengths (125 each): a fixed order gave the first five algorithms (the sorts)
    20 instances and the others 16; the order per size keeps every algorithm within 16..18."""
    counts = Counter(algorithm_for(i, size) for size in DEFAULT_SIZES for i in range(125))
    assert set(counts) == set(ALGORITHMS)
    assert min(counts.values()) == 16 and max(counts.values()) <= 18
    assert len({algorithm_order(size) for size in DEFAULT_SIZES}) == len(DEFAULT_SIZES)


def test_generation_is_deterministic_and_seed_dependent():
    a = json.dumps(generate("clrs30", 8, 0, 60), sort_keys=True)
    b = json.dumps(generate("clrs30", 8, 0, 60), sort_keys=True)
    c = generate("clrs30", 8, 1, 60)
    assert a == b
    assert sum(x["data"] != y["data"] for x, y in zip(json.loads(a), c)) >= 55
    # instance i does not depend on n
    assert generate("clrs30", 8, 0, 31)[30] == json.loads(a)[30]


def test_plan_grid_generates_in_seconds():
    start = time.perf_counter()
    count = 0
    for seed in (0, 1, 2):
        for size in DEFAULT_SIZES:
            count += len(generate("clrs30", size, seed, 500))
    elapsed = time.perf_counter() - start
    print(f"clrs30: {count} instances in {elapsed:.2f} s ({count / elapsed:.0f}/s)")
    assert elapsed < 30


def test_cli_generates_and_rejects_sizes_out_of_range(tmp_path, python):
    out = tmp_path / "clrs30" / "{size}" / "seed0.jsonl"
    env_cmd = [python, "-m", "codenl", "generate", "--kind", "clrs30", "--seed", "0", "--n", "31"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        env_cmd + ["--size", "4", "16", "--out", str(out)], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "clrs30" / "16" / "seed0.jsonl").read_text().splitlines()
    assert len(lines) == 31 and json.loads(lines[30])["algorithm"] == algorithm_for(0, 16)
    bad = subprocess.run(
        env_cmd + ["--size", "33", "--out", str(tmp_path / "x.jsonl")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert bad.returncode == 2 and "size" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


# ============================================================================================ gold and shape
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_gold_is_typed_and_grades_correct(algorithm):
    for inst in instances_of(algorithm):
        assert inst["algorithm"] == algorithm and inst["kind"] == "clrs30" and inst["family"] == "clrs"
        assert conforms(inst["answer"], inst["answer_type"]), (inst["answer_type"], inst["answer"])
        assert inst["statement"] and inst["answer_format"].startswith("a ")
        verdict = grade(inst, inst["answer"])
        assert verdict.correct and verdict.reason == ""


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_statement_holds_every_input_number(algorithm):
    def ints(value: Any) -> set[int]:
        if isinstance(value, bool):
            return set()
        if isinstance(value, int):
            return {value}
        if isinstance(value, list):
            return set().union(*(ints(v) for v in value)) if value else set()
        if isinstance(value, dict):
            return set().union(*(ints(v) for v in value.values())) if value else set()
        return set()

    for inst in instances_of(algorithm, per_size=2):
        tokens = {int(t) for t in re.findall(r"-?\d+", inst["statement"])}
        missing = ints({k: v for k, v in inst["data"].items() if k != "directed"}) - tokens
        assert not missing, missing
        for key in ("text", "pattern", "x", "y"):
            if isinstance(inst["data"].get(key), str):
                assert f'"{inst["data"][key]}"' in inst["statement"]


@pytest.mark.parametrize("algorithm", ["bellman_ford", "dag_shortest_paths", "dijkstra", "floyd_warshall"])
def test_statement_tells_the_truth_about_the_signs_of_the_weights(algorithm):
    """v2 said "some weights are negative" on 12% of the plan's bellman_ford instances that had none."""
    for seed in (0, 1, 2):
        for inst in instances_of(algorithm, sizes=DEFAULT_SIZES, per_size=5, seed=seed):
            weights = [w for _, _, w in inst["data"]["edges"]]
            if "weights are negative" in inst["statement"]:
                assert min(weights) < 0, inst["statement"]
            if "All weights are positive" in inst["statement"]:
                assert min(weights) > 0, inst["statement"]


WRONG_TYPES = [None, "", "42", True, 1.5, {"answer": 1}, [None], [[["deep"]]], [True, False], -(10**30)]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_mistyped_answers_grade_wrong_with_a_reason(algorithm):
    for inst in instances_of(algorithm, sizes=(4, 12), per_size=2):
        for bad in WRONG_TYPES:
            if bad == inst["answer"]:
                continue
            verdict = grade(inst, bad)
            assert not verdict.correct and verdict.reason, (bad, verdict)


def _bump(value: Any, rng: random.Random) -> Any:
    """Change one number (or flip one bool) somewhere in a nested answer."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + rng.choice((-1, 1))
    value = json.loads(json.dumps(value))
    i = rng.randrange(len(value))
    value[i] = _bump(value[i], rng)
    return value


EXACT = {
    "insertion_sort",
    "bubble_sort",
    "heapsort",
    "quicksort",
    "quickselect",
    "minimum",
    "binary_search",
    "matrix_chain_order",
    "lcs_length",
    "optimal_bst",
    "task_scheduling",
    "dfs",
    "bellman_ford",
    "dijkstra",
    "dag_shortest_paths",
    "floyd_warshall",
    "naive_string_matcher",
    "kmp_matcher",
    "segments_intersect",
    "articulation_points",
    "strongly_connected_components",
    "bridges",
    "graham_scan",
    "jarvis_march",
}


@pytest.mark.parametrize("algorithm", sorted(EXACT))
def test_perturbed_answers_grade_wrong(algorithm):
    rng = random.Random(algorithm)
    seen = 0
    for inst in instances_of(algorithm):
        gold = inst["answer"]
        candidates = []
        if gold != [] and not (isinstance(gold, list) and all(g == [] for g in gold)):
            candidates += [_bump(gold, rng) for _ in range(3)]
        if isinstance(gold, list):
            candidates += [gold + gold[:1] if gold else [0], gold[:-1]]
        for cand in candidates:
            if cand == gold:
                continue
            verdict = grade(inst, cand)
            assert not verdict.correct and verdict.reason, (cand, gold)
            seen += 1
    assert seen >= 20


# --------------------------------------------------------------------------- algorithms with several valid outputs
def test_max_subarray_accepts_any_maximum_block_and_rejects_others():
    other_valid = wrong_blocks = 0
    for inst in instances_of("find_maximum_subarray", per_size=8):
        a = inst["data"]["array"]
        best = inst["answer"][2]
        for lo in range(len(a)):
            for hi in range(lo, len(a)):
                s = sum(a[lo : hi + 1])
                assert is_correct(inst, [lo, hi, s]) == (s == best)
                other_valid += s == best and [lo, hi] != inst["answer"][:2]
                wrong_blocks += s != best
        assert not is_correct(inst, inst["answer"][:2] + [best + 1])
        assert not is_correct(inst, [inst["answer"][1], inst["answer"][0] - 1, best])
        assert not is_correct(inst, [0, len(a), best])
    assert other_valid > 0 and wrong_blocks > 0


def test_activity_selector_accepts_every_maximum_set():
    others = 0
    for inst in instances_of("activity_selector", sizes=(4, 7, 10), per_size=6):
        s, f = inst["data"]["start"], inst["data"]["finish"]
        n, best = len(s), len(inst["answer"])
        for r in range(best - 1, best + 2):
            for subset in itertools.combinations(range(n), r):
                ok = all(f[i] <= s[j] or f[j] <= s[i] for i, j in itertools.combinations(subset, 2))
                assert is_correct(inst, list(subset)) == (ok and r == best)
                others += ok and r == best and list(subset) != inst["answer"]
        assert not is_correct(inst, inst["answer"] + inst["answer"][:1])
        assert not is_correct(inst, inst["answer"][:-1] + [n])
    assert others > 0


def test_bfs_accepts_any_breadth_first_tree_only():
    others = 0
    for inst in instances_of("bfs", per_size=6):
        n, src = inst["data"]["n"], inst["data"]["source"]
        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(map(tuple, inst["data"]["edges"]))
        dist = nx.single_source_shortest_path_length(g, src)
        gold = inst["answer"]
        for v in range(n):
            for p in [-1] + list(range(n)):
                cand = list(gold)
                cand[v] = p
                valid = (p == -1) if (v == src or v not in dist) else (p in g[v] and dist.get(p) == dist[v] - 1)
                assert is_correct(inst, cand) == valid, (v, p)
                others += valid and p != gold[v]
    assert others > 0


def test_topological_sort_accepts_every_valid_order():
    others = 0
    for inst in instances_of("topological_sort", sizes=(4, 6), per_size=5):
        n = inst["data"]["n"]
        edges = [tuple(e) for e in inst["data"]["edges"]]
        for perm in itertools.permutations(range(n)):
            pos = {v: i for i, v in enumerate(perm)}
            valid = all(pos[u] < pos[v] for u, v in edges)
            assert is_correct(inst, list(perm)) == valid
            others += valid and list(perm) != inst["answer"]
        assert not is_correct(inst, inst["answer"][:-1] + inst["answer"][:1])
    assert others > 0


def test_set_answers_accept_any_order():
    for inst in instances_of("articulation_points"):
        assert is_correct(inst, inst["answer"][::-1])
    for inst in instances_of("bridges"):
        assert is_correct(inst, [[v, u] for u, v in inst["answer"][::-1]])
        if inst["answer"]:
            assert not is_correct(inst, inst["answer"] + inst["answer"][:1])
    for inst in instances_of("strongly_connected_components"):
        comps = [c[::-1] for c in inst["answer"][::-1]]
        assert is_correct(inst, comps)
        if len(comps) > 1:
            merged = [comps[0] + comps[1]] + comps[2:]
            assert not is_correct(inst, merged)
        big = next((c for c in comps if len(c) > 1), None)
        if big:
            split = [c for c in comps if c is not big] + [big[:1], big[1:]]
            assert not is_correct(inst, split)


def _tree_weight(edges, tree) -> int:
    w = {frozenset((u, v)): x for u, v, x in edges}
    return sum(w[frozenset(e)] for e in tree)


def test_mst_graders_accept_every_minimum_tree_and_nothing_else():
    others = 0
    for algorithm in ("mst_kruskal", "mst_prim"):
        for inst in instances_of(algorithm, sizes=(4, 5, 6), per_size=6):
            n, edges = inst["data"]["n"], inst["data"]["edges"]
            g = nx.Graph()
            g.add_weighted_edges_from(map(tuple, edges))
            best = nx.minimum_spanning_tree(g).size(weight="weight")
            for tree in itertools.combinations([(u, v) for u, v, _ in edges], n - 1):
                t = nx.Graph(list(tree))
                spanning = t.number_of_nodes() == n and nx.is_tree(t)
                valid = spanning and _tree_weight(edges, tree) == best
                if algorithm == "mst_kruskal":
                    answer = [list(e) for e in tree]
                elif spanning:  # the tree as a predecessor array rooted at 0
                    answer = [-1] * n
                    for child, parent in nx.bfs_predecessors(t, 0):
                        answer[child] = parent
                else:
                    continue
                assert is_correct(inst, answer) == valid, (tree, answer)
                others += valid and answer != inst["answer"]
            if algorithm == "mst_kruskal":
                assert not is_correct(inst, inst["answer"][:-1])
                assert not is_correct(inst, inst["answer"][:-1] + inst["answer"][:1])
            else:
                bad = list(inst["answer"])
                bad[0] = 1
                assert not is_correct(inst, bad)
    assert others > 0


def test_hull_accepts_rotations_but_not_reversal_or_missing_corners():
    for algorithm in ("graham_scan", "jarvis_march"):
        for inst in instances_of(algorithm):
            hull = inst["answer"]
            for k in range(len(hull)):
                assert is_correct(inst, hull[k:] + hull[:k])
            assert not is_correct(inst, hull[::-1])
            assert not is_correct(inst, hull[:-1])
            inside = [p for p in inst["data"]["points"] if p not in hull]
            if inside:
                assert not is_correct(inst, hull + inside[:1])


def test_unknown_algorithm_is_a_record_error():
    from codenl.errors import RecordError

    inst = instance_of("minimum", 4)
    inst["algorithm"] = "bogosort"
    with pytest.raises(RecordError, match="algorithm"):
        grade(inst, 0)


# ============================================================================================ second methods
def _rng(i: int) -> random.Random:
    return instance_rng("clrs30-test", 0, 0, i, "t")


def _problems(algorithm: str, sizes, count: int):
    for i in range(count):
        size = sizes[i % len(sizes)]
        yield ALGOS[algorithm].make(size, _rng(i))


@pytest.mark.parametrize("algorithm", ["insertion_sort", "bubble_sort", "heapsort", "quicksort"])
def test_sorts_agree_with_sorted(algorithm):
    solver = sorting.SOLVERS[algorithm][0]
    for p in _problems(algorithm, (4, 9, 32), 60):
        assert p.answer == sorted(p.data["array"])
    assert solver([]) == [] and solver([1]) == [1] and solver([2, 1, 2, 1]) == [1, 1, 2, 2]


def test_searching_agrees_with_builtins():
    for p in _problems("quickselect", (4, 9, 32), 100):
        assert p.answer == sorted(p.data["array"])[p.data["k"] - 1]
    for p in _problems("minimum", (4, 9, 32), 100):
        a = p.data["array"]
        assert p.answer == a.index(min(a))
    found = 0
    for p in _problems("binary_search", (4, 9, 32), 100):
        assert p.answer == bisect.bisect_left(p.data["array"], p.data["x"])
        found += p.data["x"] in p.data["array"]
    assert 25 < found < 75


def test_max_subarray_agrees_with_brute_force_and_kadane():
    for p in _problems("find_maximum_subarray", (4, 9, 20), 100):
        a = p.data["array"]
        brute = max(sum(a[i : j + 1]) for i in range(len(a)) for j in range(i, len(a)))
        best = cur = a[0]
        for x in a[1:]:
            cur = max(x, cur + x)
            best = max(best, cur)
        low, high, total = p.answer
        assert total == brute == best == sum(a[low : high + 1])


def _chain_brute(p: list[int], i: int, j: int) -> int:
    if i == j:
        return 0
    return min(_chain_brute(p, i, k) + _chain_brute(p, k + 1, j) + p[i - 1] * p[k] * p[j] for k in range(i, j))


def test_matrix_chain_agrees_with_brute_force():
    for p in _problems("matrix_chain_order", (4, 5, 7), 30):
        dims = p.data["p"]
        assert p.answer == _chain_brute(dims, 1, len(dims) - 1)
    assert dynamic.matrix_chain_order([10, 100, 5, 50]) == 7500  # CLRS's example
    assert dynamic.matrix_chain_order([30, 35, 15, 5, 10, 20, 25]) == 15125  # CLRS figure 15.5


def test_lcs_agrees_with_brute_force():
    for p in _problems("lcs_length", (4, 6, 9), 30):
        x, y = p.data["x"], p.data["y"]
        best = 0
        for r in range(len(x), 0, -1):
            if any(_is_subsequence(c, y) for c in itertools.combinations(x, r)):
                best = r
                break
        assert p.answer == best
    assert dynamic.lcs_length("ABCBDAB", "BDCABA") == 4  # CLRS's example


def _is_subsequence(chars, y: str) -> bool:
    it = iter(y)
    return all(c in it for c in chars)


def _bst_brute(p: list[int], q: list[int], i: int, j: int, depth: int) -> int:
    """Min cost of keys k_i..k_j (1-based) placed at ``depth``, dummies d_{i-1}..d_j below them."""
    if j < i:
        return (depth + 1) * q[i - 1]
    return min(
        (depth + 1) * p[r - 1] + _bst_brute(p, q, i, r - 1, depth + 1) + _bst_brute(p, q, r + 1, j, depth + 1)
        for r in range(i, j + 1)
    )


def test_optimal_bst_agrees_with_brute_force():
    for prob in _problems("optimal_bst", (4, 5, 6), 24):
        p, q = prob.data["p"], prob.data["q"]
        assert prob.answer == _bst_brute(p, q, 1, len(p), 0)
    # CLRS figure 15.10 with the probabilities scaled by 100: expected cost 2.75
    assert dynamic.optimal_bst([15, 10, 5, 10, 20], [5, 10, 5, 5, 5, 10]) == 275


def test_activity_selector_agrees_with_brute_force():
    for p in _problems("activity_selector", (4, 8, 12), 30):
        s, f = p.data["start"], p.data["finish"]
        n = len(s)
        best = max(
            r
            for r in range(n + 1)
            for c in itertools.combinations(range(n), r)
            if all(f[i] <= s[j] or f[j] <= s[i] for i, j in itertools.combinations(c, 2))
        )
        assert len(p.answer) == best


def test_task_scheduling_agrees_with_every_schedule():
    for p in _problems("task_scheduling", (4, 5, 7), 24):
        d, w = p.data["deadlines"], p.data["penalties"]
        best = min(
            sum(w[task] for slot, task in enumerate(order, start=1) if slot > d[task])
            for order in itertools.permutations(range(len(d)))
        )
        assert p.answer == best
    # CLRS section 16.5 example: penalty 50
    assert greedy.task_scheduling([4, 2, 4, 3, 1, 4, 6], [70, 60, 50, 40, 30, 20, 10]) == 50


def _digraph(data) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(data["n"]))
    for e in sorted(map(tuple, data["edges"])):
        if len(e) == 3:
            g.add_edge(e[0], e[1], weight=e[2])
        else:
            g.add_edge(*e)
    return g


def _graph(data) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(data["n"]))
    for e in data["edges"]:
        if len(e) == 3:
            g.add_edge(e[0], e[1], weight=e[2])
        else:
            g.add_edge(e[0], e[1])
    return g


def _sorted_adjacency(g: nx.Graph) -> nx.Graph:
    """A copy whose neighbour iteration order is increasing (networkx follows insertion order)."""
    h = g.__class__()
    h.add_nodes_from(range(g.number_of_nodes()))
    h.add_edges_from(sorted((u, v) for u in g for v in g[u]))
    return h


def test_dfs_agrees_with_networkx():
    for p in _problems("dfs", (4, 9, 16, 32), 60):
        g = _sorted_adjacency(_digraph(p.data))
        preds = nx.dfs_predecessors(g)
        assert p.answer == [preds.get(v, -1) for v in range(p.data["n"])]


def test_bfs_agrees_with_networkx():
    for p in _problems("bfs", (4, 9, 16, 32), 60):
        g = _sorted_adjacency(_graph(p.data))
        preds = dict(nx.bfs_predecessors(g, p.data["source"]))
        assert p.answer == [preds.get(v, -1) for v in range(p.data["n"])]


def test_topological_sort_agrees_with_networkx():
    for p in _problems("topological_sort", (4, 9, 32), 60):
        g = _sorted_adjacency(_digraph(p.data))
        assert nx.is_directed_acyclic_graph(g)
        pos = {v: i for i, v in enumerate(p.answer)}
        assert sorted(p.answer) == list(g.nodes) and all(pos[u] < pos[v] for u, v in g.edges)
        assert p.answer == list(nx.dfs_postorder_nodes(g))[::-1]  # CLRS: decreasing finishing time


def test_articulation_points_and_bridges_agree_with_networkx():
    nonempty = 0
    for p in _problems("articulation_points", (4, 9, 16, 32), 60):
        assert p.answer == sorted(nx.articulation_points(_graph(p.data)))
        nonempty += bool(p.answer)
    for p in _problems("bridges", (4, 9, 16, 32), 60):
        assert p.answer == sorted(sorted(e) for e in nx.bridges(_graph(p.data)))
        nonempty += bool(p.answer)
    assert nonempty > 100  # instances are not degenerate


def test_scc_agrees_with_networkx():
    nontrivial = 0
    for p in _problems("strongly_connected_components", (4, 9, 16, 32), 60):
        expected = sorted(sorted(c) for c in nx.strongly_connected_components(_digraph(p.data)))
        assert p.answer == expected
        nontrivial += 1 < len(p.answer) < p.data["n"]
    assert nontrivial > 45


def test_mst_weights_agree_with_networkx():
    for algorithm in ("mst_kruskal", "mst_prim"):
        for p in _problems(algorithm, (4, 9, 16, 32), 40):
            g = _graph(p.data)
            best = nx.minimum_spanning_tree(g).size(weight="weight")
            tree = p.answer if algorithm == "mst_kruskal" else [[v, u] for v, u in enumerate(p.answer) if u >= 0]
            t = nx.Graph([tuple(e) for e in tree])
            assert nx.is_tree(t) and t.number_of_nodes() == p.data["n"]
            assert all(g.has_edge(*e) for e in t.edges)
            assert _tree_weight(p.data["edges"], tree) == best


@pytest.mark.parametrize("algorithm", ["bellman_ford", "dijkstra", "dag_shortest_paths"])
def test_single_source_distances_agree_with_networkx(algorithm):
    negative = 0
    for p in _problems(algorithm, (4, 9, 16, 32), 60):
        g = _digraph(p.data)
        lengths = nx.single_source_bellman_ford_path_length(g, p.data["source"])
        assert p.answer == [lengths[v] for v in range(p.data["n"])]
        if algorithm == "dijkstra":
            assert lengths == nx.single_source_dijkstra_path_length(g, p.data["source"])
        if algorithm == "dag_shortest_paths":
            assert nx.is_directed_acyclic_graph(g)
        negative += any(e[2] < 0 for e in p.data["edges"])
        assert not nx.negative_edge_cycle(g)
    if algorithm != "dijkstra":
        assert negative > 50


def test_floyd_warshall_agrees_with_networkx():
    for p in _problems("floyd_warshall", (4, 9, 16, 32), 40):
        n = p.data["n"]
        lengths = dict(nx.all_pairs_dijkstra_path_length(_digraph(p.data)))
        assert p.answer == [[lengths[i].get(j, -1) for j in range(n)] for i in range(n)]


def _find_all(text: str, pattern: str) -> list[int]:
    out, i = [], text.find(pattern)
    while i >= 0:
        out.append(i)
        i = text.find(pattern, i + 1)
    return out


def test_string_matchers_agree_with_str_find():
    hits = 0
    for algorithm in ("naive_string_matcher", "kmp_matcher"):
        for p in _problems(algorithm, (4, 9, 16, 32), 60):
            assert p.answer == _find_all(p.data["text"], p.data["pattern"])
            hits += bool(p.answer)
    assert 60 < hits < 120


def _segments_intersect_fractions(a, b, c, d) -> bool:
    """Second method: solve a + t(b-a) = c + u(d-c) exactly; collinear segments by interval overlap."""
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = a, b, c, d
    rx, ry, sx, sy = bx - ax, by - ay, dx - cx, dy - cy
    denom = rx * sy - ry * sx
    qx, qy = cx - ax, cy - ay
    if denom != 0:
        t = Fraction(qx * sy - qy * sx, denom)
        u = Fraction(qx * ry - qy * rx, denom)
        return 0 <= t <= 1 and 0 <= u <= 1
    if qx * ry - qy * rx != 0:
        return False  # parallel, not on one line
    rr = rx * rx + ry * ry
    t0 = Fraction(qx * rx + qy * ry, rr)
    t1 = t0 + Fraction(sx * rx + sy * ry, rr)
    return max(min(t0, t1), 0) <= min(max(t0, t1), 1)


def test_segments_agree_with_exact_parametric_solution_and_are_balanced():
    trues = total = 0
    for p in _problems("segments_intersect", (4, 9, 32), 40):
        for quad, answer in zip(p.data["pairs"], p.answer):
            assert answer == _segments_intersect_fractions(*quad)
            trues += answer
            total += 1
    assert 0.4 < trues / total < 0.6


def _scipy_hull(points) -> list[list[int]]:
    hull = ConvexHull(points)
    corners = [list(map(int, points[i])) for i in hull.vertices]  # counter-clockwise in 2-D
    start = corners.index(min(corners, key=lambda q: (q[1], q[0])))
    return corners[start:] + corners[:start]


def test_hulls_agree_with_scipy_and_each_other():
    for algorithm in ("graham_scan", "jarvis_march"):
        for p in _problems(algorithm, (4, 5, 9, 16, 32), 60):
            pts = [tuple(q) for q in p.data["points"]]
            assert p.answer == _scipy_hull(p.data["points"])
            assert [list(q) for q in geometry.graham_scan(pts)] == [list(q) for q in geometry.jarvis_march(pts)]
    # collinear points on the hull's edges are excluded
    square = [(0, 0), (2, 0), (4, 0), (4, 2), (4, 4), (2, 4), (0, 4), (0, 2), (2, 2)]
    assert geometry.graham_scan(square) == geometry.jarvis_march(square) == [(0, 0), (4, 0), (4, 4), (0, 4)]


# ============================================================================================ property tests
@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-(10**6), 10**6), max_size=40))
def test_property_every_sort_equals_sorted(a):
    for solver, _ in sorting.SOLVERS.values():
        assert solver(a) == sorted(a)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-50, 50), min_size=1, max_size=30), st.data())
def test_property_quickselect_and_binary_search(a, data):
    k = data.draw(st.integers(1, len(a)))
    assert searching.quickselect(a, k) == sorted(a)[k - 1]
    x = data.draw(st.integers(-60, 60))
    assert searching.lower_bound(sorted(a), x) == bisect.bisect_left(sorted(a), x)


@settings(max_examples=200, deadline=None)
@given(st.text("ab", max_size=30), st.text("ab", min_size=1, max_size=5))
def test_property_kmp_equals_naive_equals_find(text, pattern):
    expected = _find_all(text, pattern)
    assert strings.kmp_matcher(text, pattern) == strings.naive_string_matcher(text, pattern) == expected


@settings(max_examples=100, deadline=None)
@given(st.text("ACG", max_size=12), st.text("ACG", max_size=12))
def test_property_lcs_symmetric_and_bounded(x, y):
    n = dynamic.lcs_length(x, y)
    assert n == dynamic.lcs_length(y, x) <= min(len(x), len(y))
    assert dynamic.lcs_length(x, x) == len(x)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-30, 30), min_size=1, max_size=25))
def test_property_max_subarray_is_maximal(a):
    low, high, total = divide_conquer.find_maximum_subarray(a)
    assert sum(a[low : high + 1]) == total
    assert all(sum(a[i : j + 1]) <= total for i in range(len(a)) for j in range(i, len(a)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=3, max_size=25, unique=True))
def test_property_hull_contains_every_point(points):
    if all(geometry.cross(points[0], points[1], p) == 0 for p in points[2:]):
        return
    hull = geometry.graham_scan(points)
    assert hull == geometry.jarvis_march(points)
    m = len(hull)
    for i in range(m):
        a, b, c = hull[i], hull[(i + 1) % m], hull[(i + 2) % m]
        assert geometry.cross(a, b, c) > 0  # strictly convex: no collinear corner
        assert all(geometry.cross(a, b, p) >= 0 for p in points)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 9), st.data())
def test_property_floyd_warshall_matches_dijkstra_from_each_vertex(n, data):
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    chosen = data.draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
    edges = [[u, v, data.draw(st.integers(1, 9))] for u, v in chosen]
    matrix = graphs.floyd_warshall(n, edges)
    for s in range(n):
        dist = graphs.dijkstra(n, edges, s)
        assert matrix[s] == [-1 if d is None else d for d in dist]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-40, 40) | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=20,
)
# near misses: the right container shapes with arbitrary (often out-of-range) numbers
shaped = (
    st.lists(st.integers(-3, 12), max_size=8)
    | st.lists(st.lists(st.integers(-3, 12), max_size=3), max_size=8)
    | st.lists(st.booleans(), max_size=8)
)


@functools.cache
def _small_instance(algorithm: str, k: int) -> dict[str, Any]:
    return instance_of(algorithm, 5, k=k)


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(ALGORITHMS), st.integers(0, 2), json_values | shaped)
def test_property_graders_never_raise(algorithm, k, answer):
    inst = _small_instance(algorithm, k)
    verdict = grade(inst, answer)
    assert isinstance(verdict.correct, bool)
    if not verdict.correct:
        assert verdict.reason


# ============================================================================================ non-degenerate
def test_answers_are_not_degenerate():
    insts = [i for size in DEFAULT_SIZES for i in generate("clrs30", size, 0, 300)]
    assert all(grade(i, i["answer"]).correct for i in insts)
    by = {a: [i for i in insts if i["algorithm"] == a] for a in ALGORITHMS}
    assert all(i["answer"] > 0 for i in by["task_scheduling"])
    assert sum(len(i["answer"]) > 1 for i in by["activity_selector"]) >= 0.9 * len(by["activity_selector"])
    assert sum(i["answer"][0] != i["answer"][1] for i in by["find_maximum_subarray"]) >= 0.6 * len(
        by["find_maximum_subarray"]
    )
    assert sum(i["answer"] > 0 for i in by["minimum"]) >= 0.5 * len(by["minimum"])
    assert len({i["answer"] for i in by["binary_search"]}) > 5


def test_instances_match_the_instance_schema():
    import jsonschema

    schema = json.loads((ROOT / "workflow" / "schemas" / "instance.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for size in (4, 32):
        for inst in generate("clrs30", size, 2, 30):
            errors = [e.message for e in validator.iter_errors(json.loads(json.dumps(inst)))]
            assert not errors, (inst["algorithm"], errors)
