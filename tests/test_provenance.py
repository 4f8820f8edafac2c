"""Provenance of a run (codenl.provenance, ``python -m codenl provenance``) and the effective config writer."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from codenl import layout, provenance
from codenl.analysis.synthetic import synthetic_records
from codenl.commands import stats as stats_cli
from codenl.records import write_jsonl_atomic

from .conftest import ROOT

PY = sys.executable
CONFIG = {
    "models": [{"name": "org/m", "provider": "openai_compatible", "base_url": "http://127.0.0.1:9/v1"}],
    "seeds": [0, 1],
    "kinds": ["add"],
    "sizes": {"add": [2, 3]},
    "n": {"default": 1},
    "sandbox": {"mode": "pool", "allow_degraded": True},
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q")
    (r / "a.txt").write_text("one\n")
    git(r, "add", "a.txt")
    git(r, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    return r


def test_git_state_names_the_commit_and_sees_every_kind_of_change(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    assert provenance.git_state(repo) == {"commit": head, "dirty": False, "error": None}
    (repo / "a.txt").write_text("two\n")  # a tracked file edited
    assert provenance.git_state(repo)["dirty"] is True
    git(repo, "checkout", "-q", "a.txt")
    (repo / "new.py").write_text("")  # an untracked file counts too: it may be imported
    assert provenance.git_state(repo) == {"commit": head, "dirty": True, "error": None}
    (repo / ".gitignore").write_text("new.py\n.gitignore\n")  # ignored files (results/, caches) do not
    assert provenance.git_state(repo)["dirty"] is False


def test_git_state_outside_a_checkout_says_so(tmp_path: Path) -> None:
    state = provenance.git_state(tmp_path)
    assert state["commit"] is None and state["dirty"] is None and "not a git checkout" in state["error"]
    assert provenance.git_state(tmp_path / "absent")["commit"] is None


def test_config_hash_is_the_sha256_of_the_text_the_snakefile_passes() -> None:
    text = json.dumps(CONFIG, sort_keys=True, separators=(",", ":"))  # rules/common.smk config_text()
    assert provenance.config_sha256(CONFIG) == hashlib.sha256(text.encode()).hexdigest()
    reordered = dict(reversed(list(CONFIG.items())))
    assert provenance.config_sha256(reordered) == provenance.config_sha256(CONFIG)
    assert provenance.config_sha256({**CONFIG, "seeds": [0]}) != provenance.config_sha256(CONFIG)


def test_layers_used_counts_programs_per_layer_set(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_jsonl_atomic(
        a,
        [{"layers": ["rlimits", "hygiene"]}, {"layers": ["hygiene", "rlimits"]}, {"layers": []}, {"status": "no_code"}],
    )
    write_jsonl_atomic(b, [{"layers": ["bwrap", "hygiene"]}])
    got = provenance.layers_used([a, b, tmp_path / "missing.jsonl"])
    assert got == {"bwrap,hygiene": 1, "hygiene,rlimits": 2}


def test_packages_name_this_environment() -> None:
    pkgs = provenance.packages()
    import numpy
    import snakemake

    assert pkgs["numpy"] == numpy.__version__ and pkgs["codenl"]
    assert pkgs["snakemake"].split("+")[0] == snakemake.__version__.split("+")[0]
    assert list(pkgs) == sorted(pkgs)


def test_markdown_shows_commit_dirty_packages_layers_and_hash() -> None:
    prov = {
        "git": {"commit": "abc123", "dirty": True, "error": None},
        "python": {"version": "3.11.7", "implementation": "CPython"},
        "platform": {"platform": "Linux-6-x86_64", "cpus": 2},
        "packages": {"numpy": "2.0", "snakemake": "9.1"},
        "sandbox": {
            "mode": "pool",
            "allow_degraded": False,
            "layers_used": {"bwrap,hygiene": 7},
            "this_machine": {"present": ["hygiene", "bwrap"]},
        },
        "config_sha256": "f00d",
        "written_utc": "2026-01-01T00:00:00Z",
    }
    md = provenance.markdown(prov)
    for text in (
        "`abc123` with uncommitted changes (dirty)",
        "Python 3.11.7",
        "snakemake 9.1, numpy 2.0",
        "bwrap,hygiene (7 programs)",
        "`f00d`",
        "## Provenance",
    ):
        assert text in md, text
    clean = provenance.markdown({**prov, "git": {"commit": None, "dirty": None, "error": "not a git checkout"}})
    assert "unknown (not a git checkout)" in clean and "dirty" not in clean


def test_provenance_command_writes_the_document(tmp_path: Path, repo: Path) -> None:
    results = tmp_path / "results"
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    shards = layout.run_shards(CONFIG, layout.EXECUTIONS, str(results))
    assert shards == [f"{results}/executions/org--m/add/{size}/seed{seed}.jsonl" for seed in (0, 1) for size in (2, 3)]
    write_jsonl_atomic(shards[0], [{"layers": ["hygiene", "seccomp"]}])
    out = tmp_path / "provenance.json"
    done = subprocess.run(
        [
            PY,
            "-m",
            "codenl",
            "provenance",
            "--configfile",
            str(config),
            "--repo",
            str(repo),
            "--results",
            str(results),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    assert doc["git"] == {"commit": git(repo, "rev-parse", "HEAD").strip(), "dirty": False, "error": None}
    assert doc["config_sha256"] == provenance.config_sha256(CONFIG)
    assert doc["sandbox"]["layers_used"] == {"hygiene,seccomp": 1} and doc["sandbox"]["allow_degraded"] is True
    assert "hygiene" in doc["sandbox"]["this_machine"]["present"]
    assert doc["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert doc["stage_versions"]["generator"].keys() == {"add"} and doc["stage_versions"]["grader"]
    assert doc["packages"]["pandas"] and doc["platform"]["cpus"] >= 1
    bad = subprocess.run(
        [PY, "-m", "codenl", "provenance", "--configfile", str(tmp_path / "nope.yaml"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "nope.yaml: no such file" in bad.stderr


def test_stats_report_shows_the_provenance(tmp_path: Path) -> None:
    prov_path = tmp_path / "provenance.json"
    prov_path.write_text(json.dumps({"git": {"commit": "deadbeef", "dirty": False}, "config_sha256": "c0ffee"}))
    records = tmp_path / "records.parquet"
    acc = {"org/m": {"nl": 0.4, "sim": 0.5, "controlsim": 0.5, "code": 0.7}}
    synthetic_records(acc, [0], [("add", 2, 8)], rng_seed=1).to_parquet(records)
    import argparse

    parser = argparse.ArgumentParser()
    stats_cli.configure(parser)
    args = parser.parse_args(
        ["--records", str(records), "--out", str(tmp_path / "stats"), "--n-boot", "5", "--provenance", str(prov_path)]
    )
    assert stats_cli.run(args) == 0
    text = (tmp_path / "stats" / "report.md").read_text()
    assert "## Provenance" in text and "`deadbeef` (clean)" in text and "`c0ffee`" in text
    args.provenance = str(tmp_path / "absent.json")
    with pytest.raises(Exception, match=r"absent\.json"):
        stats_cli.run(args)


def test_config_command_writes_the_effective_config_whole(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "config.yaml"
    text = json.dumps(CONFIG, sort_keys=True, separators=(",", ":"))
    done = subprocess.run(
        [PY, "-m", "codenl", "config", "--json", text, "--out", str(out)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(out.read_text()) == CONFIG and not list(out.parent.glob(".*tmp"))
    for bad, why in (("{", "not JSON"), ("[1]", "expected a JSON object")):
        done = subprocess.run(
            [PY, "-m", "codenl", "config", "--json", bad, "--out", str(out)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2 and why in done.stderr


def test_report_captions_exist_for_every_registered_file() -> None:
    """Every report(..., caption=...) in the rules names a caption file that exists."""
    import re

    for smk in (ROOT / "rules").glob("*.smk"):
        text = smk.read_text()
        for caption in re.findall(r'caption=f?"\.\./report/([^"]+)"', text):
            if "{" not in caption:
                assert (ROOT / "report" / caption).is_file(), (smk.name, caption)
    from codenl.analysis.plots import FIGURE_NAMES

    for name in FIGURE_NAMES:
        assert (ROOT / "report" / name.replace(".png", ".rst")).is_file(), name
    for name in ("hypotheses", "accuracy_model_arm", "comparisons", "diff_model_kind", "workflow"):
        assert (ROOT / "report" / f"{name}.rst").is_file(), name
