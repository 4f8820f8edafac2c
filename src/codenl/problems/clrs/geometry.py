"""Computational geometry (CLRS chapter 33): segment intersection, convex hull by Graham scan and Jarvis march.

All coordinates are integers and every test is an exact integer cross product, so gold answers are exact.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping, Sequence
from math import gcd
from typing import Any

from codenl.problems.base import WRONG_TYPE, Problem, Verdict
from codenl.problems.clrs.common import CORRECT, Algo, as_bool_list, as_int_matrix, dumps, wrong

CATEGORY = "geometry"
Point = tuple[int, int]


def cross(o: Sequence[int], a: Sequence[int], b: Sequence[int]) -> int:
    """(a - o) x (b - o): positive when o -> a -> b turns left (counter-clockwise)."""
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _on_segment(p: Sequence[int], q: Sequence[int], r: Sequence[int]) -> bool:
    """r is collinear with p, q: is it within their bounding box (CLRS ON-SEGMENT)?"""
    return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(p[1], q[1])


def segments_intersect(p1: Sequence[int], p2: Sequence[int], p3: Sequence[int], p4: Sequence[int]) -> bool:
    """CLRS SEGMENTS-INTERSECT: do the closed segments p1p2 and p3p4 share a point?"""
    d1, d2 = cross(p3, p4, p1), cross(p3, p4, p2)
    d3, d4 = cross(p1, p2, p3), cross(p1, p2, p4)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and _on_segment(p3, p4, p1))
        or (d2 == 0 and _on_segment(p3, p4, p2))
        or (d3 == 0 and _on_segment(p1, p2, p3))
        or (d4 == 0 and _on_segment(p1, p2, p4))
    )


def _lowest(points: Sequence[Point]) -> Point:
    return min(points, key=lambda p: (p[1], p[0]))


def _dist2(a: Sequence[int], b: Sequence[int]) -> int:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def graham_scan(points: Sequence[Point]) -> list[Point]:
    """CLRS GRAHAM-SCAN: hull vertices counter-clockwise from the lowest (then leftmost) point, no collinear points.

    Needs at least three non-collinear points.
    """
    p0 = _lowest(points)
    rest = [p for p in points if p != p0]

    # sort by polar angle around p0 (all other points lie in the half-plane above it), exactly, by cross products
    def by_angle(a: Point, b: Point) -> int:
        c = cross(p0, a, b)
        if c != 0:
            return -1 if c > 0 else 1
        return _dist2(p0, a) - _dist2(p0, b)

    rest.sort(key=functools.cmp_to_key(by_angle))
    # keep only the farthest point of each angle class
    kept: list[Point] = []
    for p in rest:
        if kept and cross(p0, kept[-1], p) == 0:
            kept[-1] = p
        else:
            kept.append(p)
    stack = [p0]
    for p in kept:
        while len(stack) >= 2 and cross(stack[-2], stack[-1], p) <= 0:
            stack.pop()
        stack.append(p)
    return stack


def jarvis_march(points: Sequence[Point]) -> list[Point]:
    """Jarvis's march (gift wrapping, CLRS 33.3): the same hull, built counter-clockwise from the lowest point."""
    p0 = _lowest(points)
    hull = [p0]
    current = p0
    while True:
        candidate = next(p for p in points if p != current)
        for q in points:
            if q == current:
                continue
            c = cross(current, candidate, q)
            if c < 0 or (c == 0 and _dist2(current, q) > _dist2(current, candidate)):
                candidate = q
        if candidate == p0:
            return hull
        hull.append(candidate)
        current = candidate
        if len(hull) > len(points):
            raise AssertionError("Jarvis march did not close")


