"""spp: shortest path in an undirected, positively weighted graph (optimisation; answer = a path).

Size = number of nodes. The graph is connected (a random spanning tree plus random extra edges), weights are
integers 1..20, the source is node 0 and the target is a node that is as many edges away from the source as
possible; graphs are redrawn until that is at least two edges, so the answer is never a single edge.

``data``: ``n`` (nodes 0..n-1), ``edges`` ``[[u, v, w], ...]`` with ``u < v`` and no repeated pair,
``source``, ``target``, ``distance`` (the shortest distance, computed by Dijkstra; not shown to the model).
``answer``: one shortest path, a list of node ids from ``source`` to ``target`` (``list[int]``).
Grading: the path starts at ``source``, ends at ``target``, every step follows an edge, and its total weight
equals the shortest distance (Dijkstra). Any shortest path is correct.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Mapping, Sequence
from typing import Any

from codenl.problems.base import Kind, Problem, Verdict
from codenl.problems.nphard._common import CORRECT, FAMILY, int_list, weighted_edge_lines, wrong

MAX_WEIGHT = 20


def random_connected_graph(n: int, rng: random.Random, extra_density: float) -> list[list[int]]:
    """Edges ``[u, v, w]`` (u < v, sorted) of a connected graph: a random tree plus extra random edges."""
    order = list(range(n))
    rng.shuffle(order)
    pairs: set[tuple[int, int]] = set()
    for i in range(1, n):
        u, v = order[i], order[rng.randrange(i)]
        pairs.add((min(u, v), max(u, v)))
    candidates = [(u, v) for u in range(n) for v in range(u + 1, n) if (u, v) not in pairs]
    extra = round(extra_density * len(candidates))
    pairs.update(rng.sample(candidates, extra))
    return [[u, v, rng.randint(1, MAX_WEIGHT)] for u, v in sorted(pairs)]


def adjacency(n: int, edges: Sequence[Sequence[int]]) -> list[dict[int, int]]:
    adj: list[dict[int, int]] = [{} for _ in range(n)]
    for u, v, w in edges:
        adj[u][v] = w
        adj[v][u] = w
    return adj


def dijkstra(n: int, edges: Sequence[Sequence[int]], source: int) -> tuple[list[float], list[int]]:
    """Distances from ``source`` and a predecessor per node (-1 for the source and unreachable nodes)."""
    adj = adjacency(n, edges)
    dist: list[float] = [float("inf")] * n
    pred = [-1] * n
    dist[source] = 0
    heap: list[tuple[float, int]] = [(0, source)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for v, w in sorted(adj[u].items()):
            if d + w < dist[v]:
                dist[v] = d + w
                pred[v] = u
                heapq.heappush(heap, (d + w, v))
    return dist, pred


def shortest_path(n: int, edges: Sequence[Sequence[int]], source: int, target: int) -> tuple[int, list[int]]:
    """``(distance, path)`` of one shortest path; ``ValueError`` when the target is unreachable."""
    dist, pred = dijkstra(n, edges, source)
    if dist[target] == float("inf"):
        raise ValueError(f"node {target} is unreachable from {source}")
    path = [target]
    while path[-1] != source:
        path.append(pred[path[-1]])
    return int(dist[target]), path[::-1]


def path_weight(adj: Sequence[Mapping[int, int]], path: Sequence[int]) -> int | str:
    """Total weight of ``path``, or the reason it is not a path of the graph."""
    n = len(adj)
    for node in path:
        if not 0 <= node < n:
            return f"node {node} does not exist (nodes are 0..{n - 1})"
    total = 0
    for u, v in itertools.pairwise(path):
        if v not in adj[u]:
            return f"there is no edge between {u} and {v}"
        total += adj[u][v]
    return total


def hop_farthest(n: int, edges: Sequence[Sequence[int]], source: int) -> tuple[int, list[int]]:
    """``(h, nodes)``: the largest number of edges between ``source`` and a node, and the nodes that far."""
    adj = adjacency(n, edges)
    hops = {source: 0}
    frontier = [source]
    depth = 0
    while True:
        nxt = []
        for u in frontier:
            for v in sorted(adj[u]):
                if v not in hops:
                    hops[v] = depth + 1
                    nxt.append(v)
        if not nxt:
            return depth, sorted(frontier)
        frontier, depth = nxt, depth + 1


def fewest_hops_path(n: int, edges: Sequence[Sequence[int]], source: int, target: int) -> list[int]:
    """The path with the fewest edges (breadth-first search, neighbours in increasing order), ignoring weights."""
    adj = adjacency(n, edges)
    parent = {source: source}
    frontier = [source]
    while frontier and target not in parent:
        nxt = []
        for u in frontier:
            for v in sorted(adj[u]):
                if v not in parent:
                    parent[v] = u
                    nxt.append(v)
        frontier = nxt
    if target not in parent:
        raise ValueError(f"node {target} is unreachable from {source}")
    path = [target]
    while path[-1] != source:
        path.append(parent[path[-1]])
    return path[::-1]


class ShortestPath(Kind):
    name = "spp"
    family = FAMILY
    min_size = 3
    max_size = 60
    version = "1"
    size_meaning = "number of nodes"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        n = size
        source = 0
        while True:  # redraw until some node is at least two edges away from the source
            edges = random_connected_graph(n, rng, extra_density=rng.uniform(0.15, 0.35))
            hops, farthest = hop_farthest(n, edges, source)
            if hops >= 2:
                break
        target = rng.choice(farthest)
        distance, path = shortest_path(n, edges, source, target)
        statement = (
            f"An undirected graph has {n} nodes, numbered 0 to {n - 1}, and {len(edges)} edges. "
            f"Each edge has a positive integer weight and can be travelled in both directions:\n"
            f"{weighted_edge_lines(edges)}\n"
            f"Find a shortest path from node {source} to node {target}: a sequence of nodes that starts at "
            f"{source}, ends at {target}, where each consecutive pair of nodes is joined by an edge, and whose "
            f"total weight (the sum of the weights of its edges) is as small as possible."
        )
        answer_format = (
            f"a JSON list of integers: the node ids along the path in order, the first one {source} and the "
            f"last one {target}"
        )
        return Problem(
            statement=statement,
            answer_format=answer_format,
            answer_type="list[int]",
            answer=path,
            data={"n": n, "edges": edges, "source": source, "target": target, "distance": distance},
        )

    def grade(self, instance: Mapping[str, Any], answer: Any) -> Verdict:
        data = instance["data"]
        path, reason = int_list(answer)
        if path is None:
            return wrong(reason)
        if not path:
            return wrong("the path is empty")
        if path[0] != data["source"] or path[-1] != data["target"]:
            return wrong(f"the path must start at {data['source']} and end at {data['target']}")
        adj = adjacency(data["n"], data["edges"])
        weight = path_weight(adj, path)
        if isinstance(weight, str):
            return wrong(weight)
        best = data["distance"]
        if weight != best:
            return wrong(f"the path has weight {weight}, the shortest has weight {best}")
        return CORRECT

    def heuristics(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        data = instance["data"]
        return {"fewest_hops": fewest_hops_path(data["n"], data["edges"], data["source"], data["target"])}


KINDS = (ShortestPath(),)
