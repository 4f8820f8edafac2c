"""Graph algorithms (CLRS chapters 22 to 25).

Graphs have vertices ``0..n-1``; ``data`` holds ``n``, ``directed``, ``edges`` (``[u, v]`` or ``[u, v, w]``) and,
for single-source problems, ``source``.  No self-loops, no parallel edges.  Where the output of an algorithm is not
unique the grader accepts every valid output (any breadth-first tree, topological order, minimum spanning tree),
except for depth-first search, whose statement fixes the order in which vertices and neighbours are taken.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Mapping, Sequence
from typing import Any

from codenl.problems.base import ANY, WRONG_TYPE, Problem, Verdict
from codenl.problems.clrs.common import (
    CORRECT,
    Algo,
    as_int_list,
    as_int_matrix,
    dumps,
    grade_int_list,
    grade_int_matrix,
    grade_int_set,
    wrong,
)

CATEGORY = "graphs"
UNREACHABLE = -1  # Floyd-Warshall's value for "no path" (all its weights are positive)
PARENT_FORMAT = "a JSON list of n integers (P[v] for v = 0..n-1, -1 where there is no parent), e.g. [-1, 0, 0, 2]"
DIST_FORMAT = "a JSON list of n integers (the distance to each vertex v = 0..n-1), e.g. [0, 4, -2, 7]"

Edge = tuple[int, int]


# ------------------------------------------------------------------------------------------------ structure
def adjacency(n: int, edges: Sequence[Sequence[int]], directed: bool) -> list[list[int]]:
    """Neighbour (out-neighbour) lists in increasing order."""
    adj: list[list[int]] = [[] for _ in range(n)]
    for e in edges:
        u, v = e[0], e[1]
        adj[u].append(v)
        if not directed:
            adj[v].append(u)
    return [sorted(a) for a in adj]


def weighted_adjacency(n: int, edges: Sequence[Sequence[int]], directed: bool) -> list[list[tuple[int, int]]]:
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for u, v, w in edges:
        adj[u].append((v, w))
        if not directed:
            adj[v].append((u, w))
    return [sorted(a) for a in adj]


def _all_pairs(n: int, directed: bool) -> list[Edge]:
    if directed:
        return [(u, v) for u in range(n) for v in range(n) if u != v]
    return [(u, v) for u in range(n) for v in range(u + 1, n)]


def random_edges(
    n: int,
    m: int,
    rng: random.Random,
    directed: bool,
    required: Sequence[Edge] = (),
    allowed: Sequence[Edge] | None = None,
) -> list[Edge]:
    """``required`` plus random distinct edges from ``allowed`` (default: every pair) up to ``m`` edges, sorted.

    Undirected edges are stored as (min, max).
    """

    def norm(e: Edge) -> Edge:
        return e if directed else (min(e), max(e))

    chosen = {norm(e) for e in required}
    pool = [norm(e) for e in (allowed if allowed is not None else _all_pairs(n, directed))]
    pool = sorted(set(pool) - chosen)
    extra = max(0, min(m - len(chosen), len(pool)))
    chosen.update(rng.sample(pool, extra))
    return sorted(chosen)


def random_tree_edges(n: int, rng: random.Random) -> list[Edge]:
    """A random spanning tree: vertices in random order, each attached to a random earlier one."""
    order = list(range(n))
    rng.shuffle(order)
    return [(order[rng.randrange(i)], order[i]) for i in range(1, n)]


def random_arborescence(n: int, rng: random.Random, source: int) -> tuple[list[Edge], list[int]]:
    """Edges u -> v that make every vertex reachable from ``source``, and the vertex order they respect."""
    rest = [v for v in range(n) if v != source]
    rng.shuffle(rest)
    order = [source] + rest
    return [(order[rng.randrange(i)], order[i]) for i in range(1, n)], order


def add_weights(edges: Sequence[Edge], rng: random.Random, low: int, high: int) -> list[list[int]]:
    return [[u, v, rng.randint(low, high)] for u, v in edges]


def describe_graph(n: int, edges: Sequence[Sequence[int]], directed: bool) -> str:
    kind = "directed" if directed else "undirected"
    weighted = bool(edges) and len(edges[0]) == 3
    if weighted:
        shape = "[u, v, w] is an edge from u to v" if directed else "[u, v, w] is an edge between u and v"
        text = (
            f"The {kind} graph has {n} vertices numbered 0 to {n - 1} and {len(edges)} weighted edges; each "
            f"{shape} of weight w.\nedges = {dumps([list(e) for e in edges])}\n"
        )
        adj = weighted_adjacency(n, edges, directed)
        rows = "\n".join(f"{u}: " + (", ".join(f"{v} (w={w})" for v, w in adj[u]) or "none") for u in range(n))
    else:
        shape = "[u, v] is an edge from u to v" if directed else "[u, v] is an edge between u and v"
        text = (
            f"The {kind} graph has {n} vertices numbered 0 to {n - 1} and {len(edges)} edges; each {shape}.\n"
            f"edges = {dumps([list(e) for e in edges])}\n"
        )
        adj_plain = adjacency(n, edges, directed)
        rows = "\n".join(f"{u}: " + (", ".join(str(v) for v in adj_plain[u]) or "none") for u in range(n))
    title = "Out-neighbours" if directed else "Neighbours"
    return text + f"{title} of each vertex, in increasing order:\n{rows}\n"


def _data(n: int, edges: Sequence[Sequence[int]], directed: bool, **extra: Any) -> dict[str, Any]:
    return {"n": n, "directed": directed, "edges": [list(e) for e in edges], **extra}


# ------------------------------------------------------------------------------------------------ solvers
def depth_first(n: int, adj: list[list[int]], roots: Sequence[int] | None = None) -> tuple[list[int], list[int]]:
    """CLRS DFS, iterative: outer loop over ``roots`` (default 0..n-1), neighbours in list order.

    Returns the predecessor array (-1 for roots) and the vertices in the order DFS finishes them.
    """
    parent = [-1] * n
    seen = [False] * n
    finished: list[int] = []
    for root in range(n) if roots is None else roots:
        if seen[root]:
            continue
        seen[root] = True
        stack = [(root, iter(adj[root]))]
        while stack:
            u, it = stack[-1]
            for v in it:
                if not seen[v]:
                    seen[v] = True
                    parent[v] = u
                    stack.append((v, iter(adj[v])))
                    break
            else:
                stack.pop()
                finished.append(u)
    return parent, finished


def dfs_parents(n: int, adj: list[list[int]]) -> list[int]:
    """The DFS predecessor array (vertices and neighbours in increasing order)."""
    return depth_first(n, adj)[0]


def finishing_order(n: int, adj: list[list[int]], roots: Sequence[int] | None = None) -> list[int]:
    """Vertices in the order DFS finishes them (outer loop over ``roots``, default 0..n-1)."""
    return depth_first(n, adj, roots)[1]


def bfs(n: int, adj: list[list[int]], source: int) -> tuple[list[int], list[int]]:
    """CLRS BFS: (distances with -1 for unreachable, predecessor array with -1 for the source and unreachable)."""
    dist = [-1] * n
    parent = [-1] * n
    dist[source] = 0
    queue = [source]
    for u in queue:
        for v in adj[u]:
            if dist[v] < 0:
                dist[v] = dist[u] + 1
                parent[v] = u
                queue.append(v)
    return dist, parent


def topological_sort(n: int, adj: list[list[int]]) -> list[int]:
    """CLRS TOPOLOGICAL-SORT: vertices by decreasing DFS finishing time."""
    return finishing_order(n, adj)[::-1]


def _lowlinks(n: int, adj: list[list[int]]) -> tuple[set[int], set[Edge]]:
    """Articulation points and bridges of an undirected graph (CLRS problem 22-2), iterative DFS."""
    disc = [-1] * n
    low = [0] * n
    points: set[int] = set()
    bridges: set[Edge] = set()
    time = 0
    for root in range(n):
        if disc[root] >= 0:
            continue
        disc[root] = low[root] = time
        time += 1
        children = 0
        stack = [(root, -1, iter(adj[root]))]
        while stack:
            u, parent, it = stack[-1]
            advanced = False
            for v in it:
                if disc[v] < 0:
                    disc[v] = low[v] = time
                    time += 1
                    if u == root:
                        children += 1
                    stack.append((v, u, iter(adj[v])))
                    advanced = True
                    break
                if v != parent:
                    low[u] = min(low[u], disc[v])
            if advanced:
                continue
            stack.pop()
            if parent >= 0:
                low[parent] = min(low[parent], low[u])
                if low[u] > disc[parent]:
                    bridges.add((min(parent, u), max(parent, u)))
                if parent != root and low[u] >= disc[parent]:
                    points.add(parent)
        if children > 1:
            points.add(root)
    return points, bridges


def articulation_points(n: int, adj: list[list[int]]) -> list[int]:
    return sorted(_lowlinks(n, adj)[0])


def bridges(n: int, adj: list[list[int]]) -> list[list[int]]:
    return [list(e) for e in sorted(_lowlinks(n, adj)[1])]


def strongly_connected_components(n: int, adj: list[list[int]]) -> list[list[int]]:
    """CLRS STRONGLY-CONNECTED-COMPONENTS (Kosaraju); each component sorted, components by smallest vertex."""
    order = finishing_order(n, adj)
    radj: list[list[int]] = [[] for _ in range(n)]
    for u in range(n):
        for v in adj[u]:
            radj[v].append(u)
    comp = [-1] * n
    components: list[list[int]] = []
    for root in reversed(order):
        if comp[root] >= 0:
            continue
        comp[root] = len(components)
        members = [root]
        for u in members:
            for v in radj[u]:
                if comp[v] < 0:
                    comp[v] = comp[root]
                    members.append(v)
        components.append(sorted(members))
    return sorted(components)


class _DisjointSet:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[ra] = rb
        return True


def mst_kruskal(n: int, edges: Sequence[Sequence[int]]) -> list[list[int]]:
    """CLRS MST-KRUSKAL: edges sorted by (weight, u, v); the tree's edges as [u, v] with u < v, sorted."""
    ds = _DisjointSet(n)
    tree = []
    for u, v, _w in sorted(edges, key=lambda e: (e[2], min(e[0], e[1]), max(e[0], e[1]))):
        if ds.union(u, v):
            tree.append([min(u, v), max(u, v)])
    return sorted(tree)


