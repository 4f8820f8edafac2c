"""The configuration: loading, merging, schema and semantic errors, the grid, keys; plan and check; run lock."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from codenl import config as cfg
from codenl.arms import ARMS
from codenl.errors import UsageError
from codenl.problems import KIND_NAMES, get_kind
from codenl.problems import clrs as clrs_family
from codenl.problems import nphard as nphard_family

from .conftest import ROOT

#: this environment's interpreter, as invoked (its realpath would lose the virtual environment)
PY = sys.executable
LOCAL = {"models": [{"name": "smollm2-135m-instruct", "provider": "local"}]}


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def load(tmp_path: Path, data: object, *more: object) -> dict:
    paths = [write(tmp_path, f"c{i}.yaml", d) for i, d in enumerate((data, *more))]
    return cfg.load_config(paths)


def error_of(tmp_path: Path, data: object) -> str:
    with pytest.raises(UsageError) as exc:
        load(tmp_path, data)
    return str(exc.value)


# -- the shipped configurations -------------------------------------------------------------------------------


def test_default_config_runs_a_small_grid_on_the_registered_local_model() -> None:
    from codenl.llm.models import DEFAULT_MODEL

    c = cfg.load_config([ROOT / "config.yaml"])
    assert [(m["name"], m["provider"]) for m in c["models"]] == [(DEFAULT_MODEL, "local")]
    assert set(c["kinds"]) <= set(KIND_NAMES)
    cells = cfg.expected_cells(c)
    assert 1 <= len(cells) <= 8 and sum(x["n"] for x in cells) <= 24 and c["seeds"] == [0]
    assert 128 <= c["sampling"]["max_tokens"] <= 512
    assert c["concurrency"]["local"] == {"jobs": 2, "window": 1}
    assert cfg.required_keys(c) == []


def test_plan_config_is_the_plan() -> None:
    c = cfg.load_config([ROOT / "workflow" / "experiments" / "scaled_code_nl.yaml"])
    assert [m["name"] for m in c["models"]] == [
        "mistralai/codestral-2508",
        "mistralai/mistral-large-2411",
        "google/gemini-2.0-flash-001",
        "mistralai/mixtral-8x22b-instruct",
    ]
    assert {m["provider"] for m in c["models"]} == {"openrouter"}
    assert c["seeds"] == [0, 1, 2] and c["kinds"] == list(KIND_NAMES)
    assert c["sampling"]["temperature"] == 0 and c["sampling"]["max_tokens"] == 4096
    cells = cfg.expected_cells(c)
    per_model_seed = {}
    for x in cells:
        per_model_seed.setdefault((x["model"], x["seed"]), {}).setdefault(x["family"], []).append(x)
    assert len(per_model_seed) == 12
    for fams in per_model_seed.values():
        fine = fams["fine_grained"]
        assert {x["size"] for x in fine} == set(range(2, 21, 2))
        assert all(x["n"] == 30 for x in fine) and len(fine) == 9 * 10
        for kind in ("spp", "tsp", "tsp_d", "msp", "ksp", "gcp", "gcp_d", "bsp", "edp"):
            assert sum(x["n"] for x in fams["nphard"] if x["kind"] == kind) == 30
            assert [x["size"] for x in fams["nphard"] if x["kind"] == kind] == list(nphard_family.DEFAULT_SIZES[kind])
        assert sum(x["n"] for x in fams["clrs"]) == 500
        assert sum(x["n"] for f in fams.values() for x in f) == 2700 + 270 + 500
    assert sum(x["n"] for x in cells) == 41_640
    assert cfg.required_keys(c) == ["OPENROUTER_API_KEY"]


# -- merging and defaults -------------------------------------------------------------------------------------


def test_later_files_replace_whole_top_level_keys(tmp_path: Path) -> None:
    base = {**LOCAL, "sizes": {"fine_grained": [2], "nphard": [5]}, "sampling": {"max_tokens": 100, "top_p": 0.5}}
    over = {"sizes": {"fine_grained": [3]}, "sampling": {"max_tokens": 50}}
    c = load(tmp_path, base, over)
    assert c["sizes"] == {"fine_grained": [3]}  # nphard came from the first file only: replaced, not merged
    assert c["sampling"] == {"temperature": 0, "top_p": 1, "max_tokens": 50}  # schema defaults, not file 1
    assert cfg.sizes_of(c, "tsp") == list(nphard_family.DEFAULT_SIZES["tsp"])


def test_defaults_are_filled(tmp_path: Path) -> None:
    c = load(tmp_path, {"models": [{"name": "a/b", "provider": "openrouter"}]})
    assert c["seeds"] == [0] and c["kinds"] == list(KIND_NAMES)
    assert c["models"][0]["base_url"] == "https://openrouter.ai/api/v1"
    assert c["models"][0]["api_key_env"] == "OPENROUTER_API_KEY"
    assert c["concurrency"]["openrouter"] == {"jobs": 4, "window": 16}
    assert c["retries"]["max_attempts"] >= 1 and c["sandbox"]["mode"] == "pool"
    assert c["validation"]["max_infra_error_rate"] == 0.02
    # every threshold that validation knows has a schema default, and no other key is accepted
    from codenl.analysis.validate import DEFAULT_THRESHOLDS

    assert set(c["validation"]) == set(DEFAULT_THRESHOLDS)
    assert cfg.counts_of(c, "clrs30") == [(s, 30) for s in clrs_family.DEFAULT_SIZES]


def test_unknown_validation_threshold_stops_at_load(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="max_infra_eror_rate"):
        load(tmp_path, {**LOCAL, "validation": {"max_infra_eror_rate": 0.1}})


def test_sizes_and_n_most_specific_wins(tmp_path: Path) -> None:
    c = load(
        tmp_path,
        {
            **LOCAL,
            "kinds": ["add", "lcs", "tsp", "clrs30"],
            "sizes": {"fine_grained": [2, 4], "lcs": [7], "nphard": [5, 6]},
            "n": {"default": 3, "fine_grained": 4, "add": 5},
            "totals": {"nphard": 5},
            "clrs_samples": 7,
        },
    )
    assert cfg.counts_of(c, "add") == [(2, 5), (4, 5)]
    assert cfg.counts_of(c, "lcs") == [(7, 4)]
    assert cfg.counts_of(c, "tsp") == [(5, 3), (6, 2)]
    assert cfg.counts_of(c, "clrs30") == [(s, n) for s, n in zip(clrs_family.DEFAULT_SIZES, [2, 2, 2, 1])]
    cells = cfg.expected_cells(c)
    assert {(x["kind"], x["family"]) for x in cells} == {
        ("add", "fine_grained"),
        ("lcs", "fine_grained"),
        ("tsp", "nphard"),
        ("clrs30", "clrs"),
    }
    assert all(x["model_slug"] == "smollm2-135m-instruct" for x in cells)


@given(st.integers(1, 10_000), st.integers(1, 50))
def test_spread_is_even_and_complete(total: int, parts: int) -> None:
    counts = cfg.spread(total, parts)
    assert len(counts) == parts and sum(counts) == total
    assert max(counts) - min(counts) <= 1 and counts == sorted(counts, reverse=True)


def test_expected_cells_cover_models_seeds_kinds_sizes(tmp_path: Path) -> None:
    models = [{"name": "a/b", "provider": "openrouter"}, {"name": "c/d", "provider": "openrouter"}]
    c = load(
        tmp_path,
        {
            "models": models,
            "seeds": [0, 5],
            "kinds": ["mul", "gcp"],
            "sizes": {"mul": [3, 9], "gcp": [6]},
            "n": {"default": 2},
        },
    )
    cells = cfg.expected_cells(c)
    keys = [(x["model"], x["seed"], x["kind"], x["size"]) for x in cells]
    assert len(keys) == len(set(keys)) == 2 * 2 * 3
    assert {x["model_slug"] for x in cells} == {"a--b", "c--d"}
    assert ARMS == ("nl", "sim", "controlsim", "code")


# -- errors name the key --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"models": []}, "config: models: must not be empty"),
        ({}, "config: (top level): 'models' is a required property"),
        ({"models": [{"name": "a/b", "provider": "bogus"}]}, "config: models[0].provider: 'bogus' is not one of"),
        ({**LOCAL, "kinds": ["add", "nope"]}, "config: kinds[1]: unknown kind 'nope'"),
        ({**LOCAL, "n": {"default": -1}}, "config: n.default: -1 is less than the minimum 1"),
        ({**LOCAL, "seeds": [-2]}, "config: seeds[0]: -2 is less than the minimum 0"),
        (
            {**LOCAL, "sizes": {"fine_grained": [2, 4, 999]}},
            "config: sizes.fine_grained[2]: 999 is out of range for kind 'add' (1..100)",
        ),
        (
            {**LOCAL, "kinds": ["lcs"], "sizes": {"lcs": [0]}},
            "config: sizes.lcs[0]: 0 is out of range for kind 'lcs' (1..200)",
        ),
        ({**LOCAL, "sizes": {"nphrd": [5]}}, "config: sizes.nphrd: not a family or a kind"),
        ({**LOCAL, "sampling": {"max_tokens": 0}}, "config: sampling.max_tokens: 0 is less than the minimum 1"),
        ({**LOCAL, "sampling": {"temprature": 0}}, "config: sampling: unknown key 'temprature'"),
        ({**LOCAL, "modles": 1}, "config: (top level): unknown key 'modles'"),
        (
            {"models": [{"name": "a--b", "provider": "openrouter"}]},
            "config: models[0].name: model id 'a--b' cannot be used in paths",
        ),
        (
            {"models": [{"name": "a/b", "provider": "openrouter"}, {"name": "a/b", "provider": "openrouter"}]},
            "config: models[1].name: 'a/b' is listed twice",
        ),
        (
            {"models": [{"name": "x", "provider": "openai_compatible"}]},
            "config: models[0].base_url: provider openai_compatible needs a base_url",
        ),
        (
            {"models": [{"name": "x", "provider": "openai_compatible", "base_url": "ftp://h/v1"}]},
            "is not an http(s) URL",
        ),
        (
            {"models": [{"name": "x", "provider": "local", "base_url": "http://h/v1"}]},
            "provider 'local' starts its own server",
        ),
        (
            {**LOCAL, "pricing": {"other/model": {"prompt": 1, "completion": 2}}},
            "config: pricing.other/model: not a configured model",
        ),
        (
            {**LOCAL, "kinds": ["clrs30"], "sizes": {"clrs": [4, 8]}, "clrs_samples": 1},
            "config: clrs_samples: 1 is fewer than the 2",
        ),
        (
            {**LOCAL, "concurrency": {"local": {"jobs": 0, "window": 1}}},
            "config: concurrency.local.jobs: 0 is less than the minimum 1",
        ),
        (
            {
                "models": [
                    {
                        "name": "x",
                        "provider": "openai_compatible",
                        "base_url": "http://h/v1",
                        "routing": {"order": ["a"]},
                    }
                ]
            },
            "config: models[0].routing: routing preferences are OpenRouter's; provider 'openai_compatible'",
        ),
        (
            {"models": [{"name": "a/b", "provider": "openrouter", "routing": {"quantizations": ["fp7"]}}]},
            "config: models[0].routing.quantizations[0]: 'fp7' is not one of int4",
        ),
        (
            {"models": [{"name": "a/b", "provider": "openrouter", "routing": {"sort": "price"}}]},
            "config: models[0].routing: unknown key 'sort'",
        ),
        ({**LOCAL, "retries": {"reask": -1}}, "config: retries.reask: -1 is less than the minimum 0"),
    ],
)
def test_bad_configs_name_the_key(tmp_path: Path, data: dict, expected: str) -> None:
    assert expected in error_of(tmp_path, data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {**LOCAL, "n": {"default": 1000000000}},
            "config: n.default: 1000000000 is more than the maximum 100000000 (no plan this big is supported",
        ),
        (
            {**LOCAL, "kinds": ["add"], "n": {"default": 20000}},
            "config: n.default: 20,000 instances of kind 'add' at size 2 is more than limits.max_n = 10,000; to run a "
            "bigger plan on purpose, raise limits.max_n in your config",
        ),
        ({**LOCAL, "kinds": ["add"], "totals": {"add": 200000}}, "config: totals.add: 20,000 instances of kind 'add'"),
        ({**LOCAL, "kinds": ["clrs30"], "clrs_samples": 300000}, "config: clrs_samples: 75,000 instances"),
        (
            {**LOCAL, "kinds": ["lcs"], "sizes": {"lcs": list(range(1, 61))}},
            "config: sizes: kind 'lcs' has 60 sizes, more than limits.max_sizes = 50; to run a bigger plan on purpose, "
            "raise limits.max_sizes",
        ),
        (
            {**LOCAL, "kinds": ["add"], "sizes": {"add": [2]}, "seeds": list(range(40)), "n": {"default": 9000}},
            "config: the plan asks 1,080,000 requests (9,000 instances per model and seed x 1 model(s) x 40 seed(s) "
            "x 3 asked arms), more than limits.max_requests = 1,000,000; to run a bigger plan on purpose, raise "
            "limits.max_requests",
        ),
        ({**LOCAL, "seeds": list(range(1001))}, "config: seeds: more than 1000 entries"),
    ],
)
def test_typos_that_would_make_a_huge_plan_stop_with_the_way_to_run_one_on_purpose(
    tmp_path: Path, data: dict, expected: str
) -> None:
    assert expected in error_of(tmp_path, data)


def test_limits_can_be_raised_on_purpose(tmp_path: Path) -> None:
    c = load(tmp_path, {**LOCAL, "kinds": ["add"], "n": {"default": 20000}, "limits": {"max_n": 20000}})
    assert cfg.counts_of(c, "add")[0] == (2, 20000)
    assert c["limits"] == {"max_n": 20000, "max_sizes": 50, "max_requests": 1000000}


def test_malformed_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "models:\n  - name: a/b\n    provider: [openrouter\n")
    with pytest.raises(UsageError, match=r"config: .*bad\.yaml:\d+:\d+: not valid YAML"):
        cfg.load_config([path])
    tab = write(tmp_path, "tab.yaml", "models:\n\t- name: a/b\n")
    with pytest.raises(UsageError) as info:
        cfg.load_config([tab])
    assert str(info.value).startswith(f"config: {tab}:2:1: not valid YAML (") and "\n" not in str(info.value)
    with pytest.raises(UsageError, match="expected a mapping"):
        cfg.load_config([write(tmp_path, "list.yaml", "- 1\n- 2\n")])
    with pytest.raises(UsageError, match="no such file"):
        cfg.load_config([str(tmp_path / "absent.yaml")])


def test_out_of_range_uses_the_registry_ranges(tmp_path: Path) -> None:
    for kind in ("msp", "tsp", "clrs30"):
        k = get_kind(kind)
        ok = load(tmp_path, {**LOCAL, "kinds": [kind], "sizes": {kind: [k.min_size, k.max_size]}})
        assert cfg.sizes_of(ok, kind) == [k.min_size, k.max_size]
        message = error_of(tmp_path, {**LOCAL, "kinds": [kind], "sizes": {kind: [k.max_size + 1]}})
        assert f"({k.min_size}..{k.max_size})" in message


# -- keys -----------------------------------------------------------------------------------------------------


def test_required_and_missing_keys(tmp_path: Path) -> None:
    c = load(
        tmp_path,
        {
            "models": [
                {"name": "a/b", "provider": "openrouter"},
                {
                    "name": "c",
                    "provider": "openai_compatible",
                    "base_url": "http://127.0.0.1:1/v1",
                    "api_key_env": "MY_KEY",
                },
                {"name": "d", "provider": "openai_compatible", "base_url": "http://127.0.0.1:1/v1"},
                {"name": "smollm2-135m", "provider": "local"},
            ]
        },
    )
    assert cfg.required_keys(c) == ["MY_KEY", "OPENROUTER_API_KEY"]
    dotenv = tmp_path / ".env"
    with pytest.raises(UsageError, match=r"models\[0\] \(a/b, provider openrouter\) .* OPENROUTER_API_KEY"):
        cfg.check_keys(c, environ={}, dotenv=dotenv)
    with pytest.raises(UsageError, match=r"models\[1\] .*MY_KEY") as exc:
        cfg.check_keys(c, environ={"OPENROUTER_API_KEY": "sk-or-secret-value"}, dotenv=dotenv)
    assert "sk-or-secret-value" not in str(exc.value)
    cfg.check_keys(c, environ={}, dotenv=dotenv, only=["d", "smollm2-135m"])  # models that need no key
    with pytest.raises(UsageError, match=r"models\[1\] "):
        cfg.check_keys(c, environ={}, dotenv=dotenv, only=["c"])  # the index is the configured one
    dotenv.write_text("export MY_KEY='from-dotenv'\n")
    cfg.check_keys(c, environ={"OPENROUTER_API_KEY": "x" * 10}, dotenv=dotenv)


# -- plan -----------------------------------------------------------------------------------------------------


def test_plan_counts_requests_tokens_and_cost(tmp_path: Path) -> None:
    from codenl.commands import plan
    from codenl.prompts import build_messages

    c = load(
        tmp_path,
        {
            "models": [
                {"name": "mistralai/codestral-2508", "provider": "openrouter"},
                {"name": "x/unpriced", "provider": "openrouter"},
            ],
            "kinds": ["add", "tsp_d"],
            "sizes": {"add": [2, 3], "tsp_d": [6]},
            "n": {"default": 2},
            "sampling": {"max_tokens": 100},
        },
    )
    results = tmp_path / "results"
    ledger = results / "ledger" / "mistralai--codestral-2508" / "nl" / "add" / "seed0.jsonl"
    ledger.parent.mkdir(parents=True)
    ledger.write_text(
        '{"key":"k1","status":"ok"}\n{"key":"k2","status":"infra_error"}\n{"key":"k1","status":"ok"}\n{"trunc'
    )
    p = plan.make_plan(c, results, completion_tokens=40)
    assert p.instances_per_model == 6
    nl = p.arms[("mistralai/codestral-2508", "nl")]
    assert (nl.requests, nl.done) == (6, 1)
    assert nl.completion_expected == 5 * 40 and nl.completion_max == 5 * 100
    instances = list(plan.instances_of(c, results))
    full_nl = sum((len(build_messages("nl", i)[0]["content"]) + 3) // 4 for i in instances)
    assert abs(nl.prompt_tokens - full_nl * 5 / 6) <= 1
    assert nl.cost_expected == pytest.approx((nl.prompt_tokens * 0.30 + 200 * 0.90) / 1e6)
    assert p.arms[("x/unpriced", "sim")].cost_expected is None
    ctl = p.arms[("mistralai/codestral-2508", "controlsim")]
    assert ctl.requests == 6 and ctl.prompt_tokens > 6 * 40
    out = plan.render(p, c, 40)
    assert "mistralai/codestral-2508" in out and "unknown" in out and "API bound openrouter: 4 query job(s) x 16" in out


def test_plan_command_line_sends_nothing(tmp_path: Path) -> None:
    model = {"name": "a/b", "provider": "openrouter", "base_url": "http://127.0.0.1:9/v1"}
    path = write(tmp_path, "c.yaml", {"models": [model], "kinds": ["sub"], "sizes": {"sub": [2]}, "n": {"default": 3}})
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    out = subprocess.run(
        [PY, "-m", "codenl", "plan", "--configfile", path, "--results", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "3 instances per model" in out.stdout and "total" in out.stdout
    assert not (tmp_path / "r").exists()


# -- check ----------------------------------------------------------------------------------------------------


def test_check_one_line_per_model_against_a_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from argparse import Namespace

    from codenl.commands import check

    from .fake_openai import FakeServerThread

    with FakeServerThread(log_path=tmp_path / "req.log", require_key="sk-test-123456") as srv:
        path = write(
            tmp_path,
            "c.yaml",
            {
                "models": [
                    {
                        "name": "fake/model",
                        "provider": "openai_compatible",
                        "base_url": srv.url,
                        "api_key_env": "FAKE_KEY",
                    },
                    {
                        "name": "fake/modle",
                        "provider": "openai_compatible",
                        "base_url": srv.url,
                        "api_key_env": "FAKE_KEY",
                    },
                ]
            },
        )
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("FAKE_KEY", "sk-test-123456")
        out = io.StringIO()
        assert check.run(Namespace(configfile=[path], list_only=False), out) == 1
        lines = out.getvalue().splitlines()
        assert lines[0].startswith("ok    fake/model (openai_compatible): listed by /models; answered a 1-token")
        assert lines[1].startswith("FAIL  fake/modle") and "close: fake/model" in lines[1]
        monkeypatch.setenv("FAKE_KEY", "sk-wrong-key-00")
        out = io.StringIO()
        assert check.run(Namespace(configfile=[path], list_only=False), out) == 1
        assert "refused the key from FAKE_KEY" in out.getvalue() and "sk-wrong-key-00" not in out.getvalue()
        monkeypatch.delenv("FAKE_KEY")
        out = io.StringIO()
        assert check.run(Namespace(configfile=[path], list_only=True), out) == 1
        assert out.getvalue().count("no key: set FAKE_KEY") == 2
    requests = (tmp_path / "req.log").read_text().splitlines()
    assert len(requests) == 2  # one tiny request per run that had a key, none with --list-only


def test_check_reports_an_unreachable_server(tmp_path: Path) -> None:
    from argparse import Namespace

    from codenl.commands import check

    model = {"name": "m", "provider": "openai_compatible", "base_url": "http://127.0.0.1:9/v1"}
    path = write(tmp_path, "c.yaml", {"models": [model]})
    out = io.StringIO()
    assert check.run(Namespace(configfile=[path], list_only=False), out) == 1
    assert "FAIL  m (openai_compatible): cannot reach http://127.0.0.1:9/v1" in out.getvalue()


# -- run lock -------------------------------------------------------------------------------------------------


def test_run_lock_clears_only_stale_snakemake_state(tmp_path: Path) -> None:
    from codenl.workflow import runlock

    meta = tmp_path / ".snakemake"
    (meta / "locks").mkdir(parents=True)
    (meta / "locks" / "0.output.lock").write_text("results/x\n")
    (meta / "incomplete" / "abc").mkdir(parents=True)
    (meta / "incomplete" / "abc" / "ZmlsZQ==").write_text("{}")
    (meta / "metadata").mkdir()
    (meta / "metadata" / "keep").write_text("{}")
    holder = subprocess.Popen(
        [
            PY,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from codenl.workflow import runlock
            assert runlock.acquire({str(tmp_path)!r})
            print("held", flush=True)
            time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        (meta / "locks" / "0.output.lock").write_text("results/x\n")  # the live run's own lock
        assert runlock.acquire(tmp_path) is False
        assert (meta / "locks" / "0.output.lock").exists()
    finally:
        holder.kill()
        holder.wait()
    (meta / "incomplete" / "abc").mkdir(parents=True, exist_ok=True)
    (meta / "incomplete" / "abc" / "ZmlsZQ==").write_text("{}")
    assert runlock.acquire(tmp_path) is True  # the holder died (SIGKILL): its lock went with it
    try:
        assert list((meta / "locks").iterdir()) == [] and list((meta / "incomplete").iterdir()) == []
        assert (meta / "incomplete").is_dir() and (meta / "metadata" / "keep").exists()
        assert runlock.acquire(tmp_path) is True  # idempotent in one process
    finally:
        runlock.release(tmp_path)


def test_stage_versions_name_every_dependency() -> None:
    from codenl.grading import grader_version
    from codenl.harness import HARNESS_VERSION
    from codenl.prompts import PROMPT_VERSIONS
    from codenl.sandbox.pool import SANDBOX_VERSION
    from codenl.workflow.versions import stage_versions

    v = stage_versions(["add", "tsp"])
    assert v["generator"] == {"add": get_kind("add").generator_version, "tsp": get_kind("tsp").generator_version}
    assert v["prompt"] == PROMPT_VERSIONS and set(v["prompt"]) == {"nl", "sim", "controlsim"}
    assert v["harness"] == HARNESS_VERSION
    assert v["sandbox"] == SANDBOX_VERSION
    assert v["grader"] == {"add": grader_version("add"), "tsp": grader_version("tsp")}


def test_workflow_output_lists_match_the_stages() -> None:
    """The Snakefile declares the stats and figure files by name; they must be what the stages write."""
    from codenl.analysis.plots import FIGURE_NAMES
    from codenl.commands.stats import TABLES

    text = (ROOT / "rules" / "analyze.smk").read_text() + (ROOT / "rules" / "plots.smk").read_text()
    for name in [*TABLES, *FIGURE_NAMES, "hypotheses.md", "report.md"]:
        assert f'"{name}"' in text, name


def test_cli_registers_plan_and_check() -> None:
    for cmd in ("plan", "check"):
        out = subprocess.run([PY, "-m", "codenl", cmd, "--help"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and "--configfile" in out.stdout
