"""Benchmark: the results browser on a synthetic table of the plan's size, in the system's headless Chromium.

4 models x 3 seeds x 3,470 instances x 4 arms = 166,560 records (41,640 instances).  One (model, kind, seed) shard
also gets problems, replies of about 2 KB and execution records, so that an instance page loads a detail file of
realistic size.  Prints the build time, the site's size, and per view the time until the page marks itself
rendered (median of --repeat runs) beside its target: index < 1 s, a kind's list of about 1,000 instances < 2 s.

    .venv/bin/python bench/viewer.py [--repeat 5] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from codenl.analysis.synthetic import PLAN_MODELS, plan_cells, synthetic_records
from codenl.naming import model_slug
from codenl.problems import generate
from codenl.records import write_jsonl_atomic
from codenl.viewer.browser import chromium
from codenl.viewer.build import build

REPLY = (
    "Let me reason about it step by step. " * 20
    + "\n```python\ndef solution():\n"
    + "    x = [3, 1, 2]\n    x.sort()\n" * 15
    + "    return x\n```\n"
    + "So the answer is below.\n" * 10
)


def synthetic_table() -> Any:
    accuracy = {
        m: {"nl": 0.45 + 0.02 * i, "sim": 0.6, "controlsim": 0.62, "code": 0.85 - 0.03 * i}
        for i, m in enumerate(PLAN_MODELS)
    }
    records = synthetic_records(accuracy, [0, 1, 2], plan_cells(), infra_rate=0.005, rng_seed=7)
    rng = np.random.default_rng(3)
    records["gold"] = records["index"].map(lambda i: json.dumps([int(i), int(i) + 1, int(i) + 2]))
    records["answer"] = np.where(records["correct"], records["gold"], '"[1, 2]"')
    fid = rng.random(len(records)) < 0.7
    records["fidelity"] = np.where(records["arm"].isin(["sim", "controlsim"]), fid, None)
    records["fidelity"] = records["fidelity"].astype("boolean")
    records["detail"] = np.where(records["correct"], "", "expected something else")
    return records


def realistic_shard(results: Path, records: Any, model: str, kind: str, seed: int) -> int:
    """Problems, replies and execution records for one (model, kind, seed): real instances renamed to the table's
    ids, so that the instance page reads a detail file of the size a real run writes."""
    rows = records[(records["model"] == model) & (records["kind"] == kind) & (records["seed"] == seed)]
    n = 0
    for size, group in rows.groupby("size"):
        ids = sorted(set(group["instance_id"]), key=lambda s: int(s.rsplit("-", 1)[1]))
        insts = generate(kind, int(size), seed, len(ids))
        for inst, iid in zip(insts, ids, strict=True):
            inst["id"] = iid
        tail = Path(kind, str(size), f"seed{seed}.jsonl")
        write_jsonl_atomic(results / "problems" / tail, insts)
        for arm in ("nl", "sim", "controlsim"):
            write_jsonl_atomic(
                results / "responses" / model_slug(model) / arm / tail,
                [
                    {
                        "instance_id": i["id"],
                        "arm": arm,
                        "status": "ok",
                        "text": REPLY,
                        "usage": {},
                        "provider": "openrouter",
                        "answered_provider": "Upstream",
                        "finish_reason": "stop",
                    }
                    for i in insts
                ],
            )
        write_jsonl_atomic(
            results / "executions" / model_slug(model) / tail,
            [
                {"instance_id": i["id"], "status": "ok", "value": [1, 2, 3], "stderr_tail": "", "wall_s": 0.05}
                for i in insts
            ],
        )
        n += len(insts)
    return n


def timed(driver: Any, url: str, *, fresh: bool) -> float:
    """Milliseconds until the page marks the view rendered: since navigation start (fresh load) or since the hash
    changed (the page's own timing, which includes loading the data files)."""
    if fresh:
        driver.get("about:blank")
        driver.get(url)
    else:
        before = driver.execute_script("return document.documentElement.getAttribute('data-rendered')")
        driver.execute_script("location.hash = arguments[0]", url[url.index("#") :])
    deadline = time.monotonic() + 60
    while True:
        mark = driver.execute_script("return document.documentElement.getAttribute('data-rendered')")
        if mark is not None and (fresh or mark != before):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not render in 60 s")
        time.sleep(0.01)
    last = driver.execute_script("var t = window.CODENL_TIMING; return t[t.length - 1]")
    return float(last["at"] if fresh else last["ms"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=None, help="keep the site here (default: a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.out) if args.out else Path(tmp)
        results = root / "results"
        t0 = time.perf_counter()
        records = synthetic_table()
        path = results / "aggregate" / "records.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        records.to_parquet(path, index=False)
        model = PLAN_MODELS[0]
        n_real = realistic_shard(results, records, model, "clrs30", 0)
        t1 = time.perf_counter()
        site = results / "viewer"
        build(path, results, site)
        t2 = time.perf_counter()
        files = [p for p in site.rglob("*") if p.is_file()]
        size_mb = sum(p.stat().st_size for p in files) / 1e6
        n_inst = records.groupby(["model", "seed", "instance_id"]).ngroups
        print(f"records: {len(records)} ({n_inst} instances x 4 arms); {n_real} instances with replies")
        print(f"synthesise {t1 - t0:6.2f} s | build {t2 - t1:6.2f} s | site {len(files)} files, {size_mb:.1f} MB")
        detail = json.loads((site / "data" / "index.js").read_text().split("]=", 1)[1].rstrip(";\n"))
        mi = [m["name"] for m in detail["models"]].index(model)
        sizes = sorted(int(s) for s in detail["shards"][f"{mi}/clrs30/0"]["detail"])
        iid = records[
            (records["model"] == model)
            & (records["kind"] == "clrs30")
            & (records["seed"] == 0)
            & (records["size"] == sizes[-1])
        ]["instance_id"].iloc[0]
        base = (site / "index.html").as_uri()
        q = f"model={model.replace('/', '%2F')}"
        views = [
            ("index, fresh load", base, True, 1000),
            ("list: one model, add (900 instances), fresh load", f"{base}#/list?{q}&kind=add", True, 2000),
            ("list: one model, add (900 instances), from the index", f"{base}#/list?{q}&kind=add", False, 2000),
            ("list: one model, clrs30 (1,500; 1,000 shown)", f"{base}#/list?{q}&kind=clrs30", False, 2000),
            ("list: all models, add (3,600; 1,000 shown)", f"{base}#/list?kind=add", False, 2000),
            (
                "list: all models, Code correct & NL not (41,640 scanned)",
                f"{base}#/list?dis=ab&a=code&b=nl",
                False,
                None,
            ),
            (
                "instance page (detail file of 100 replies x 3 arms)",
                f"{base}#/instance?{q}&kind=clrs30&size={sizes[-1]}&seed=0&id={iid}",
                False,
                None,
            ),
        ]
        with chromium() as driver:
            print(f"{'view':58s} {'median ms':>10s} {'max ms':>8s} {'target':>8s} {'ratio':>6s}")
            for name, url, fresh, target in views:
                runs = []
                for _ in range(args.repeat):
                    if not fresh:  # from the index, each time with no data file of the view cached in the page
                        timed(driver, base, fresh=True)
                    runs.append(timed(driver, url, fresh=fresh))
                med = statistics.median(runs)
                ratio = f"{med / target:6.2f}" if target else "     -"
                print(f"{name:58s} {med:10.0f} {max(runs):8.0f} {target or '-':>8} {ratio}")
            errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
            print(f"console errors: {len(errors)}")


if __name__ == "__main__":
    main()