def mst_prim(n: int, edges: Sequence[Sequence[int]], root: int = 0) -> list[int]:
    """CLRS MST-PRIM from ``root`` with a binary heap: the predecessor array (-1 for the root)."""
    adj = weighted_adjacency(n, edges, directed=False)
    key = [None] * n
    parent = [-1] * n
    in_tree = [False] * n
    key[root] = 0
    heap = [(0, root)]
    while heap:
        k, u = heapq.heappop(heap)
        if in_tree[u] or k != key[u]:
            continue
        in_tree[u] = True
        for v, w in adj[u]:
            if not in_tree[v] and (key[v] is None or w < key[v]):
                key[v] = w
                parent[v] = u
                heapq.heappush(heap, (w, v))
    return parent


def bellman_ford(n: int, edges: Sequence[Sequence[int]], source: int) -> list[int | None]:
    """CLRS BELLMAN-FORD: distances from ``source`` (None for unreachable); raises on a negative cycle."""
    dist: list[int | None] = [None] * n
    dist[source] = 0
    for _ in range(n - 1):
        changed = False
        for u, v, w in edges:
            if dist[u] is not None and (dist[v] is None or dist[u] + w < dist[v]):
                dist[v] = dist[u] + w
                changed = True
        if not changed:
            break
    for u, v, w in edges:
        if dist[u] is not None and (dist[v] is None or dist[u] + w < dist[v]):
            raise ValueError("negative-weight cycle reachable from the source")
    return dist


