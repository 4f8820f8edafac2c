"""The ``viewer`` subcommand: write the static results browser.

    python -m codenl viewer --records results/aggregate/records.parquet --results results --out results/viewer
                            [--figures results/figures] [--stats results/stats]

Reads the records table (one row per instance x model x seed x arm) and, for every (model, kind, size, seed) in
it, the shards the rows came from under ``--results`` (problems, the three response shards, the execution shard;
a missing shard leaves its fields empty, with a note).  Writes ``--out`` whole (built beside it, then renamed):

``index.html``, ``app.js``, ``style.css``   the page (package data, ``codenl/viewer/assets``)
``data/index.js``                            counts per (model, kind, size, seed, arm), shard table, figures
``data/list/m{i}/{kind}/seed{seed}.js``      one row per instance: outcome, fidelity, short answer per arm
``data/detail/m{i}/{kind}/{size}/seed{seed}.js``  everything one instance page shows
``figures/*.png``                            the figures, copied

Every data file is JavaScript that assigns into a global (:mod:`codenl.viewer.jsdata`), loaded on demand with
``<script src>``, so the site opens from the file system.  docs/viewer.md documents inputs and data files.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from codenl.arms import ARM_LABELS, ARMS, ASKED_ARMS, OUTCOMES
from codenl.errors import UsageError
from codenl.naming import model_slug
from codenl.records import iter_jsonl
from codenl.viewer import ASSETS, FORMAT, VIEWER_VERSION  # noqa: F401 - VIEWER_VERSION re-exported
from codenl.viewer.jsdata import write_js

#: a longer string in a detail file is cut here, with a note saying how much is missing
MAX_TEXT = 100_000
#: length of the short answers and gold of list rows
SHORT = 60
#: figures shown first, in this order; any other PNG of the figures directory follows
FIGURE_ORDER = ("line.png", "by_kind.png", "by_size.png", "heatmap.png", "pvals.png", "outcomes.png")

_IDS = ("instance_id", "kind", "size", "seed", "model", "arm")
_OUTCOME_INDEX = {o: i for i, o in enumerate(OUTCOMES)}


# ----------------------------------------------------------------------------------------------------------------
# pure parts


def short(text: str | None, limit: int = SHORT) -> str | None:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def cap(value: Any, limit: int = MAX_TEXT) -> Any:
    """``value`` with every string longer than ``limit`` cut, saying how many characters were left out."""
    if isinstance(value, str):
        if len(value) <= limit:
            return value
        return value[:limit] + f"\n\u2026 [viewer: {len(value) - limit} more characters in the record]"
    if isinstance(value, dict):
        return {k: cap(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [cap(v, limit) for v in value]
    return value


def _scalar(value: Any) -> Any:
    """A pandas cell as a JSON value (NA -> None, numpy scalars -> Python)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def model_order(records: pd.DataFrame) -> list[str]:
    return sorted(str(m) for m in records["model"].unique())


def kind_order(records: pd.DataFrame) -> list[str]:
    from codenl.problems import KIND_NAMES

    present = {str(k) for k in records["kind"].unique()}
    return [k for k in KIND_NAMES if k in present] + sorted(present - set(KIND_NAMES))


def check_columns(records: pd.DataFrame, where: str) -> None:
    need = ("instance_id", "model", "seed", "kind", "size", "arm", "outcome")
    missing = [c for c in need if c not in records.columns]
    if missing:
        raise UsageError(f"{where}: the records table has no column {', '.join(missing)}")
    bad = sorted(set(records["arm"]) - set(ARMS))
    if bad:
        raise UsageError(f"{where}: unknown arm {bad[0]!r} (arms: {', '.join(ARMS)})")
    bad = sorted(set(records["outcome"]) - set(OUTCOMES))
    if bad:
        raise UsageError(f"{where}: unknown outcome {bad[0]!r}")


def counts_table(records: pd.DataFrame, models: list[str]) -> list[list[Any]]:
    """``[model index, kind, size, seed, arm, n, correct, infra]`` per cell: the page sums them into its tables.

    Accuracy is ``correct / (n - infra)``: infra errors are missing, never wrong (as in the statistics)."""
    df = records[["model", "kind", "size", "seed", "arm", "outcome"]].copy()
    df["correct"] = df["outcome"] == "correct"
    df["infra"] = df["outcome"] == "infra_error"
    g = (
        df.groupby(["model", "kind", "size", "seed", "arm"], observed=True)
        .agg(n=("outcome", "size"), correct=("correct", "sum"), infra=("infra", "sum"))
        .reset_index()
    )
    index = {m: i for i, m in enumerate(models)}
    return [
        [index[r.model], str(r.kind), int(r.size), int(r.seed), str(r.arm), int(r.n), int(r.correct), int(r.infra)]
        for r in g.itertuples(index=False)
    ]


