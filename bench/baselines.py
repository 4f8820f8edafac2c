"""The cheap strategies over the plan's whole grid: what each scores per kind and level, and what hard draws cost.

Generates the plan's grid (workflow/experiments/scaled_code_nl.yaml: seeds 0-2, the plan's sizes and counts) with
the current generators, grades every instance's cheap strategies exactly as the baselines stage does (majority
answers learned on the other seeds), and prints

1. per NP-hard kind, the share of instances its standard heuristic (and any further heuristic) gets right, by
   level: the table the generators are checked against (hardest level at most 50%; decision kinds at most 65% at
   every level, exactly half true);
2. per kind, the best cheap strategy overall and at the smallest size;
3. the acceptance rate of every rejection loop that makes the standard heuristic fail (draws accepted / draws), and
   the generation time per kind.

    .venv/bin/python bench/baselines.py [--configfile FILE] [--draws 300]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from codenl.baselines import evaluate, majority_answers  # noqa: E402
from codenl.config import counts_of, load_config  # noqa: E402
from codenl.problems import generate  # noqa: E402
from codenl.problems.nphard import gcp, ksp, tsp  # noqa: E402

HARD_KINDS = ("tsp", "tsp_d", "gcp", "gcp_d", "ksp", "msp", "spp")
DECISION = ("tsp_d", "gcp_d")


def acceptance(draws: int) -> list[tuple[str, int, float]]:
    """``(loop, size, accepted share)`` of each rejection loop, on fresh draws at the plan's levels."""
    rng = random.Random(12)
    out = []
    for n in (6, 8, 10):  # tsp_d: cities redrawn until the nearest-neighbour tour is not optimal
        ok = 0
        for _ in range(draws):
            dist = tsp.random_distances(n, rng)
            ok += tsp.tour_length(dist, tsp.nearest_neighbour_tour(dist)) > tsp.held_karp(dist)[0]
        out.append(("tsp_d: nearest-neighbour tour not optimal", n, ok / draws))
    for n in (6, 9, 12):  # gcp, gcp_d: graphs (each with up to 30 relabellings) until the greedy colourings fail
        ok = 0
        for _ in range(draws):
            edges = gcp.random_graph(n, rng)
            chi = gcp.chromatic_colouring(n, edges)[0]
            for attempt in range(gcp.RELABELLINGS + 1):
                if attempt:
                    perm = list(range(n))
                    rng.shuffle(perm)
                    edges = sorted([min(perm[u], perm[v]), max(perm[u], perm[v])] for u, v in edges)
                if gcp.defeats_greedy(n, edges, chi):
                    ok += 1
                    break
        which = (
            "largest-degree-first and DSATUR fail"
            if n >= gcp.DSATUR_HARD_MIN_VERTICES
            else "largest-degree-first fails"
        )
        out.append((f"gcp, gcp_d: {which}", n, ok / draws))
    for n in (6, 10, 14):  # ksp: items redrawn until the value-per-weight greedy is not optimal
        ok = 0
        for _ in range(draws):
            w, v, c = ksp.draw_items(n, rng)
            ok += sum(v[i] for i in ksp.greedy_by_ratio(w, v, c)) < ksp.knapsack(w, v, c)[0]
        out.append(("ksp: value-per-weight greedy not optimal", n, ok / draws))
    return out


def learned_rule(shards: dict[tuple[str, int, int], list[dict]], kind: str, feature) -> dict[int, float]:
    """Per size: the out-of-sample accuracy of the best one-feature threshold rule "true iff feature < t" (or its
    negation), the threshold learned on the other seeds: does a simple cue give a decision kind's answer away?"""
    out = {}
    for size in sorted({s for k, s, _ in shards if k == kind}):
        rows = {
            sd: [(feature(i), i["answer"]) for i in insts]
            for (k, s, sd), insts in shards.items()
            if k == kind and s == size
        }
        right = total = 0
        for seed, test in rows.items():
            train = [r for sd, rs in rows.items() if sd != seed for r in rs]
            cuts = sorted({x for x, _ in train})
            rules = [(t, sign) for t in cuts for sign in (True, False)]
            t, sign = max(rules, key=lambda r: sum(((x < r[0]) == a) == r[1] for x, a in train))
            right += sum(((x < t) == a) == sign for x, a in test)
            total += len(test)
        out[size] = right / total
    return out