def dijkstra(n: int, edges: Sequence[Sequence[int]], source: int) -> list[int | None]:
    """CLRS DIJKSTRA with a binary heap (weights must be non-negative); None for unreachable."""
    adj = weighted_adjacency(n, edges, directed=True)
    dist: list[int | None] = [None] * n
    dist[source] = 0
    heap = [(0, source)]
    done = [False] * n
    while heap:
        d, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        for v, w in adj[u]:
            if dist[v] is None or d + w < dist[v]:
                dist[v] = d + w
                heapq.heappush(heap, (d + w, v))
    return dist


def dag_shortest_paths(n: int, edges: Sequence[Sequence[int]], source: int) -> list[int | None]:
    """CLRS DAG-SHORTEST-PATHS: relax edges out of each vertex in topological order; None for unreachable."""
    adj = weighted_adjacency(n, edges, directed=True)
    order = topological_sort(n, [[v for v, _ in a] for a in adj])
    dist: list[int | None] = [None] * n
    dist[source] = 0
    for u in order:
        if dist[u] is None:
            continue
        for v, w in adj[u]:
            if dist[v] is None or dist[u] + w < dist[v]:
                dist[v] = dist[u] + w
    return dist


def floyd_warshall(n: int, edges: Sequence[Sequence[int]]) -> list[list[int]]:
    """CLRS FLOYD-WARSHALL on a directed graph: the distance matrix, ``UNREACHABLE`` (-1) where there is no path."""
    inf = None
    d: list[list[int | None]] = [[0 if i == j else inf for j in range(n)] for i in range(n)]
    for u, v, w in edges:
        if d[u][v] is None or w < d[u][v]:
            d[u][v] = w
    for k in range(n):
        dk = d[k]
        for i in range(n):
            dik = d[i][k]
            if dik is None:
                continue
            di = d[i]
            for j in range(n):
                if dk[j] is not None and (di[j] is None or dik + dk[j] < di[j]):
                    di[j] = dik + dk[j]
    return [[UNREACHABLE if x is None else x for x in row] for row in d]