def outcome_counts(records: pd.DataFrame, models: list[str]) -> list[list[Any]]:
    """``[model index, kind, arm, outcome, count]`` (the outcome table links each count to its instances)."""
    g = records.groupby(["model", "kind", "arm", "outcome"], observed=True).size().reset_index(name="n")
    index = {m: i for i, m in enumerate(models)}
    return [[index[r.model], str(r.kind), str(r.arm), str(r.outcome), int(r.n)] for r in g.itertuples(index=False)]


def disagreements(records: pd.DataFrame, models: list[str]) -> dict[str, list[list[Any]]]:
    """Per model: ``pairs`` ``[model index, A, B, n]`` = instances where arm A is correct and arm B is graded but
    not correct (both orders of every compared pair), and ``fidelity`` ``[model index, arm, n false, n known]``."""
    from codenl.analysis.stats import COMPARISONS

    index = {m: i for i, m in enumerate(models)}
    wide = records.pivot_table(
        index=["model", "seed", "instance_id"], columns="arm", values="outcome", aggfunc="first", observed=True
    )
    pairs = []
    for a, b in COMPARISONS:
        for x, y in ((a, b), (b, a)):
            if x not in wide.columns or y not in wide.columns:
                continue
            hit = (wide[x] == "correct") & wide[y].notna() & ~wide[y].isin(["correct", "infra_error"])
            per_model = hit.groupby(level="model", observed=True).sum()
            pairs += [[index[m], x, y, int(n)] for m, n in per_model.items()]
    fidelity = []
    if "fidelity" in records.columns:
        known = records[records["fidelity"].notna()]
        for (m, arm), f in known.groupby(["model", "arm"], observed=True)["fidelity"]:
            fidelity.append([index[m], str(arm), int((~f.astype(bool)).sum()), len(f)])
    return {"pairs": pairs, "fidelity": fidelity}


def _json_text(value: Any) -> str | None:
    """The aggregate stores answers and gold as JSON text; anything else is shown as JSON of itself."""
    value = _scalar(value)
    if value is None or value == "null":
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def list_rows(group: pd.DataFrame) -> list[list[Any]]:
    """One row per instance of one (model, kind, seed): ``[id, size, index, gold, arms]``, sorted by size, index.

    ``arms`` holds, in the order of :data:`ARMS`, ``[outcome index, fidelity (1, 0 or null), short answer]`` or
    null when the arm has no record."""
    has = set(group.columns)
    rows: dict[str, list[Any]] = {}
    for r in group.itertuples(index=False):
        row = rows.get(r.instance_id)
        if row is None:
            gold = _json_text(r.gold) if "gold" in has else None
            index = int(r.index) if "index" in has and _scalar(r.index) is not None else None
            row = rows[r.instance_id] = [str(r.instance_id), int(r.size), index, short(gold), [None] * len(ARMS)]
        fid = _scalar(r.fidelity) if "fidelity" in has else None
        answer = _json_text(r.answer) if "answer" in has else None
        row[4][ARMS.index(r.arm)] = [_OUTCOME_INDEX[r.outcome], None if fid is None else int(bool(fid)), short(answer)]
    return sorted(rows.values(), key=lambda row: (row[1], -1 if row[2] is None else row[2], row[0]))


def _prompt(arm: str, instance: Mapping[str, Any] | None, code: str | None, used: str | None) -> tuple[Any, str]:
    """The prompt of an asked arm, rebuilt from the instance (responses do not store it), and a note."""
    from codenl.prompts import PROMPT_VERSIONS, render

    if arm == "controlsim":
        if not code:
            return None, "nothing was asked: the Sim reply has no code"
    elif instance is None:
        return None, "the problem shard is missing: the prompt cannot be rebuilt"
    try:
        text = render(arm, instance, code)
    except Exception as exc:
        return None, f"the prompt cannot be rebuilt: {exc}"
    note = "rebuilt from the instance with the current template"
    if used and used != PROMPT_VERSIONS[arm]:
        note += f" ({PROMPT_VERSIONS[arm]}); the request used {used}: it may differ"
    return text, note


