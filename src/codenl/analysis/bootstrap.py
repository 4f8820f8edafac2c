"""The cluster bootstrap, vectorised with numpy.

A statistic that pools rows which are not independent (an instance's four arms, or the same instance asked of
several models) must be resampled by *cluster*: draw whole instances with replacement and keep every row that
belongs to them.  Every statistic here is a ratio of sums over clusters, ``sum(numer) / sum(denom)``: accuracy
(``numer`` = correct rows of the cluster, ``denom`` = graded rows of the cluster) or a mean paired difference
(``numer`` = sum of the cluster's differences, ``denom`` = number of pairs in it).  Percentile intervals.

Each group gets its own generator seeded from ``(seed, crc32(key))`` so that a group's interval does not depend
on which other groups were computed or in what order.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Hashable

import numpy as np

N_BOOT = 1000
CI_LEVEL = 0.95
SEED = 20260110
#: elements gathered per chunk (bounds memory at about 32 MB per array)
_CHUNK_ELEMENTS = 4_000_000


def group_rng(seed: int, key: Hashable) -> np.random.Generator:
    """A generator that depends only on ``seed`` and the group ``key`` (stable across runs and orders)."""
    return np.random.default_rng([int(seed), zlib.crc32(repr(key).encode("utf-8"))])


def ratio_bootstrap(numer: np.ndarray, denom: np.ndarray, *, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates of ``sum(numer) / sum(denom)`` when the clusters (entries) are resampled.

    ``numer`` and ``denom`` hold one entry per cluster.  A replicate whose resampled ``denom`` sums to 0 is NaN.

    Drawing n clusters with replacement and summing their values is the same, in distribution, as drawing how
    many times each *distinct* ``(numer, denom)`` pair is picked from a multinomial with the pairs' frequencies.
    Clusters here take few distinct values (0/1 rows, or sums over at most a few models and arms), so the
    replicates cost O(n_boot x distinct pairs) instead of O(n_boot x n).
    """
    numer = np.asarray(numer, dtype=np.float64)
    denom = np.asarray(denom, dtype=np.float64)
    if numer.shape != denom.shape or numer.ndim != 1:
        raise ValueError("numer and denom must be 1-D arrays of the same length (one entry per cluster)")
    n = numer.size
    if n == 0:
        return np.full(n_boot, np.nan)
    pairs, counts = np.unique(np.column_stack([numer, denom]), axis=0, return_counts=True)
    draws = rng.multinomial(n, counts / n, size=n_boot).astype(np.float64)  # (n_boot, distinct pairs)
    num = draws @ pairs[:, 0]
    den = draws @ pairs[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def index_bootstrap(numer: np.ndarray, denom: np.ndarray, *, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """The same replicates by explicit index resampling (reference implementation for tests; slower)."""
    numer = np.asarray(numer, dtype=np.float64)
    denom = np.asarray(denom, dtype=np.float64)
    n = numer.size
    out = np.full(n_boot, np.nan)
    if n == 0:
        return out
    rows = max(1, _CHUNK_ELEMENTS // n)
    for start in range(0, n_boot, rows):
        b = min(rows, n_boot - start)
        idx = rng.integers(0, n, size=(b, n))
        num = numer[idx].sum(axis=1)
        den = denom[idx].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start : start + b] = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out


def percentile_ci(replicates: np.ndarray, level: float = CI_LEVEL) -> tuple[float, float]:
    """The percentile interval of the finite replicates; (nan, nan) when there are none."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return math.nan, math.nan
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def ratio_ci(
    numer: np.ndarray,
    denom: np.ndarray,
    *,
    key: Hashable,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    level: float = CI_LEVEL,
) -> tuple[float, float, float]:
    """``(estimate, ci_low, ci_high)`` of ``sum(numer) / sum(denom)`` by the cluster bootstrap."""
    numer = np.asarray(numer, dtype=np.float64)
    denom = np.asarray(denom, dtype=np.float64)
    total = denom.sum()
    if total <= 0:
        return math.nan, math.nan, math.nan
    estimate = float(numer.sum() / total)
    reps = ratio_bootstrap(numer, denom, n_boot=n_boot, rng=group_rng(seed, key))
    lo, hi = percentile_ci(reps, level)
    return estimate, lo, hi