# ------------------------------------------------------------------------------------------------ generators
def make_dfs(n: int, rng: random.Random) -> Problem:
    edges = random_edges(n, round(1.5 * n), rng, directed=True)
    adj = adjacency(n, edges, True)
    statement = (
        "Depth-first search (CLRS DFS) on a directed graph.\n"
        + describe_graph(n, edges, True)
        + f"The outer loop of DFS takes the vertices in increasing order 0, 1, ..., {n - 1} and starts a new tree at "
        "each vertex that is not yet discovered; when DFS explores a vertex u it examines u's out-neighbours in "
        "increasing order and immediately explores each undiscovered one (recursively) before examining the next.\n"
        f"Return the predecessor array P of the depth-first forest as a list of {n} integers: P[v] is the vertex "
        "from which v was discovered, and P[v] = -1 when v is the root of a tree."
    )
    return Problem(
        statement=statement,
        answer_format=PARENT_FORMAT,
        answer_type="list[int]",
        answer=dfs_parents(n, adj),
        data=_data(n, edges, True),
        algorithm="dfs",
    )


def make_bfs(n: int, rng: random.Random) -> Problem:
    edges = random_edges(n, round(1.3 * n), rng, directed=False)
    adj = adjacency(n, edges, False)
    source = rng.randrange(n)
    _, parent = bfs(n, adj, source)
    statement = (
        f"Breadth-first search (CLRS BFS) from the source vertex s = {source} on an undirected graph.\n"
        + describe_graph(n, edges, False)
        + "BFS uses a FIFO queue and examines the neighbours of each dequeued vertex in increasing order.\n"
        f"Return the predecessor array P of the breadth-first tree as a list of {n} integers: P[v] is the vertex "
        f"from which v was discovered, P[{source}] = -1 for the source, and P[v] = -1 for every vertex not reachable "
        "from the source. (Any breadth-first tree is accepted: P[v] must be a neighbour of v that is one edge "
        "closer to the source.)"
    )
    return Problem(
        statement=statement,
        answer_format=PARENT_FORMAT,
        answer_type="list[int]",
        answer=parent,
        data=_data(n, edges, False, source=source),
        algorithm="bfs",
    )


def random_dag_edges(n: int, m: int, rng: random.Random) -> list[Edge]:
    order = list(range(n))
    rng.shuffle(order)
    forward = [(order[i], order[j]) for i in range(n) for j in range(i + 1, n)]
    return random_edges(n, m, rng, directed=True, allowed=forward)


def make_topological_sort(n: int, rng: random.Random) -> Problem:
    edges = random_dag_edges(n, round(1.5 * n), rng)
    adj = adjacency(n, edges, True)
    statement = (
        "Topological sort (CLRS TOPOLOGICAL-SORT) of a directed acyclic graph.\n"
        + describe_graph(n, edges, True)
        + f"Return a topological order: a list of all {n} vertices, each exactly once, such that for every edge "
        "[u, v], u comes before v. (Any valid topological order is accepted.)"
    )
    return Problem(
        statement=statement,
        answer_format="a JSON list of n distinct integers (every vertex once), e.g. [2, 0, 3, 1]",
        answer_type="list[int]",
        answer=topological_sort(n, adj),
        data=_data(n, edges, True),
        algorithm="topological_sort",
    )