def _strip(record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {k: v for k, v in record.items() if k not in _IDS}


def instance_detail(
    instance: Mapping[str, Any] | None,
    rows: Mapping[str, Mapping[str, Any]],
    responses: Mapping[str, Mapping[str, Any] | None],
    execution: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Everything the instance page shows: statement, gold and the four arms (graded row, prompt, reply, code,
    execution record).  ``rows`` are graded rows by arm; ``responses`` response records by asked arm."""
    from codenl.answers import find_code

    any_row = next(iter(rows.values()), {})
    sim = responses.get("sim")
    found = find_code(sim.get("text")) if sim and sim.get("status") == "ok" else None
    sim_code = found.code if found else None
    out: dict[str, Any] = {
        "statement": instance.get("statement") if instance else None,
        "answer_format": instance.get("answer_format") if instance else None,
        "answer_type": instance.get("answer_type") if instance else None,
        "algorithm": (instance or {}).get("algorithm") or _scalar(any_row.get("algorithm")),
        "index": (instance or {}).get("index", _scalar(any_row.get("index"))),
        "gold": json.dumps(instance["answer"], ensure_ascii=False)
        if instance and "answer" in instance
        else _json_text(any_row.get("gold")),
        "generator_version": (instance or {}).get("generator_version") or _scalar(any_row.get("generator_version")),
        "arms": {},
    }
    for arm in ARMS:
        row = rows.get(arm)
        entry: dict[str, Any] = {
            "graded": None
            if row is None
            else {
                k: (_json_text(v) if k == "answer" else _scalar(v))
                for k, v in row.items()
                if k
                not in (
                    "instance_id",
                    "model",
                    "seed",
                    "kind",
                    "size",
                    "arm",
                    "gold",
                    "family",
                    "algorithm",
                    "index",
                    "generator_version",
                    "source",
                    "provider",
                )
            }
        }
        if arm in ASKED_ARMS:
            response = responses.get(arm)
            entry["response"] = _strip(response)
            code = sim_code if arm == "controlsim" else None
            asked = response is not None and response.get("status") != "no_code"
            if arm == "controlsim" and not asked:
                entry["prompt"], entry["prompt_note"] = None, "nothing was asked: the Sim reply has no code"
            else:
                entry["prompt"], entry["prompt_note"] = _prompt(
                    arm, instance, code, response.get("prompt_version") if response else None
                )
            if arm == "sim":
                entry["code"] = sim_code
                entry["code_note"] = found.note if found else "no reply text"
            if arm == "controlsim":
                entry["code"] = sim_code
                entry["code_note"] = "the code of the Sim reply, shown to the model"
        else:
            entry["prompt"], entry["prompt_note"] = None, f"no request: runs the code of the {ARM_LABELS['sim']} reply"
            entry["code"] = sim_code
            entry["code_note"] = "the code of the Sim reply, run in the sandbox"
            entry["execution"] = _strip(execution)
        out["arms"][arm] = entry
    return cap(out)


def site_index(
    records: pd.DataFrame,
    *,
    figures: list[str],
    ci: pd.DataFrame | None = None,
    shards: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The contents of ``data/index.js`` (pure)."""
    models = model_order(records)
    kinds = kind_order(records)
    provider = {}
    if "provider" in records.columns:
        provider = {str(m): _scalar(p) for m, p in records.groupby("model", observed=True)["provider"].first().items()}
    families = {}
    if "family" in records.columns:
        families = {str(k): _scalar(f) for k, f in records.groupby("kind", observed=True)["family"].first().items()}
    cis = []
    if ci is not None and {"model", "arm", "ci_low", "ci_high"} <= set(ci.columns):
        index = {m: i for i, m in enumerate(models)}
        for r in ci.itertuples(index=False):
            if r.model in index:
                cis.append([index[r.model], str(r.arm), _scalar(r.ci_low), _scalar(r.ci_high)])
    fidelity_arms = []
    if "fidelity" in records.columns:
        has = records.loc[records["fidelity"].notna(), "arm"].unique()
        fidelity_arms = [a for a in ARMS if a in set(has)]
    return {
        "format": FORMAT,
        "arms": [[a, ARM_LABELS[a]] for a in ARMS],
        "asked_arms": list(ASKED_ARMS),
        "fidelity_arms": fidelity_arms,
        "outcomes": list(OUTCOMES),
        "models": [{"name": m, "slug": model_slug(m), "provider": provider.get(m)} for m in models],
        "kinds": [{"name": k, "family": families.get(k)} for k in kinds],
        "seeds": sorted(int(s) for s in records["seed"].unique()),
        "n_instances": int(records.groupby(["model", "seed", "instance_id"], observed=True).ngroups),
        "n_records": len(records),
        "counts": counts_table(records, models),
        "outcome_counts": outcome_counts(records, models),
        "disagreements": disagreements(records, models),
        "ci": cis,
        "figures": figures,
        "shards": dict(shards or {}),
    }


# ----------------------------------------------------------------------------------------------------------------
# I/O


def _read_by_id(path: Path, notes: list[str]) -> dict[str, dict[str, Any]]:
    if not path.exists():
        notes.append(f"{path} is missing")
        return {}
    out: dict[str, dict[str, Any]] = {}
    for _, record in iter_jsonl(path):
        key = record.get("instance_id", record.get("id"))
        if isinstance(key, str):
            out[key] = record
    return out


def read_records(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise UsageError(f"--records {path}: no such file")
    try:
        df = pd.read_parquet(path)
    except Exception as exc:
        raise UsageError(f"--records {path}: not a readable Parquet file ({exc})") from None
    check_columns(df, f"--records {path}")
    return df


def detail_shard(results: Path, model: str, kind: str, size: int, seed: int, group: pd.DataFrame) -> dict[str, Any]:
    """``{"notes": [...], "instances": {id: instance_detail}}`` for one (model, kind, size, seed), from the shards
    under ``results``; a note names each shard that is missing."""
    slug = model_slug(model)
    notes: list[str] = []
    tail = Path(kind, str(size), f"seed{seed}.jsonl")
    problems = _read_by_id(results / "problems" / tail, notes)
    responses = {arm: _read_by_id(results / "responses" / slug / arm / tail, notes) for arm in ASKED_ARMS}
    executions = _read_by_id(results / "executions" / slug / tail, notes)
    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for record in group.to_dict(orient="records"):
        rows.setdefault(record["instance_id"], {})[record["arm"]] = record
    return {
        "notes": notes,
        "instances": {
            iid: instance_detail(
                problems.get(iid), arms, {a: responses[a].get(iid) for a in ASKED_ARMS}, executions.get(iid)
            )
            for iid, arms in rows.items()
        },
    }


def copy_figures(figures: Path | None, out: Path) -> list[str]:
    if figures is None or not figures.is_dir():
        return []
    names = sorted(p.name for p in figures.glob("*.png"))
    ordered = [n for n in FIGURE_ORDER if n in names] + [n for n in names if n not in FIGURE_ORDER]
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for name in ordered:
        shutil.copyfile(figures / name, out / "figures" / name)
    return ordered


def read_ci(stats: Path | None) -> pd.DataFrame | None:
    path = stats / "accuracy_model_arm.csv" if stats else None
    if path is None or not path.exists():
        return None
    return pd.read_csv(path)


def build(
    records_path: Path, results: Path, out: Path, figures: Path | None = None, stats: Path | None = None
) -> dict[str, Any]:
    """Write the whole site into ``out`` (built in a sibling directory, then swapped in); returns the index."""
    records = read_records(records_path)
    models = model_order(records)
    tmp = out.with_name(f".{out.name}.tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        assets = resources.files("codenl.viewer") / "assets"
        for name in ASSETS:
            (tmp / name).write_bytes((assets / name).read_bytes())
        shards: dict[str, Any] = {}
        for (model, kind, seed), group in records.groupby(["model", "kind", "seed"], observed=True, sort=True):
            mi = models.index(model)
            key = f"{mi}/{kind}/{int(seed)}"
            list_file = f"data/list/m{mi}/{kind}/seed{int(seed)}.js"
            write_js(tmp / list_file, f"list/{key}", list_rows(group))
            details = {}
            for size, sub in group.groupby("size", observed=True, sort=True):
                detail_file = f"data/detail/m{mi}/{kind}/{int(size)}/seed{int(seed)}.js"
                write_js(
                    tmp / detail_file,
                    f"detail/{mi}/{kind}/{int(size)}/{int(seed)}",
                    detail_shard(results, model, kind, int(size), int(seed), sub),
                )
                details[str(int(size))] = detail_file
            shards[key] = {"list": list_file, "detail": details, "n": int(group["instance_id"].nunique())}
        index = site_index(records, figures=copy_figures(figures, tmp), ci=read_ci(stats), shards=shards)
        write_js(tmp / "data" / "index.js", "index", index)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return index


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--records", required=True, help="records table, e.g. results/aggregate/records.parquet")
    parser.add_argument(
        "--results",
        default="results",
        help="results directory holding problems/, responses/, executions/ (default: results)",
    )
    parser.add_argument("--out", required=True, help="output directory, e.g. results/viewer (replaced whole)")
    parser.add_argument("--figures", default=None, help="directory of the PNG figures to show (optional)")
    parser.add_argument(
        "--stats", default=None, help="directory of the stats tables, for the CIs of accuracy_model_arm.csv (optional)"
    )


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    index = build(
        Path(args.records),
        Path(args.results),
        out,
        Path(args.figures) if args.figures else None,
        Path(args.stats) if args.stats else None,
    )
    print(
        f"viewer: {index['n_instances']} instances, {index['n_records']} records, {len(index['shards'])} shards, "
        f"{len(index['figures'])} figures -> {out / 'index.html'}"
    )
    return 0
