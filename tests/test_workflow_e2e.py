"""The workflow end to end against the fake OpenAI-compatible server: every target, resume after kills, reruns
that follow versions, and bad configurations that stop before any job.

Each test runs the real Snakefile with the local profile in its own working directory (``snakemake -d``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from codenl.records import read_jsonl

from .conftest import ROOT
from .fake_openai import FakeServerThread, body_key

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
BASE = [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--profile", str(ROOT / "workflow" / "profiles" / "local")]
ARMS = ("nl", "sim", "controlsim", "code")


def snakemake(
    workdir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BASE, "-d", str(workdir), "--cores", "2", *args],
        capture_output=True,
        text=True,
        env=env or clean_env(),
        timeout=timeout,
    )


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    env.update(extra)
    return env


def tiny_config(url: str, **over: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "models": [{"name": "fake/model", "provider": "openai_compatible", "base_url": url}],
        "seeds": [0],
        "kinds": ["add", "tsp_d", "clrs30"],
        "sizes": {"add": [2, 3], "tsp_d": [5], "clrs": [4]},
        "n": {"default": 2},
        "sampling": {"temperature": 0, "top_p": 1, "max_tokens": 64},
        "concurrency": {"openai_compatible": {"jobs": 2, "window": 2}},
        "retries": {"max_attempts": 3, "request_timeout_s": 30},
        "sandbox": {"allow_degraded": True, "workers": 1, "timeout_s": 5},
        "validation": {"max_parse_error_rate": 1.0},
    }
    cfg.update(over)
    return cfg


def write_config(workdir: Path, cfg: dict[str, Any]) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "test.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def instances(workdir: Path) -> list[dict[str, Any]]:
    return [r for p in sorted((workdir / "results" / "problems").rglob("*.jsonl")) for r in read_jsonl(p)]


def ledger_ok_keys(workdir: Path) -> set[str]:
    keys: set[str] = set()
    for path in (workdir / "results" / "ledger").rglob("*.jsonl"):
        keys.update(r["key"] for r in read_jsonl(path, allow_partial_tail=True) if r.get("status") == "ok")
    return keys


def server_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def key_map(workdir: Path, cfg: dict[str, Any]) -> dict[str, str]:
    """Server key (sha256 of model, messages, sampling) -> ledger key, rebuilt from the instances and sim replies."""
    from codenl.answers import extract_code
    from codenl.llm.client import Sampling
    from codenl.llm.ledger import request_key
    from codenl.prompts import build_messages

    model = cfg["models"][0]
    s = cfg["sampling"]
    out = {}
    for inst in instances(workdir):
        params = Sampling(float(s["temperature"]), float(s["top_p"]), s["max_tokens"], inst["seed"]).params()
        shard = Path(inst["kind"], str(inst["size"]), f"seed{inst['seed']}.jsonl")
        sim_path = workdir / "results" / "responses" / "fake--model" / "sim" / shard
        sim = {r["instance_id"]: r for r in read_jsonl(sim_path)}
        messages_of = {"nl": build_messages("nl", inst), "sim": build_messages("sim", inst)}
        code = extract_code(sim[inst["id"]]["text"] or "")
        if code:
            messages_of["controlsim"] = build_messages("controlsim", inst, code=code)
        for messages in messages_of.values():
            server = body_key({"model": model["name"], "messages": messages, **params})
            out[server] = request_key(model["base_url"], model["name"], messages, params)
    return out


def check_complete_run(workdir: Path) -> list[dict[str, Any]]:
    """Every instance has exactly one response per asking arm and one graded record per arm."""
    insts = instances(workdir)
    ids = Counter(i["id"] for i in insts)
    assert insts and max(ids.values()) == 1
    for arm in ("nl", "sim", "controlsim"):
        arm_dir = workdir / "results" / "responses" / "fake--model" / arm
        got = Counter(r["instance_id"] for p in arm_dir.rglob("*.jsonl") for r in read_jsonl(p))
        assert got == ids, arm
    graded = [r for p in (workdir / "results" / "graded").rglob("*.jsonl") for r in read_jsonl(p)]
    assert Counter((r["instance_id"], r["arm"]) for r in graded) == Counter((i, a) for i in ids for a in ARMS)
    assert all(r["outcome"] != "infra_error" for r in graded)
    return graded


def dry_run_jobs(workdir: Path, env: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """``(rule, wildcards)`` of every job a dry run would run."""
    out = snakemake(workdir, "--configfile", str(workdir / "test.yaml"), "-n", env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    jobs: list[tuple[str, dict[str, str]]] = []
    for line in (out.stdout + out.stderr).splitlines():
        stripped = line.strip()
        if (line.startswith("rule ") or line.startswith("localrule ")) and stripped.endswith(":"):
            jobs.append((stripped.split()[1].rstrip(":"), {}))
        elif stripped.startswith("wildcards:") and jobs:
            jobs[-1][1].update(dict(kv.split("=", 1) for kv in stripped[len("wildcards:") :].strip().split(", ")))
    return jobs


# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], Path]:
    workdir = tmp_path_factory.mktemp("e2e")
    log = workdir / "requests.log"
    with FakeServerThread(log_path=log) as srv:
        cfg = tiny_config(srv.url)
        write_config(workdir, cfg)
        out = snakemake(workdir, "--configfile", str(workdir / "test.yaml"))
        assert out.returncode == 0, out.stderr[-5000:]
    return workdir, cfg, log


@pytest.mark.slow
def test_every_target_is_built_once(finished_run: tuple[Path, dict[str, Any], Path]) -> None:
    workdir, cfg, log = finished_run
    res = workdir / "results"
    for name in ("line.png", "by_kind.png", "by_size.png", "heatmap.png", "pvals.png", "outcomes.png"):
        assert (res / "figures" / name).stat().st_size > 1000, name
    for path in (
        "aggregate/records.parquet",
        "aggregate/validation.md",
        "aggregate/validation.json",
        "stats/hypotheses.md",
        "stats/report.md",
        "config.yaml",
        "provenance.json",
    ):
        assert (res / path).stat().st_size > 0, path
    # provenance: this checkout's commit, the run's configuration, the layers the sandbox used; the report shows it
    prov = json.loads((res / "provenance.json").read_text())
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert prov["git"]["commit"] == head and isinstance(prov["git"]["dirty"], bool)
    effective = yaml.safe_load((res / "config.yaml").read_text())
    from codenl.provenance import config_sha256

    assert prov["config_sha256"] == config_sha256(effective)
    assert prov["sandbox"]["layers_used"] and "hygiene" in next(iter(prov["sandbox"]["layers_used"]))
    assert f"`{head}`" in (res / "stats" / "report.md").read_text()
    assert json.loads((res / "aggregate" / "validation.json").read_text())
    for path in ("index.html", "app.js", "style.css", "data/index.js", "figures/line.png"):
        assert (res / "viewer" / path).stat().st_size > 0, path
    assert len(list((res / "viewer" / "data" / "detail").rglob("seed0.js"))) == 2 + 1 + 1  # (model, kind, size)
    graded = check_complete_run(workdir)
    assert len(graded) == (2 * 2 + 2 + 2) * 4
    # the effective configuration is the one given, defaults filled
    effective = yaml.safe_load((res / "config.yaml").read_text())
    assert effective["kinds"] == cfg["kinds"] and effective["models"][0]["base_url"] == cfg["models"][0]["base_url"]
    # the server saw each request once: nl and sim for every instance, controlsim for every sim reply with code
    requests = server_log(log)
    keys = Counter(r["key"] for r in requests)
    assert max(keys.values()) == 1
    assert set(keys) == set(key_map(workdir, cfg))
    # one ledger per (model, arm, kind, seed), outside the outputs
    assert sorted(p.relative_to(res / "ledger").as_posix() for p in (res / "ledger").rglob("*.jsonl")) == sorted(
        f"fake--model/{a}/{k}/seed0.jsonl" for a in ("nl", "sim", "controlsim") for k in cfg["kinds"]
    )


@pytest.mark.slow
def test_finished_run_does_nothing_and_versions_rerun_only_what_depends_on_them(
    finished_run: tuple[Path, dict[str, Any], Path], tmp_path: Path
) -> None:
    workdir, cfg, _ = finished_run
    out = snakemake(workdir, "--configfile", str(workdir / "test.yaml"), "-n")
    assert out.returncode == 0 and "Nothing to be done" in out.stdout + out.stderr

    def bumped(code: str) -> dict[str, str]:
        site = tmp_path / code.split(".")[1].split()[0]
        site.mkdir()
        (site / "sitecustomize.py").write_text(code)
        return clean_env(PYTHONPATH=str(site))

    analysis = {
        ("aggregate", None),
        ("provenance", None),
        ("validate", None),
        ("stats", None),
        ("plots", None),
        ("viewer", None),
        ("all", None),
    }

    def stage_and_kind(jobs: list[tuple[str, dict[str, str]]]) -> set[tuple[str, str | None]]:
        return {(rule if rule in {a for a, _ in analysis} else rule.split("_")[0], w.get("kind")) for rule, w in jobs}

    grader = dry_run_jobs(workdir, bumped("import codenl.grading as g\ng.GRADER_VERSION = 'grader/test-bump'\n"))
    # the baselines are graded by the grader too
    assert stage_and_kind(grader) == {(s, k) for s in ("grade", "baselines") for k in cfg["kinds"]} | analysis

    prompt = dry_run_jobs(
        workdir, bumped("import codenl.prompts as p\np.PROMPT_VERSIONS['controlsim'] = 'controlsim/test-bump'\n")
    )
    queries = [w for r, w in prompt if r.startswith("query_")]
    assert len(queries) == len(cfg["kinds"]) and {w["arm"] for w in queries} == {"controlsim"}
    assert stage_and_kind(prompt) == {(s, k) for s in ("query", "grade") for k in cfg["kinds"]} | analysis

    extraction = dry_run_jobs(
        workdir, bumped("import codenl.answers as a\na.CODE_EXTRACTION_VERSION = 'extract/test-bump'\n")
    )
    queries = [w for r, w in extraction if r.startswith("query_")]
    assert len(queries) == len(cfg["kinds"]) and {w["arm"] for w in queries} == {"controlsim"}
    assert (
        stage_and_kind(extraction) == {(s, k) for s in ("query", "execute", "grade") for k in cfg["kinds"]} | analysis
    )


@pytest.mark.slow
def test_snakemake_report_holds_every_figure_and_key_table(finished_run: tuple[Path, dict[str, Any], Path]) -> None:
    """`snakemake --report results/report.html` (the documented command) builds the self-contained report."""
    import base64
    import re

    workdir, _, _ = finished_run
    target = workdir / "results" / "report.html"
    out = snakemake(workdir, "--configfile", str(workdir / "test.yaml"), "--report", str(target))
    assert out.returncode == 0, out.stderr[-3000:]
    html = target.read_text()
    assert "codenl" in html and "fake/model" in html  # the workflow description, rendered with the config
    # every figure is inside the file, byte for byte (base64 data), not linked
    for name in ("line.png", "by_kind.png", "by_size.png", "heatmap.png", "pvals.png", "outcomes.png"):
        data = base64.b64encode((workdir / "results" / "figures" / name).read_bytes()).decode()
        assert data[:2000] in html, name
    for name in (
        "hypotheses.csv",
        "accuracy_model_arm.csv",
        "comparisons.csv",
        "diff_model_kind.csv",
        "validation.md",
        "provenance.json",
    ):
        assert name in html, name
    # and the captions
    assert "Code - NL accuracy difference per model and kind" in html
    assert not re.search(r'src="(?!data:)[^"]*\.png"', html)


# ---------------------------------------------------------------------------------------------------------------


def _processes_in(workdir: Path) -> list[int]:
    """PIDs of live processes whose working directory is ``workdir`` (other than this one)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if os.readlink(entry / "cwd") == str(workdir):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _wait_until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.mark.slow
