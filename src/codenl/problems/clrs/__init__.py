"""The kind ``clrs30``: the 30 algorithms of the CLRS benchmark (Velickovic et al. 2022) as prompt-sized problems.

Instance ``index`` of size ``size`` uses algorithm ``algorithm_for(index, size)``: the 30 algorithms in an order
fixed per size (a hash of the size), cycled, so that every 30 consecutive instances cover each algorithm once and
the remainder (n not a multiple of 30) falls on different algorithms at different sizes, instead of always on the
first five (the sorting algorithms, which a fixed order would over-weight by up to 25% in the plan's grid).  ``size`` is
the input length: array length (sorting, searching, maximum subarray), number of matrices
(matrix chain), string length (LCS, string matching), number of keys (optimal BST), activities or tasks (greedy),
vertices (graphs), segment pairs (segment intersection) or points (convex hulls).

One module per CLRS category defines the algorithms (generator, gold solver, grader); see
:mod:`codenl.problems.clrs.common` for the interface.  All answers are typed JSON (ints, bools, lists, matrices)
and exact: every input is integral (integer weights, integer coordinates, integer frequencies for the optimal BST),
so no answer is a float and no grader needs a tolerance.

What each algorithm asks for (answer_type), and what its grader accepts:

=============================== ================= ===========================================================
the four sorts                  list[int]         the sorted array (exact)
quickselect                     int               the k-th smallest value (1-based k, repeats counted)
minimum                         int               0-based index of the first occurrence of the minimum
binary_search                   int               smallest i with A[i] >= x (index of x, or insertion point)
find_maximum_subarray           list[int]         [low, high, sum]; any block with the maximum sum
matrix_chain_order              int               minimum number of scalar multiplications
lcs_length                      int               length of a longest common subsequence
optimal_bst                     int               minimum cost sum (depth+1)*weight over keys and dummy keys
activity_selector               list[int]         indices of any maximum set of compatible activities
task_scheduling                 int               minimum total penalty of late tasks
dfs                             list[int]         predecessor array under the stated order (exact), -1 for roots
bfs                             list[int]         predecessor array of any breadth-first tree, -1 source/unreached
topological_sort                list[int]         any valid topological order
articulation_points             list[int]         the set of cut vertices (any order)
bridges                         list[list[int]]   the set of bridges [u, v] (any order, either orientation)
strongly_connected_components   list[list[int]]   the partition into components (any order)
mst_kruskal                     list[list[int]]   edges of any minimum spanning tree
mst_prim                        list[int]         predecessor array (root 0) of any minimum spanning tree
bellman_ford, dijkstra,         list[int]         distances from the source (every vertex is reachable)
dag_shortest_paths
floyd_warshall                  list[list[int]]   distance matrix, -1 where there is no path (weights > 0)
naive_string_matcher, kmp       list[int]         every 0-based shift of an occurrence, increasing
segments_intersect              list[bool]        one verdict per segment pair (size = number of pairs)
graham_scan, jarvis_march       list[list[int]]   hull corners [x, y] counter-clockwise (any starting corner)
=============================== ================= ===========================================================
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Mapping
from typing import Any

from codenl.errors import RecordError
from codenl.problems import REGISTRY
from codenl.problems.base import Kind, PathPattern, Problem, Verdict
from codenl.problems.clrs import divide_conquer, dynamic, geometry, graphs, greedy, searching, sorting, strings
from codenl.problems.clrs.common import Algo

#: the 30 algorithms in the order of tables and figures (instances cycle through them: algorithm_for)
ALGORITHMS: tuple[str, ...] = (
    "insertion_sort",
    "bubble_sort",
    "heapsort",
    "quicksort",
    "quickselect",
    "minimum",
    "binary_search",
    "find_maximum_subarray",
    "matrix_chain_order",
    "lcs_length",
    "optimal_bst",
    "activity_selector",
    "task_scheduling",
    "dfs",
    "bfs",
    "topological_sort",
    "articulation_points",
    "bridges",
    "strongly_connected_components",
    "mst_kruskal",
    "mst_prim",
    "bellman_ford",
    "dijkstra",
    "dag_shortest_paths",
    "floyd_warshall",
    "naive_string_matcher",
    "kmp_matcher",
    "segments_intersect",
    "graham_scan",
    "jarvis_march",
)

#: the input lengths of the plan's grid (500 instances per seed spread over these), from the kind registry
DEFAULT_SIZES: tuple[int, ...] = REGISTRY["clrs30"].default_sizes
MIN_SIZE, MAX_SIZE = 4, 32

_MODULES = (sorting, searching, divide_conquer, dynamic, greedy, graphs, strings, geometry)
ALGOS: dict[str, Algo] = {a.name: a for m in _MODULES for a in m.ALGOS}
assert set(ALGOS) == set(ALGORITHMS) and len(ALGORITHMS) == 30, "ALGORITHMS and the modules disagree"


@functools.cache
def algorithm_order(size: int) -> tuple[str, ...]:
    """The order in which instances of ``size`` cycle through the 30 algorithms."""
    return tuple(sorted(ALGORITHMS, key=lambda a: hashlib.sha256(f"clrs30-order|{size}|{a}".encode()).hexdigest()))


def algorithm_for(index: int, size: int) -> str:
    return algorithm_order(size)[index % len(ALGORITHMS)]


class Clrs30(Kind):
    name = "clrs30"
    family = "clrs"
    min_size = MIN_SIZE
    max_size = MAX_SIZE
    version = "3"  # 2: algorithm order per size (algorithm_for); 3: bellman_ford, dag_shortest_paths: some weight < 0
    size_meaning = (
        "input length: array length, matrices, string length, keys, activities, tasks, vertices, "
        "segment pairs or points"
    )

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        return ALGOS[algorithm_for(index, size)].make(size, rng)

    def _algo(self, instance: Mapping[str, Any]) -> Algo:
        name = instance.get("algorithm")
        if name not in ALGOS:
            raise RecordError(
                f"clrs30 instance {instance.get('id')!r}: field 'algorithm' is {name!r}, "
                f"not one of the 30 CLRS algorithms"
            )
        return ALGOS[name]

    def unordered_at(self, instance: Mapping[str, Any]) -> tuple[PathPattern, ...]:
        return self._algo(instance).unordered

    def grade(self, instance: Mapping[str, Any], answer: Any) -> Verdict:
        return self._algo(instance).grade(instance["data"], instance["answer"], answer)


KINDS = (Clrs30(),)

__all__ = ["ALGORITHMS", "ALGOS", "DEFAULT_SIZES", "KINDS", "Clrs30", "algorithm_for"]
