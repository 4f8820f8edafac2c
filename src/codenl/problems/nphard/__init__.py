"""The nine NP-hard kinds (NPHardEval-style): spp tsp tsp_d msp ksp gcp gcp_d bsp edp.

Each module documents its instance ``data`` keys, answer shape and grading; the exact solvers live next to the
kinds they serve. :data:`DEFAULT_SIZES` gives, per kind, the size levels the plan's grid uses: three levels each,
with 10 instances per level (30 per kind and seed, as the plan asks). Every exact solver takes milliseconds at
these sizes.
"""

from __future__ import annotations

#: kind -> size levels of the plan's grid (3 levels x 10 instances = 30 per kind and seed)
DEFAULT_SIZES: dict[str, tuple[int, ...]] = {
    "spp": (6, 10, 14),  # nodes
    "tsp": (6, 8, 10),  # cities
    "tsp_d": (6, 8, 10),  # cities
    "msp": (5, 7, 9),  # meetings
    "ksp": (6, 10, 14),  # items
    "gcp": (6, 9, 12),  # vertices
    "gcp_d": (6, 9, 12),  # vertices
    "bsp": (10, 20, 40),  # array length
    "edp": (6, 10, 14),  # string length
}

#: instances per size level in the plan's grid (30 per kind spread over its 3 levels)
DEFAULT_N_PER_SIZE = 10