def _sparse_connected(n: int, rng: random.Random) -> list[Edge]:
    """A connected undirected graph with some cycles and some bridges: a random tree plus about n/3 edges."""
    tree = random_tree_edges(n, rng)
    return random_edges(n, n - 1 + max(1, n // 3), rng, directed=False, required=tree)


def make_articulation_points(n: int, rng: random.Random) -> Problem:
    edges = _sparse_connected(n, rng)
    adj = adjacency(n, edges, False)
    statement = (
        "Articulation points (cut vertices; CLRS problem 22-2) of an undirected graph.\n"
        + describe_graph(n, edges, False)
        + "A vertex is an articulation point when removing it (with its edges) increases the number of connected "
        "components. Return all articulation points in increasing order (an empty list if there are none)."
    )
    return Problem(
        statement=statement,
        answer_format="a JSON list of distinct integers (vertices), e.g. [1, 4]",
        answer_type="list[int]",
        answer=articulation_points(n, adj),
        data=_data(n, edges, False),
        algorithm="articulation_points",
    )


def make_bridges(n: int, rng: random.Random) -> Problem:
    edges = _sparse_connected(n, rng)
    adj = adjacency(n, edges, False)
    statement = (
        "Bridges (CLRS problem 22-2) of an undirected graph.\n"
        + describe_graph(n, edges, False)
        + "An edge is a bridge when removing it increases the number of connected components. Return all bridges, "
        "each as [u, v] with u < v, sorted in increasing order of (u, v) (an empty list if there are none)."
    )
    return Problem(
        statement=statement,
        answer_format="a JSON list of [u, v] pairs of integers, e.g. [[0, 3], [2, 5]]",
        answer_type="list[list[int]]",
        answer=bridges(n, adj),
        data=_data(n, edges, False),
        algorithm="bridges",
    )


def make_scc(n: int, rng: random.Random) -> Problem:
    # planted structure: groups joined internally by a cycle (plus a chord), groups ordered by forward edges
    order = list(range(n))
    rng.shuffle(order)
    groups: list[list[int]] = []
    i = 0
    while i < n:
        size = min(n - i, rng.choice((1, 1, 2, 3, 3, 4, 5)))
        groups.append(order[i : i + size])
        i += size
    required: list[Edge] = []
    for g in groups:
        if len(g) > 1:
            required += [(g[k], g[(k + 1) % len(g)]) for k in range(len(g))]
            if len(g) > 3 and rng.random() < 0.5:
                a, b = rng.sample(g, 2)
                required.append((a, b))
    rank = {v: gi for gi, g in enumerate(groups) for v in g}
    forward = [(u, v) for u in range(n) for v in range(n) if rank[u] < rank[v]]
    edges = random_edges(n, len(set(required)) + max(1, n // 2), rng, directed=True, required=required, allowed=forward)
    adj = adjacency(n, edges, True)
    statement = (
        "Strongly connected components (CLRS STRONGLY-CONNECTED-COMPONENTS) of a directed graph.\n"
        + describe_graph(n, edges, True)
        + "Two vertices are in the same strongly connected component when each is reachable from the other. Return "
        "the components as a list of lists of vertices: every vertex in exactly one component, each component in "
        "increasing order, components sorted by their smallest vertex."
    )
    return Problem(
        statement=statement,
        answer_format=("a JSON list of lists of integers (a partition of the vertices), e.g. [[0, 2], [1], [3]]"),
        answer_type="list[list[int]]",
        answer=strongly_connected_components(n, adj),
        data=_data(n, edges, True),
        algorithm="strongly_connected_components",
    )


def _weighted_connected(n: int, rng: random.Random) -> list[list[int]]:
    tree = random_tree_edges(n, rng)
    return add_weights(random_edges(n, 2 * n - 1, rng, directed=False, required=tree), rng, 1, 20)


def make_mst_kruskal(n: int, rng: random.Random) -> Problem:
    edges = _weighted_connected(n, rng)
    statement = (
        "Minimum spanning tree by Kruskal's algorithm (CLRS MST-KRUSKAL) of a connected undirected weighted graph.\n"
        + describe_graph(n, edges, False)
        + "Kruskal's algorithm takes the edges by increasing weight (ties by increasing (u, v)) and keeps each edge "
        f"that joins two different trees. Return the {n - 1} edges of a minimum spanning tree, each as [u, v]. "
        "The order of the edges and of the two endpoints does not matter; any minimum spanning tree is accepted."
    )
    return Problem(
        statement=statement,
        answer_format="a JSON list of n-1 [u, v] pairs of integers, e.g. [[0, 1], [1, 3], [2, 3]]",
        answer_type="list[list[int]]",
        answer=mst_kruskal(n, edges),
        data=_data(n, edges, False),
        algorithm="mst_kruskal",
    )


def make_mst_prim(n: int, rng: random.Random) -> Problem:
    edges = _weighted_connected(n, rng)
    statement = (
        "Minimum spanning tree by Prim's algorithm (CLRS MST-PRIM) from the root r = 0, on a connected undirected "
        "weighted graph.\n"
        + describe_graph(n, edges, False)
        + "Prim's algorithm grows one tree from the root, each time adding the lightest edge that joins the tree to a "
        f"vertex outside it. Return the predecessor array P of the minimum spanning tree as a list of {n} integers: "
        "P[0] = -1 for the root, and for every other vertex v, P[v] is v's neighbour on the path from v to the root "
        "in the tree. Any minimum spanning tree is accepted."
    )
    return Problem(
        statement=statement,
        answer_format=PARENT_FORMAT,
        answer_type="list[int]",
        answer=mst_prim(n, edges),
        data=_data(n, edges, False, source=0),
        algorithm="mst_prim",
    )


def _reachable_weighted(n: int, rng: random.Random, m: int, dag: bool) -> tuple[int, list[Edge]]:
    """A directed graph in which every vertex is reachable from the returned source (acyclic when ``dag``)."""
    source = rng.randrange(n)
    required, order = random_arborescence(n, rng, source)
    allowed = [(order[i], order[j]) for i in range(n) for j in range(i + 1, n)] if dag else None
    return source, random_edges(n, m, rng, directed=True, required=required, allowed=allowed)


def _distances_statement(title: str, source: int, n: int, edges: Sequence[Sequence[int]], note: str) -> str:
    return (
        f"{title} from the source vertex s = {source}.\n"
        + describe_graph(n, edges, True)
        + note
        + f"Every vertex is reachable from s. Return the list of the {n} shortest-path distances from s, for vertices "
        f"0, 1, ..., {n - 1} in that order (the distance of s itself is 0)."
    )


def make_bellman_ford(n: int, rng: random.Random) -> Problem:
    source, pairs = _reachable_weighted(n, rng, 2 * n, dag=False)
    # weights w'(u,v) + h(u) - h(v) with w' >= 0: negative edges, yet every cycle has non-negative weight;
    # redrawn until some weight is negative, as the statement says
    while True:
        h = [rng.randint(0, 10) for _ in range(n)]
        edges = [[u, v, rng.randint(0, 10) + h[u] - h[v]] for u, v in pairs]
        if any(w < 0 for _, _, w in edges):
            break
    dist = bellman_ford(n, edges, source)
    statement = _distances_statement(
        "Single-source shortest paths by the Bellman-Ford algorithm (CLRS BELLMAN-FORD) on a directed weighted graph",
        source,
        n,
        edges,
        "Some weights are negative, but the graph has no negative-weight cycle.\n",
    )
    return Problem(
        statement=statement,
        answer_format=DIST_FORMAT,
        answer_type="list[int]",
        answer=dist,
        data=_data(n, edges, True, source=source),
        algorithm="bellman_ford",
    )


def make_dijkstra(n: int, rng: random.Random) -> Problem:
    source, pairs = _reachable_weighted(n, rng, 2 * n, dag=False)
    edges = add_weights(pairs, rng, 1, 20)
    statement = _distances_statement(
        "Single-source shortest paths by Dijkstra's algorithm (CLRS DIJKSTRA) on a directed weighted graph",
        source,
        n,
        edges,
        "All weights are positive.\n",
    )
    return Problem(
        statement=statement,
        answer_format=DIST_FORMAT,
        answer_type="list[int]",
        answer=dijkstra(n, edges, source),
        data=_data(n, edges, True, source=source),
        algorithm="dijkstra",
    )


def make_dag_shortest_paths(n: int, rng: random.Random) -> Problem:
    source, pairs = _reachable_weighted(n, rng, round(1.8 * n), dag=True)
    edges = add_weights(pairs, rng, -5, 15)
    while not any(w < 0 for _, _, w in edges):  # the statement says some weights are negative
        edges = add_weights(pairs, rng, -5, 15)
    statement = _distances_statement(
        "Single-source shortest paths in a directed acyclic graph (CLRS DAG-SHORTEST-PATHS: relax the edges out of "
        "each vertex in topological order)",
        source,
        n,
        edges,
        "The graph has no cycle; some weights are negative.\n",
    )
    return Problem(
        statement=statement,
        answer_format=DIST_FORMAT,
        answer_type="list[int]",
        answer=dag_shortest_paths(n, edges, source),
        data=_data(n, edges, True, source=source),
        algorithm="dag_shortest_paths",
    )


def make_floyd_warshall(n: int, rng: random.Random) -> Problem:
    edges = add_weights(random_edges(n, 2 * n, rng, directed=True), rng, 1, 20)
    statement = (
        "All-pairs shortest paths by the Floyd-Warshall algorithm (CLRS FLOYD-WARSHALL) on a directed weighted "
        "graph.\n" + describe_graph(n, edges, True) + "All weights are positive.\n"
        f"Return the {n} x {n} distance matrix D as a list of {n} rows: D[i][j] is the length of a shortest path "
        f"from i to j, D[i][i] = 0, and D[i][j] = {UNREACHABLE} when j is not reachable from i."
    )
    return Problem(
        statement=statement,
        answer_format="a JSON list of n lists of n integers (row i = distances from vertex i), e.g. [[0, 3], [-1, 0]]",
        answer_type="list[list[int]]",
        answer=floyd_warshall(n, edges),
        data=_data(n, edges, True),
        algorithm="floyd_warshall",
    )


# ------------------------------------------------------------------------------------------------ graders
def _parent_list(answer: Any, n: int) -> list[int] | Verdict:
    values = as_int_list(answer, n)
    if values is None:
        return wrong(f"{WRONG_TYPE}: expected a list of {n} integers")
    for v, p in enumerate(values):
        if p != -1 and not 0 <= p < n:
            return wrong(f"P[{v}] = {p} is not a vertex (0..{n - 1}) or -1")
    return values


def grade_exact_list(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    return grade_int_list(gold, answer)


def grade_dfs(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    values = _parent_list(answer, data["n"])
    if isinstance(values, Verdict):
        return values
    return grade_int_list(gold, values)


def grade_bfs(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    """Any breadth-first tree: P[v] is a neighbour of v one step closer to the source; -1 for source/unreachable."""
    n, source = data["n"], data["source"]
    values = _parent_list(answer, n)
    if isinstance(values, Verdict):
        return values
    adj = adjacency(n, data["edges"], False)
    dist, _ = bfs(n, adj, source)
    for v in range(n):
        p = values[v]
        if v == source or dist[v] < 0:
            if p != -1:
                what = "the source" if v == source else "unreachable"
                return wrong(f"P[{v}] must be -1 ({what}), got {p}")
        elif p == -1 or p not in adj[v] or dist[p] != dist[v] - 1:
            return wrong(f"P[{v}] = {p} is not a neighbour of {v} one edge closer to the source")
    return CORRECT


def grade_topological(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    n = data["n"]
    order = as_int_list(answer, n)
    if order is None:
        return wrong(f"{WRONG_TYPE}: expected a list of the {n} vertices")
    if sorted(order) != list(range(n)):
        return wrong(f"not a permutation of the vertices 0..{n - 1}")
    pos = {v: i for i, v in enumerate(order)}
    for u, v in data["edges"]:
        if pos[u] > pos[v]:
            return wrong(f"edge [{u}, {v}] goes backwards")
    return CORRECT


def grade_articulation(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    return grade_int_set(gold, answer, "articulation points")


def _edge_pairs(answer: Any) -> list[Edge] | Verdict:
    pairs = as_int_matrix(answer)
    if pairs is None or any(len(p) != 2 for p in pairs):
        return wrong(f"{WRONG_TYPE}: expected a list of [u, v] pairs")
    return [(min(p), max(p)) for p in pairs]


def grade_bridges(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    pairs = _edge_pairs(answer)
    if isinstance(pairs, Verdict):
        return pairs
    if len(set(pairs)) != len(pairs):
        return wrong("a bridge is listed twice")
    expected = {(min(e), max(e)) for e in gold}
    missing, extra = sorted(expected - set(pairs)), sorted(set(pairs) - expected)
    if missing or extra:
        return wrong(f"bridges: missing {[list(e) for e in missing]}, not expected {[list(e) for e in extra]}")
    return CORRECT


def grade_scc(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    """The same partition of the vertices, whatever the order of components and of their members."""
    n = data["n"]
    comps = as_int_matrix(answer)
    if comps is None:
        return wrong(f"{WRONG_TYPE}: expected a list of lists of vertices")
    flat = [v for c in comps for v in c]
    if sorted(flat) != list(range(n)) or any(not c for c in comps):
        return wrong(f"not a partition of the vertices 0..{n - 1} into non-empty components")
    got = {frozenset(c) for c in comps}
    expected = {frozenset(c) for c in gold}
    if got != expected:
        bad = sorted(sorted(c) for c in got - expected)
        return wrong(f"{len(got)} components, expected {len(expected)}; wrong components: {bad[:3]}")
    return CORRECT


def _spanning_tree_check(n: int, edges: Sequence[Sequence[int]], tree: Sequence[Edge], gold_weight: int) -> Verdict:
    weight = {(min(u, v), max(u, v)): w for u, v, w in edges}
    if len(tree) != n - 1:
        return wrong(f"a spanning tree has {n - 1} edges, got {len(tree)}")
    ds = _DisjointSet(n)
    total = 0
    for u, v in tree:
        key = (min(u, v), max(u, v))
        if key not in weight:
            return wrong(f"[{u}, {v}] is not an edge of the graph")
        if not ds.union(u, v):
            return wrong(f"edge [{u}, {v}] closes a cycle")
        total += weight[key]
    if total != gold_weight:
        return wrong(f"spanning tree of weight {total}, the minimum is {gold_weight}")
    return CORRECT


def _tree_weight(edges: Sequence[Sequence[int]], tree: Sequence[Sequence[int]]) -> int:
    weight = {(min(u, v), max(u, v)): w for u, v, w in edges}
    return sum(weight[(min(u, v), max(u, v))] for u, v in tree)


def grade_kruskal(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    pairs = _edge_pairs(answer)
    if isinstance(pairs, Verdict):
        return pairs
    n, edges = data["n"], data["edges"]
    if any(not (0 <= u < n and 0 <= v < n) for u, v in pairs):
        return wrong(f"vertex out of range 0..{n - 1}")
    return _spanning_tree_check(n, edges, pairs, _tree_weight(edges, gold))


def parent_edges(parent: Sequence[int], root: int) -> list[Edge] | str:
    """The tree edges (v, P[v]) of a predecessor array rooted at ``root``, or the reason it is not one."""
    n = len(parent)
    if parent[root] != -1:
        return f"P[{root}] must be -1 for the root, got {parent[root]}"
    for v in range(n):
        if v != root and parent[v] == -1:
            return f"P[{v}] = -1 but {v} is not the root"
        u, steps = v, 0
        while u != root:
            u = parent[u]
            steps += 1
            if steps > n:
                return f"following P from {v} never reaches the root"
    return [(v, parent[v]) for v in range(n) if v != root]


def grade_prim(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    n, edges, root = data["n"], data["edges"], data["source"]
    values = _parent_list(answer, n)
    if isinstance(values, Verdict):
        return values
    tree = parent_edges(values, root)
    if isinstance(tree, str):
        return wrong(tree)
    gold_tree = parent_edges(gold, root)
    assert not isinstance(gold_tree, str)
    return _spanning_tree_check(n, edges, tree, _tree_weight(edges, gold_tree))


def grade_matrix(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    return grade_int_matrix(gold, answer)


ALGOS = (
    Algo("dfs", CATEGORY, make_dfs, grade_dfs),
    Algo("bfs", CATEGORY, make_bfs, grade_bfs),
    Algo("topological_sort", CATEGORY, make_topological_sort, grade_topological),
    Algo("articulation_points", CATEGORY, make_articulation_points, grade_articulation, ((),)),
    Algo("bridges", CATEGORY, make_bridges, grade_bridges, ((), (ANY,))),
    Algo("strongly_connected_components", CATEGORY, make_scc, grade_scc, ((), (ANY,))),
    Algo("mst_kruskal", CATEGORY, make_mst_kruskal, grade_kruskal, ((), (ANY,))),
    Algo("mst_prim", CATEGORY, make_mst_prim, grade_prim),
    Algo("bellman_ford", CATEGORY, make_bellman_ford, grade_exact_list),
    Algo("dijkstra", CATEGORY, make_dijkstra, grade_exact_list),
    Algo("dag_shortest_paths", CATEGORY, make_dag_shortest_paths, grade_exact_list),
    Algo("floyd_warshall", CATEGORY, make_floyd_warshall, grade_matrix),
)
