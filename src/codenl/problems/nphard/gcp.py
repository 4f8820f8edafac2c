"""gcp (optimisation: a colouring with the fewest colours) and gcp_d (decision: is the graph k-colourable?).

Size = number of vertices. Graphs are random G(n, p) graphs with p drawn from [0.3, 0.55], redrawn until the
chromatic number is at least 3 (so no instance is a bipartite triviality and gcp_d's k is at least 3).
The chromatic number is exact: DSATUR branch and bound, seeded with a greedy DSATUR colouring as the upper bound
and a greedily grown clique as the lower bound (never a greedy colouring alone).

``data`` (both kinds): ``n`` (vertices 0..n-1), ``edges`` ``[[u, v], ...]`` with ``u < v``, sorted, no repeats;
``chromatic_number`` (not shown to the model); gcp_d also ``k``.

gcp ``answer``: one optimal colouring, ``list[int]``: the colour of vertex i at index i, colours numbered from 0.
Grading: one integer per vertex, adjacent vertices differ, and the number of distinct colours equals the
chromatic number; any optimal colouring (e.g. with the colours permuted) is correct. The colour numbers
themselves are not checked beyond being integers: only how many distinct ones are used.

gcp_d ``answer``: ``true`` when the vertices can be coloured with at most ``k`` colours (``bool``). ``k`` is the
chromatic number of a reference graph drawn as above, whatever the answer; even-indexed instances (True) ask about
that graph (chromatic number ``k``), odd-indexed ones (False) about a uniform random graph with as many edges,
redrawn until its chromatic number is ``k + 1`` (:func:`graph_with_chromatic_and_edges`; the reference is redrawn
when none is found, and after :data:`EDGE_MATCH_REFERENCES` references, which happens on tiny graphs only, the
False graph is drawn with any number of edges by :func:`graph_with_chromatic`). Every shard is balanced, every question
is tight, and ``k`` and the number of edges have the
same distribution for both answers, so neither gives the answer away. (Version 1 asked with ``k = chi - 1`` for
False instances of the same graphs: "true iff k >= 3" then scored 92% at 6 vertices; in version 2 False graphs
were denser, and "true iff at most so many edges" scored 92%, 80%, 75% at 6, 9, 12 vertices.)

Standard heuristic (:meth:`Kind.heuristics`): the largest-degree-first greedy colouring
(:func:`largest_degree_first`); DSATUR is reported beside it. From :data:`HARD_MIN_VERTICES` (6) vertices on,
gcp's odd-indexed instances and gcp_d's reference graphs (so every True instance) are graphs on which that
colouring uses more colours than the chromatic number (:func:`greedy_hard_graph`): it solves about half of gcp or
less, and "true iff it uses at most k colours" is right on the False half of gcp_d only. From
:data:`DSATUR_HARD_MIN_VERTICES` (12, the plan's hardest level) vertices on, those graphs defeat DSATUR as well. Below 6
vertices it is
optimal on every graph (checked exhaustively on 5 vertices), so those sizes are easy by necessity
(docs/baselines.md).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from typing import Any

from codenl.problems.base import Kind, Problem, Verdict
from codenl.problems.nphard._common import CORRECT, FAMILY, bool_verdict, edge_lines, int_list, wrong

MIN_CHROMATIC = 3


def neighbours(n: int, edges: Sequence[Sequence[int]]) -> list[set[int]]:
    adj: list[set[int]] = [set() for _ in range(n)]
    for u, v in edges:
        adj[u].add(v)
        adj[v].add(u)
    return adj


def greedy_clique(adj: Sequence[set[int]]) -> list[int]:
    """A clique grown greedily from every start vertex (by degree); the largest one found."""
    best: list[int] = []
    for start in range(len(adj)):
        clique = [start]
        candidates = set(adj[start])
        while candidates:
            v = max(candidates, key=lambda u: (len(adj[u] & candidates), -u))
            clique.append(v)
            candidates &= adj[v]
        if len(clique) > len(best):
            best = clique
    return best


def dsatur_greedy(adj: Sequence[set[int]]) -> list[int]:
    """A proper colouring by DSATUR (an upper bound, not necessarily optimal)."""
    n = len(adj)
    colour = [-1] * n
    for _ in range(n):
        v = max(
            (u for u in range(n) if colour[u] < 0),
            key=lambda u: (len({colour[w] for w in adj[u] if colour[w] >= 0}), len(adj[u]), -u),
        )
        used = {colour[w] for w in adj[v]}
        colour[v] = next(c for c in range(n) if c not in used)
    return colour


def chromatic_colouring(n: int, edges: Sequence[Sequence[int]]) -> tuple[int, list[int]]:
    """``(chromatic number, an optimal colouring with colours 0..chi-1)``, exact (DSATUR branch and bound)."""
    if n == 0:
        return 0, []
    adj = neighbours(n, edges)
    best = dsatur_greedy(adj)
    best_k = len(set(best))
    lower = max(1, len(greedy_clique(adj)))
    if best_k == lower:
        return best_k, _normalise(best)
    colour = [-1] * n
    # forbidden[v][c]: how many coloured neighbours of v have colour c
    forbidden = [[0] * n for _ in range(n)]

    def search(coloured: int, used: int) -> bool:
        nonlocal best, best_k
        if coloured == n:
            best, best_k = colour[:], used
            return best_k == lower
        # the uncoloured vertex with most distinct neighbour colours, then most uncoloured neighbours
        v = -1
        key = (-1, -1)
        for u in range(n):
            if colour[u] < 0:
                k = (sum(1 for c in range(used) if forbidden[u][c]), sum(1 for w in adj[u] if colour[w] < 0))
                if k > key:
                    v, key = u, k
        for c in range(min(used + 1, best_k - 1)):
            if c >= best_k - 1:  # a better colouring was found meanwhile
                break
            if forbidden[v][c]:
                continue
            colour[v] = c
            for w in adj[v]:
                forbidden[w][c] += 1
            done = search(coloured + 1, max(used, c + 1))
            for w in adj[v]:
                forbidden[w][c] -= 1
            colour[v] = -1
            if done:
                return True
        return False

    search(0, 0)
    return best_k, _normalise(best)


def _normalise(colouring: Sequence[int]) -> list[int]:
    """Renumber colours 0, 1, 2, ... in order of first appearance."""
    mapping: dict[int, int] = {}
    return [mapping.setdefault(c, len(mapping)) for c in colouring]


def brute_force_chromatic(n: int, edges: Sequence[Sequence[int]]) -> int:
    """Chromatic number by trying every colouring with k = 1, 2, ... colours (tests, small n only)."""
    if n == 0:
        return 0
    for k in range(1, n + 1):
        for colouring in itertools.product(range(k), repeat=n):
            if all(colouring[u] != colouring[v] for u, v in edges):
                return k
    raise AssertionError("unreachable: n colours always suffice")


def random_graph(n: int, rng: random.Random) -> list[list[int]]:
    """Edges of G(n, p) with p in [0.3, 0.55], redrawn until the chromatic number is at least 3."""
    while True:
        p = rng.uniform(0.30, 0.55)
        edges = [[u, v] for u in range(n) for v in range(u + 1, n) if rng.random() < p]
        if chromatic_colouring(n, edges)[0] >= MIN_CHROMATIC:
            return edges


def graph_with_chromatic(n: int, target: int, rng: random.Random) -> list[list[int]]:
    """Edges of a G(n, p) graph whose chromatic number is exactly ``target`` (``1 <= target <= n``).

    Rejection sampling that starts at a density drawn like :func:`random_graph`'s and moves it a step towards
    the target after each miss (denser when the chromatic number is too low, sparser when too high), so that
    every target up to ``n`` is reached in a few draws.
    """
    if not 1 <= target <= n:
        raise ValueError(f"no graph on {n} vertices has chromatic number {target}")
    p = rng.uniform(0.30, 0.55)
    while True:
        edges = [[u, v] for u in range(n) for v in range(u + 1, n) if rng.random() < p]
        chi = chromatic_colouring(n, edges)[0]
        if chi == target:
            return edges
        p = min(1.0, p + 0.05) if chi < target else max(0.0, p - 0.05)


def largest_degree_first(n: int, edges: Sequence[Sequence[int]]) -> list[int]:
    """The standard greedy colouring (Welsh-Powell): vertices by decreasing degree (ties: the lowest index), each
    given the smallest colour none of its coloured neighbours has."""
    adj = neighbours(n, edges)
    colour = [-1] * n
    for v in sorted(range(n), key=lambda u: (-len(adj[u]), u)):
        used = {colour[w] for w in adj[v]}
        colour[v] = next(c for c in range(n) if c not in used)
    return colour


#: fewest vertices at which the largest-degree-first colouring can fail on a graph of chromatic number >= 3
#: (exhaustive: never on 5 vertices; on 110 of the 27,591 labelled 6-vertex graphs)
HARD_MIN_VERTICES = 6
#: from this many vertices on, hard graphs must also defeat DSATUR (on fewer vertices it almost never fails)
DSATUR_HARD_MIN_VERTICES = 12
#: relabellings of one drawn graph tried before drawing another (the colourings' ties follow the labels)
RELABELLINGS = 30


def defeats_greedy(n: int, edges: Sequence[Sequence[int]], chi: int) -> bool:
    """The largest-degree-first colouring (and, from :data:`DSATUR_HARD_MIN_VERTICES` vertices on, DSATUR too)
    uses more than ``chi`` colours."""
    if len(set(largest_degree_first(n, edges))) <= chi:
        return False
    return n < DSATUR_HARD_MIN_VERTICES or len(set(dsatur_greedy(neighbours(n, edges)))) > chi


def greedy_hard_graph(n: int, rng: random.Random) -> tuple[list[list[int]], int]:
    """``(edges, chromatic number)`` of a graph drawn like :func:`random_graph` that :func:`defeats_greedy`: each
    drawn graph is tried under the identity and :data:`RELABELLINGS` random relabellings of its vertices, then
    redrawn (acceptance in docs/baselines.md)."""
    if n < HARD_MIN_VERTICES:
        raise ValueError(f"the largest-degree-first colouring is optimal on every graph of {n} vertices")
    while True:
        edges = random_graph(n, rng)
        chi = chromatic_colouring(n, edges)[0]
        # Welsh and Powell: under any labels, the i-th vertex by degree (from 1) gets a colour <= min(degree + 1, i)
        degrees = sorted((len(a) for a in neighbours(n, edges)), reverse=True)
        if max(min(d + 1, i) for i, d in enumerate(degrees, 1)) <= chi:
            continue  # no relabelling can make the colouring fail (three graphs in four on 6 vertices)
        for attempt in range(RELABELLINGS + 1):
            if attempt:
                perm = list(range(n))
                rng.shuffle(perm)
                edges = sorted([min(perm[u], perm[v]), max(perm[u], perm[v])] for u, v in edges)
            if defeats_greedy(n, edges, chi):
                return edges, chi


#: draws of G(n, m) tried for a chromatic number before the reference graph is redrawn (acceptance 23-55%)
EDGE_MATCH_DRAWS = 200
#: reference graphs tried for a False instance with as many edges, before one with any number of edges is drawn
EDGE_MATCH_REFERENCES = 20


def graph_with_chromatic_and_edges(n: int, m: int, target: int, rng: random.Random) -> list[list[int]] | None:
    """Edges of a uniform random graph with ``n`` vertices and exactly ``m`` edges whose chromatic number is
    ``target``, by rejection; None when no such graph exists (fewer than ``target * (target - 1) / 2`` edges, or more
    vertices needed) or :data:`EDGE_MATCH_DRAWS` draws all missed."""
    if target > n or m < target * (target - 1) // 2 or m > n * (n - 1) // 2:
        return None
    pairs = list(itertools.combinations(range(n), 2))
    for _ in range(EDGE_MATCH_DRAWS):
        edges = [list(p) for p in sorted(rng.sample(pairs, m))]
        if chromatic_colouring(n, edges)[0] == target:
            return edges
    return None


def _graph_text(n: int, edges: Sequence[Sequence[int]]) -> str:
    return (
        f"An undirected graph has {n} vertices, numbered 0 to {n - 1}, and {len(edges)} edges "
        f"(u-v means vertices u and v are adjacent):\n{edge_lines(edges)}\n"
    )


class GraphColouring(Kind):
    name = "gcp"
    family = FAMILY
    min_size = 4
    max_size = 25
    # 2: odd-indexed instances from 6 vertices on are graphs the largest-degree-first colouring gets wrong
    # (1: that colouring was optimal on 82-100% of instances)
    version = "2"
    size_meaning = "number of vertices"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        if index % 2 == 1 and size >= HARD_MIN_VERTICES:
            edges, _ = greedy_hard_graph(size, rng)
        else:
            edges = random_graph(size, rng)
        chi, colouring = chromatic_colouring(size, edges)
        statement = _graph_text(size, edges) + (
            "Assign a colour to every vertex so that any two adjacent vertices get different colours, using as "
            "few distinct colours as possible. Colours are numbered 0, 1, 2, ...; there is no fixed colour "
            "budget: the colouring must use the smallest number of colours with which this graph can be coloured."
        )
        answer_format = (
            f"a JSON list of {size} integers: the colour of vertex 0, then of vertex 1, and so on up to vertex "
            f"{size - 1}, e.g. [0, 1, 0, 2, ...]"
        )
        return Problem(
            statement=statement,
            answer_format=answer_format,
            answer_type="list[int]",
            answer=colouring,
            data={"n": size, "edges": edges, "chromatic_number": chi},
        )

    def grade(self, instance: Mapping[str, Any], answer: Any) -> Verdict:
        data = instance["data"]
        colouring, reason = int_list(answer, data["n"])
        if colouring is None:
            return wrong(reason)
        for u, v in data["edges"]:
            if colouring[u] == colouring[v]:
                return wrong(f"adjacent vertices {u} and {v} both have colour {colouring[u]}")
        used = len(set(colouring))
        if used != data["chromatic_number"]:
            return wrong(f"uses {used} colours, the minimum is {data['chromatic_number']}")
        return CORRECT

    def heuristics(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        data = instance["data"]
        adj = neighbours(data["n"], data["edges"])
        return {"largest_degree_first": largest_degree_first(data["n"], data["edges"]), "dsatur": dsatur_greedy(adj)}


class GraphColouringDecision(Kind):
    name = "gcp_d"
    family = FAMILY
    min_size = 4
    max_size = 25
    # 3: from 6 vertices on, the reference graph is one the largest-degree-first colouring gets wrong, so "true iff
    # that colouring uses at most k colours" is right on the False half only (2: 91-100% right); False graphs have
    # as many edges as the reference (2: they were denser, so the edge count gave the answer away);
    # 2: k drawn independently of the answer (1: k = chi - 1 for False, so k gave the answer away)
    version = "3"
    size_meaning = "number of vertices"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        for attempt in itertools.count(1):  # the reference graph fixes k (and the number of edges)
            if size >= HARD_MIN_VERTICES:
                edges, k = greedy_hard_graph(size, rng)
            else:
                edges = random_graph(size, rng)
                k = chromatic_colouring(size, edges)[0]
            if k >= size:  # a complete graph leaves no room for chromatic number k + 1
                continue
            if index % 2 == 0:
                break
            other = graph_with_chromatic_and_edges(size, len(edges), k + 1, rng)
            if other is None and attempt >= EDGE_MATCH_REFERENCES:
                # tiny graphs (4 vertices: a 3-chromatic graph has fewer edges than K4): edges not matched
                other = graph_with_chromatic(size, k + 1, rng)
            if other is not None:
                edges = other
                break
        chi, _ = chromatic_colouring(size, edges)
        statement = _graph_text(size, edges) + (
            f"Can every vertex be given one of at most {k} colours so that any two adjacent vertices get "
            f"different colours?"
        )
        answer_format = f"a JSON boolean: true if the graph can be coloured with at most {k} colours, otherwise false"
        return Problem(
            statement=statement,
            answer_format=answer_format,
            answer_type="bool",
            answer=chi <= k,
            data={"n": size, "edges": edges, "k": k, "chromatic_number": chi},
        )

    def grade(self, instance: Mapping[str, Any], answer: Any) -> Verdict:
        data = instance["data"]
        return bool_verdict(answer, data["chromatic_number"] <= data["k"])

    def heuristics(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        data = instance["data"]
        adj = neighbours(data["n"], data["edges"])
        return {
            "largest_degree_first_within_k": len(set(largest_degree_first(data["n"], data["edges"]))) <= data["k"],
            "dsatur_within_k": len(set(dsatur_greedy(adj))) <= data["k"],
        }


KINDS = (GraphColouring(), GraphColouringDecision())