def nn_gap(inst: dict) -> float:
    d = inst["data"]
    nn = tsp.tour_length(d["dist"], tsp.nearest_neighbour_tour(d["dist"]))
    return (nn - d["threshold"]) / nn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", type=Path, default=ROOT / "workflow" / "experiments" / "scaled_code_nl.yaml")
    parser.add_argument("--draws", type=int, default=300, help="draws per acceptance rate")
    args = parser.parse_args(argv)
    config = load_config([args.configfile])
    seeds = list(config["seeds"])

    shards: dict[tuple[str, int, int], list[dict]] = {}
    gen_s: dict[str, float] = defaultdict(float)
    for kind in config["kinds"]:
        for size, n in counts_of(config, kind):
            for seed in seeds:
                start = time.perf_counter()
                shards[(kind, size, seed)] = generate(kind, size, seed, n)
                gen_s[kind] += time.perf_counter() - start

    # solved[kind][size][strategy] -> [bool]
    solved: dict[str, dict[int, dict[str, list[bool]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    truth: dict[str, dict[int, list[bool]]] = defaultdict(lambda: defaultdict(list))
    heuristic: dict[str, str | None] = {}
    for (kind, size, seed), insts in shards.items():
        train = [i for (k, s, sd), other in shards.items() if k == kind and sd != seed for i in other]
        majority = majority_answers(train)
        for inst in insts:
            rec = evaluate(inst, majority)
            heuristic[kind] = rec["heuristic"]
            for name, ok in rec["solved"].items():
                solved[kind][size][name].append(ok)
            if kind in DECISION:
                truth[kind][size].append(inst["answer"])

    def share(values: list[bool]) -> str:
        return f"{100 * sum(values) / len(values):.0f}%"

    print(f"grid: {args.configfile.name}, seeds {seeds}; majority answers learned on the other seeds\n")
    print("| kind | heuristic | share it gets right, by level (size: share) | verdict |")
    print("|---|---|---|---|")
    for kind in HARD_KINDS:
        if kind not in solved:
            continue
        sizes = sorted(solved[kind])
        names = [
            n
            for n in solved[kind][sizes[0]]
            if n
            not in (
                "constant_0",
                "constant_1",
                "constant_true",
                "constant_false",
                "majority",
                "first_number",
                "last_number",
                "largest_number",
            )
        ]
        for name in names:
            shares = [sum(solved[kind][s][name]) / len(solved[kind][s][name]) for s in sizes]
            cells = ", ".join(f"{s}: {100 * x:.0f}%" for s, x in zip(sizes, shares, strict=True))
            if name != heuristic[kind]:
                verdict = "(further heuristic, reported only)"
            elif kind in DECISION:
                verdict = "met" if max(shares) <= 0.65 else "MISSED"
                verdict += " (<= 65% at every level)"
            else:
                verdict = ("met" if shares[-1] <= 0.5 else "MISSED") + " (<= 50% at the hardest level)"
            print(f"| {kind} | {name} | {cells} | {verdict} |")
    for kind in DECISION:
        if kind in truth:
            print(
                f"\n{kind}: share true by level: "
                + ", ".join(f"{s}: {share(v)} of {len(v)}" for s, v in sorted(truth[kind].items()))
            )

    print("\nlearned one-feature rules on the decision kinds (threshold learned on the other seeds):")
    cues = (
        ("tsp_d", "(nearest-neighbour length - threshold) / nearest-neighbour length", nn_gap),
        ("gcp_d", "number of edges", lambda i: len(i["data"]["edges"])),
        ("gcp_d", "edges per k", lambda i: len(i["data"]["edges"]) / i["data"]["k"]),
    )
    for kind, what, feature in cues:
        if kind in config["kinds"]:
            rates = learned_rule(shards, kind, feature)
            print(f"  {kind}: {what}: " + ", ".join(f"{s}: {100 * r:.0f}%" for s, r in rates.items()))

    print("\n| kind | best cheap strategy overall | its share | at the smallest size: best, share |")
    print("|---|---|---|---|")
    for kind in config["kinds"]:
        pooled: dict[str, list[bool]] = defaultdict(list)
        for size in solved[kind]:
            for name, v in solved[kind][size].items():
                pooled[name].extend(v)
        best = max(pooled, key=lambda n: sum(pooled[n]) / len(pooled[n]))
        small = solved[kind][min(solved[kind])]
        best_small = max(small, key=lambda n: sum(small[n]) / len(small[n]))
        total = len(next(iter(pooled.values())))
        print(
            f"| {kind} | {best} | {sum(pooled[best])}/{total} ({share(pooled[best])}) | "
            f"{min(solved[kind])}: {best_small}, {share(small[best_small])} |"
        )

    print(f"\nacceptance of the rejection loops ({args.draws} draws each):")
    for what, size, rate in acceptance(args.draws):
        print(f"  {what:<56} size {size:>2}: {100 * rate:5.1f}%")
    print(
        "\ngeneration time per kind (s, whole grid, one process): "
        + ", ".join(f"{k} {gen_s[k]:.2f}" for k in sorted(gen_s, key=gen_s.get, reverse=True)[:8])
    )
    print(f"total generation {sum(gen_s.values()):.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
