"""Dynamic programming (CLRS chapter 15): matrix-chain order, LCS length, optimal binary search tree.

All three answers are exact integers (the optimal BST uses integer weights instead of probabilities, so its cost
is an integer number of weight units).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from codenl.problems.base import Problem, Verdict
from codenl.problems.clrs.common import Algo, dumps, grade_int

CATEGORY = "dynamic"
INT_FORMAT = "a single JSON integer, e.g. 1234"


def matrix_chain_order(p: list[int]) -> int:
    """CLRS MATRIX-CHAIN-ORDER: the minimum number of scalar multiplications for A_1..A_n, A_i is p[i-1] x p[i]."""
    n = len(p) - 1
    m = [[0] * (n + 1) for _ in range(n + 1)]
    for length in range(2, n + 1):
        for i in range(1, n - length + 2):
            j = i + length - 1
            m[i][j] = min(m[i][k] + m[k + 1][j] + p[i - 1] * p[k] * p[j] for k in range(i, j))
    return m[1][n]


def lcs_length(x: str, y: str) -> int:
    """CLRS LCS-LENGTH: the length of a longest common subsequence of x and y."""
    prev = [0] * (len(y) + 1)
    for a in x:
        cur = [0]
        for j, b in enumerate(y, start=1):
            cur.append(prev[j - 1] + 1 if a == b else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def optimal_bst(p: list[int], q: list[int]) -> int:
    """CLRS OPTIMAL-BST with integer weights: min of sum (depth+1)*p_i over keys + sum (depth+1)*q_i over dummies.

    ``p[i-1]`` is the weight of key k_i (i = 1..n), ``q[i]`` that of dummy key d_i (i = 0..n).
    """
    n = len(p)
    # e[i][j] for 1 <= i <= n+1, i-1 <= j <= n ; w likewise
    e = [[0] * (n + 1) for _ in range(n + 2)]
    w = [[0] * (n + 1) for _ in range(n + 2)]
    for i in range(1, n + 2):
        e[i][i - 1] = q[i - 1]
        w[i][i - 1] = q[i - 1]
    for length in range(1, n + 1):
        for i in range(1, n - length + 2):
            j = i + length - 1
            w[i][j] = w[i][j - 1] + p[j - 1] + q[j]
            e[i][j] = min(e[i][r - 1] + e[r + 1][j] for r in range(i, j + 1)) + w[i][j]
    return e[1][n]


def make_matrix_chain(n: int, rng: random.Random) -> Problem:
    p = [rng.randint(2, 30) for _ in range(n + 1)]
    dims = ", ".join(f"A_{i} is {p[i - 1]} x {p[i]}" for i in range(1, n + 1))
    statement = (
        f"Matrix-chain multiplication (CLRS MATRIX-CHAIN-ORDER): the product A_1 A_2 ... A_{n} of {n} matrices is to "
        "be computed; matrix A_i has p[i-1] rows and p[i] columns, and multiplying an a x b matrix by a b x c "
        "matrix costs a*b*c scalar multiplications.\n"
        f"p = {dumps(p)}  (so {dims})\n"
        "Return the minimum total number of scalar multiplications over all ways to parenthesize the product."
    )
    return Problem(
        statement=statement,
        answer_format=INT_FORMAT,
        answer_type="int",
        answer=matrix_chain_order(p),
        data={"p": p},
        algorithm="matrix_chain_order",
    )


def make_lcs(n: int, rng: random.Random) -> Problem:
    x = "".join(rng.choice("ACGT") for _ in range(n))
    y = "".join(rng.choice("ACGT") for _ in range(n))
    statement = (
        "Longest common subsequence (CLRS LCS-LENGTH): a subsequence of a string keeps some of its characters in "
        "their original order, not necessarily adjacent.\n"
        f'X = "{x}"\n'
        f'Y = "{y}"\n'
        f"Both strings have length {n}. Return the length of a longest common subsequence of X and Y."
    )
    return Problem(
        statement=statement,
        answer_format="a single JSON integer (the length), e.g. 7",
        answer_type="int",
        answer=lcs_length(x, y),
        data={"x": x, "y": y},
        algorithm="lcs_length",
    )


def make_optimal_bst(n: int, rng: random.Random) -> Problem:
    p = [rng.randint(1, 20) for _ in range(n)]
    q = [rng.randint(1, 10) for _ in range(n + 1)]
    statement = (
        f"Optimal binary search tree (CLRS OPTIMAL-BST) with integer weights instead of probabilities. There are {n} "
        f"keys k_1 < k_2 < ... < k_{n} and {n + 1} dummy keys d_0, d_1, ..., d_{n} (d_i stands for the values "
        "between k_i and k_(i+1); d_0 for those below k_1, "
        f"d_{n} for those above k_{n}). Key k_i has weight p_i and dummy key d_i has weight q_i.\n"
        f"p_1..p_{n} = {dumps(p)}\n"
        f"q_0..q_{n} = {dumps(q)}\n"
        "In a binary search tree on the keys, the dummy keys are the leaves. The cost of a tree is the sum over all "
        "keys and dummy keys of (depth + 1) * weight, where the root has depth 0. Return the minimum cost over all "
        "binary search trees on these keys (an integer)."
    )
    return Problem(
        statement=statement,
        answer_format=INT_FORMAT,
        answer_type="int",
        answer=optimal_bst(p, q),
        data={"p": p, "q": q},
        algorithm="optimal_bst",
    )


def grade_exact_int(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    return grade_int(gold, answer)


ALGOS = (
    Algo("matrix_chain_order", CATEGORY, make_matrix_chain, grade_exact_int),
    Algo("lcs_length", CATEGORY, make_lcs, grade_exact_int),
    Algo("optimal_bst", CATEGORY, make_optimal_bst, grade_exact_int),
)
