"""bsp: binary search in a sorted array (answer = the index of the target, or -1).

Size = array length. The array holds distinct integers in increasing order, drawn from ``[-5 * size, 5 * size]``.
The target is in the array in four instances out of five (indices with ``index % 5 != 4``, at a random
position); otherwise it is a value inside the array's range that the array does not contain, and the answer is
-1. Absent targets are therefore a fixed minority (20%) of every shard.

``data``: ``array``, ``target``.
``answer``: the 0-based index of ``target`` in ``array``, or -1 when it is absent (``int``); unique because the
values are distinct.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Mapping, Sequence
from typing import Any

from codenl.problems.base import Kind, Problem, Verdict
from codenl.problems.nphard._common import FAMILY, int_verdict


def binary_search(array: Sequence[int], target: int) -> int:
    """Index of ``target`` in the sorted ``array`` (distinct values), or -1."""
    i = bisect.bisect_left(array, target)
    return i if i < len(array) and array[i] == target else -1


class BinarySearch(Kind):
    name = "bsp"
    family = FAMILY
    min_size = 2
    max_size = 1000
    version = "1"
    size_meaning = "array length"

    def make(self, size: int, rng: random.Random, index: int) -> Problem:
        array = sorted(rng.sample(range(-5 * size, 5 * size + 1), size))
        if index % 5 == 4:
            present = set(array)
            target = rng.choice([x for x in range(array[0], array[-1]) if x not in present])
        else:
            target = array[rng.randrange(size)]
        answer = binary_search(array, target)
        statement = (
            f"This array of {size} distinct integers is sorted in increasing order (positions are numbered "
            f"from 0):\n{array}\n"
            f"Use binary search to find the position of the value {target} in the array. If {target} does not "
            f"occur in the array, the answer is -1."
        )
        answer_format = "a JSON integer: the 0-based position of the value in the array, or -1 if it is absent"
        return Problem(
            statement=statement,
            answer_format=answer_format,
            answer_type="int",
            answer=answer,
            data={"array": array, "target": target},
        )

    def grade(self, instance: Mapping[str, Any], answer: Any) -> Verdict:
        data = instance["data"]
        return int_verdict(answer, binary_search(data["array"], data["target"]))


KINDS = (BinarySearch(),)
