"""``python -m codenl.llm.llama_serve ARGS``: ``python -m llama_cpp.server ARGS`` with weight repacking off.

llama.cpp repacks quantised weights into "extra buffer types" for the CPU's matrix units (AMX on recent Xeons).
Where the CPU advertises AMX but the virtual machine does not enable its register state (Firecracker, for one),
the first matrix product dies with SIGILL: measured here, the server answers ``/v1/models`` and then crashes on the
first chat request.  This wrapper sets ``use_extra_bufts = False`` in llama.cpp's default model parameters, then
runs the unchanged llama-cpp-python server.  For SmolLM2's Q4_1 weights, AMX is the only repacking that applies,
so nothing else is lost.  ``CODENL_LLAMA_EXTRA_BUFTS=1`` keeps llama.cpp's default (faster where AMX works).
"""

from __future__ import annotations

import os
import sys
from typing import Any

EXTRA_BUFTS_ENV = "CODENL_LLAMA_EXTRA_BUFTS"


def disable_extra_buffer_types() -> None:
    """Make every model that llama-cpp-python loads in this process skip the extra (repacked) buffer types."""
    import llama_cpp.llama_cpp as low

    original = low.llama_model_default_params
    if getattr(original, "_codenl_patched", False):
        return

    def params() -> Any:
        p = original()
        p.use_extra_bufts = False
        return p

    params._codenl_patched = True  # type: ignore[attr-defined]
    low.llama_model_default_params = params


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if os.environ.get(EXTRA_BUFTS_ENV) != "1":
        disable_extra_buffer_types()
    from llama_cpp.server.__main__ import main as serve

    sys.argv = ["llama_cpp.server", *argv]
    serve()


if __name__ == "__main__":
    main()