def test_interrupted_runs_resume_without_losing_or_repeating_a_request(tmp_path: Path) -> None:
    workdir = tmp_path / "resume"
    log = tmp_path / "requests.log"
    with FakeServerThread(log_path=log, latency=0.15) as srv:
        cfg = tiny_config(srv.url, kinds=["add", "sub"], sizes={"fine_grained": [2, 3]}, n={"default": 5})
        path = write_config(workdir, cfg)
        total = 2 * 2 * 5 * 3  # instances x asking arms (every fake sim reply has code)
        snapshots = []  # (signal, ok ledger keys, server requests so far)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            before = len(ledger_ok_keys(workdir))
            proc = subprocess.Popen(
                [*BASE, "-d", str(workdir), "--cores", "6", "--configfile", path],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=clean_env(),
                start_new_session=True,
            )
            try:
                _wait_until(
                    lambda before=before: len(ledger_ok_keys(workdir)) >= before + 8, 300, "requests to complete"
                )
            finally:
                if sig == signal.SIGKILL:
                    os.killpg(proc.pid, signal.SIGKILL)  # everything at once, as when the machine dies
                else:
                    proc.send_signal(sig)  # Snakemake alone, as Ctrl-C or `kill` does
                proc.wait(timeout=120)
            _wait_until(lambda: not _processes_in(workdir), 60, f"the jobs of the run stopped by {sig.name} to end")
            snapshots.append((sig.name, ledger_ok_keys(workdir), len(server_log(log))))
            assert len(snapshots[-1][1]) < total, f"the run finished before {sig.name} came"
        out = snakemake(workdir, "--configfile", path)
        assert out.returncode == 0, out.stderr[-5000:]
        again = snakemake(workdir, "--configfile", path, "-n")
        assert "Nothing to be done" in again.stdout + again.stderr
    check_complete_run(workdir)
    requests = server_log(log)
    mapping = key_map(workdir, cfg)
    assert {r["key"] for r in requests} == set(mapping)  # nothing unexpected was asked, nothing is missing
    assert len(mapping) == total
    for name, done, seen in snapshots:
        asked_again = {mapping[r["key"]] for r in requests[seen:]} & done
        assert not asked_again, f"{len(asked_again)} request(s) completed before {name} were sent again"
    # only requests in flight at an interruption can be sent twice: at most jobs x window of them per interruption
    repeats = sum(c - 1 for c in Counter(r["key"] for r in requests).values())
    print(f"interruptions: {[(n, len(d), s) for n, d, s in snapshots]}; requests {len(requests)}, repeated {repeats}")
    assert repeats <= 3 * 2 * 2
    assert len(ledger_ok_keys(workdir)) == total
    # the global bound: 2 query jobs (api_openai_compatible) x a window of 2, although --cores 6 allowed more jobs
    assert max(r["in_flight"] for r in requests) <= 2 * 2