def _random_segment_pair(rng: random.Random, span: int) -> list[list[int]]:
    def pt() -> list[int]:
        return [rng.randint(0, span), rng.randint(0, span)]

    def seg() -> list[list[int]]:
        a = pt()
        b = pt()
        while b == a:
            b = pt()
        return [a, b]

    r = rng.random()
    first = seg()
    if r < 0.15:  # collinear: both segments on one line (overlapping or not)
        (x1, y1), (x2, y2) = first
        dx, dy = x2 - x1, y2 - y1
        t = rng.randint(-2, 2)
        u = rng.choice([v for v in range(-2, 4) if v != t])
        second = [[x1 + t * dx, y1 + t * dy], [x1 + u * dx, y1 + u * dy]]
    elif r < 0.25:  # an endpoint of the second segment on the first segment (a lattice point of it) or next to it
        (x1, y1), (x2, y2) = first
        g = gcd(abs(x2 - x1), abs(y2 - y1))
        k = rng.randint(0, g)
        touch = [x1 + (x2 - x1) // g * k, y1 + (y2 - y1) // g * k]
        if rng.random() < 0.5:
            touch = [touch[0] + rng.choice((-1, 1)), touch[1]]
        other = pt()
        while other == touch:
            other = pt()
        second = [touch, other]
    else:
        second = seg()
    return first + second


def make_segments(n: int, rng: random.Random) -> Problem:
    pairs = []
    for _ in range(n):
        want = rng.random() < 0.5
        while True:
            quad = _random_segment_pair(rng, 10)
            if segments_intersect(*quad) == want:
                break
        pairs.append(quad)
    listing = "\n".join(
        f"pair {i}: segment ({a[0]}, {a[1]})-({b[0]}, {b[1]}) and segment ({c[0]}, {c[1]})-({d[0]}, {d[1]})"
        for i, (a, b, c, d) in enumerate(pairs)
    )
    statement = (
        f"Segment intersection (CLRS SEGMENTS-INTERSECT, with cross products) for {n} pairs of line segments in the "
        "plane. A segment includes its two endpoints; two segments intersect when they share at least one point "
        "(touching at an endpoint, or overlapping along a common line, counts as intersecting).\n"
        f"{listing}\n"
        f"Return a list of {n} booleans: entry i is true when the two segments of pair i intersect, else false."
    )
    answer = [segments_intersect(*q) for q in pairs]
    return Problem(
        statement=statement,
        answer_format=("a JSON list of n booleans (true/false), one per pair in order, e.g. [true, false, true]"),
        answer_type="list[bool]",
        answer=answer,
        data={"pairs": pairs},
        algorithm="segments_intersect",
    )


def grade_segments(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    values = as_bool_list(answer, len(gold))
    if values is None:
        return wrong(f"{WRONG_TYPE}: expected a list of {len(gold)} booleans")
    for i, (g, v) in enumerate(zip(gold, values)):
        if g != v:
            return wrong(f"pair {i}: expected {str(g).lower()}, got {str(v).lower()}")
    return CORRECT


def random_points(n: int, rng: random.Random) -> list[Point]:
    """``n`` distinct lattice points in [0, max(10, 2n)]^2, not all on one line."""
    span = max(10, 2 * n)
    while True:
        pts: set[Point] = set()
        while len(pts) < n:
            pts.add((rng.randint(0, span), rng.randint(0, span)))
        points = list(pts)
        rng.shuffle(points)
        if any(cross(points[0], points[1], p) != 0 for p in points[2:]):
            return points


HULLS = {
    "graham_scan": (graham_scan, "Graham's scan (CLRS GRAHAM-SCAN)"),
    "jarvis_march": (jarvis_march, "Jarvis's march (gift wrapping, CLRS section 33.3)"),
}


def _hull_maker(name: str):
    solver, description = HULLS[name]

    def make(n: int, rng: random.Random) -> Problem:
        points = random_points(n, rng)
        statement = (
            f"Convex hull by {description} of {n} points with integer coordinates.\n"
            f"points = {dumps([list(p) for p in points])}  (each [x, y])\n"
            "Return the vertices of the convex hull as [x, y] points in counter-clockwise order, starting from the "
            "point with the lowest y coordinate (the lowest x among those). Only corners belong in the answer: "
            "points lying on an edge of the hull between two corners are excluded, and no point is repeated."
        )
        hull = [list(p) for p in solver(points)]
        return Problem(
            statement=statement,
            answer_format="a JSON list of [x, y] integer pairs, e.g. [[0, 0], [5, 1], [2, 6]]",
            answer_type="list[list[int]]",
            answer=hull,
            data={"points": [list(p) for p in points]},
            algorithm=name,
        )

    return make


def grade_hull(data: Mapping[str, Any], gold: Any, answer: Any) -> Verdict:
    """The gold hull's corners in counter-clockwise order; a different starting corner is accepted."""
    pts = as_int_matrix(answer)
    if pts is None or any(len(p) != 2 for p in pts):
        return wrong(f"{WRONG_TYPE}: expected a list of [x, y] pairs")
    expected = [tuple(p) for p in gold]
    got = [tuple(p) for p in pts]
    if len(got) != len(expected):
        return wrong(f"{len(got)} hull points, expected {len(expected)}")
    if set(got) != set(expected) or len(set(got)) != len(got):
        return wrong(
            f"not the hull's corners: missing {sorted(set(expected) - set(got))}, "
            f"not corners {sorted(set(got) - set(expected))}"
        )
    k = got.index(expected[0])
    if got[k:] + got[:k] != expected:
        return wrong("the corners are not in counter-clockwise order")
    return CORRECT


ALGOS = (
    Algo("segments_intersect", CATEGORY, make_segments, grade_segments),
    Algo("graham_scan", CATEGORY, _hull_maker("graham_scan"), grade_hull),
    Algo("jarvis_march", CATEGORY, _hull_maker("jarvis_march"), grade_hull),
)
