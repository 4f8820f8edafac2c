"""The nine NP-hard kinds (NPHardEval-style): spp tsp tsp_d msp ksp gcp gcp_d bsp edp.

Each module documents its instance ``data`` keys, answer shape and grading; the exact solvers live next to the
kinds they serve. :data:`DEFAULT_SIZES` (read from the kind registry) gives, per kind, the size levels the plan's
grid uses: three levels each, with 10 instances per level (30 per kind and seed, as the plan asks). Every exact
solver takes milliseconds at these sizes.
"""

from __future__ import annotations

from codenl.problems import REGISTRY

#: kind -> size levels of the plan's grid (3 levels x 10 instances = 30 per kind and seed), from the kind registry
DEFAULT_SIZES: dict[str, tuple[int, ...]] = {
    name: spec.default_sizes for name, spec in REGISTRY.items() if spec.family == "nphard"
}

#: instances per size level in the plan's grid (30 per kind spread over its 3 levels)
DEFAULT_N_PER_SIZE = 10