# ---------------------------------------------------------------------------------------------------------------


BAD_CONFIGS = {
    "unknown kind": ({"kinds": ["add", "fibonacci"]}, "config: kinds[1]: unknown kind 'fibonacci'"),
    "empty models": ({"models": []}, "config: models: must not be empty"),
    "negative n": ({"n": {"default": -3}}, "config: n.default: -3 is less than the minimum 1"),
    "size out of range": (
        {"sizes": {"tsp_d": [99]}},
        "config: sizes.tsp_d[0]: 99 is out of range for kind 'tsp_d' (4..15)",
    ),
    "unknown provider": (
        {"models": [{"name": "a/b", "provider": "openrouterr"}]},
        "config: models[0].provider: 'openrouterr' is not one of",
    ),
    "missing key": (
        {"models": [{"name": "a/b", "provider": "openrouter"}]},
        "needs the API key in the environment variable OPENROUTER_API_KEY",
    ),
    # Snakemake reads a --configfile itself before the Snakefile runs, and stops with its own one-line message
    # (load_config's message with file, line and column is for files it reads: tests/test_config.py)
    "malformed yaml": ("models: [\n  {name: a/b\n", "Config file is not valid JSON or YAML"),
}


@pytest.mark.slow
def test_bad_configs_stop_before_any_job_with_one_clear_line(tmp_path: Path) -> None:
    def attempt(case: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        over, _ = BAD_CONFIGS[case]
        workdir = tmp_path / case.replace(" ", "_")
        workdir.mkdir()
        path = workdir / "bad.yaml"
        path.write_text(over if isinstance(over, str) else yaml.safe_dump(tiny_config("http://127.0.0.1:9/v1", **over)))
        return case, snakemake(workdir, "--configfile", str(path), env=clean_env(), timeout=300)

    with ThreadPoolExecutor(4) as pool:
        results = dict(pool.map(attempt, BAD_CONFIGS))
    for case, out in results.items():
        expected = BAD_CONFIGS[case][1]
        workdir = tmp_path / case.replace(" ", "_")
        assert out.returncode != 0, case
        prefix = "Config file" if case == "malformed yaml" else "codenl: "
        lines = [line for line in out.stderr.splitlines() if line.startswith(prefix)]
        assert len(lines) == 1 and expected in lines[0], (case, out.stderr[-2000:])
        assert "Traceback" not in out.stderr, case
        assert not (workdir / "results").exists(), f"{case}: a job ran"
