"""`python -m codenl sandbox FILE.py`: run one program in the sandbox and print its result as one JSON object.

    python -m codenl sandbox prog.py [--timeout S] [--wall S] [--memory-mb M] [--mode pool|fresh]
                                     [--allow-degraded] [--layers hygiene,rlimits,...] [--self-check]
                                     [--allowed-packages NAME ...]

``--self-check`` prints which layers this machine offers instead (and exits 1 when a required one is missing).
The exit status is 0 whenever the sandbox worked, whatever the program did; 1 on ``sandbox_error``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from codenl.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="the Python program to run ('-' reads standard input)")
    parser.add_argument("--timeout", type=float, default=10.0, help="CPU seconds (default 10)")
    parser.add_argument("--wall", type=float, default=None, help="wall seconds (default 2 x timeout + 1)")
    parser.add_argument("--memory-mb", type=int, default=512, help="memory budget in MiB (default 512)")
    parser.add_argument(
        "--mode",
        choices=("pool", "fresh"),
        default="fresh",
        help="fresh process (default for one program) or a pool worker",
    )
    parser.add_argument("--allow-degraded", action="store_true", help="run even if a required layer is missing")
    parser.add_argument(
        "--layers", default=None, help="comma-separated layers to enable (default: all that are present)"
    )
    parser.add_argument("--self-check", action="store_true", help="print the layers this machine offers and exit")
    parser.add_argument(
        "--allowed-packages",
        nargs="*",
        default=[],
        metavar="NAME",
        help="distributions the program may import beside the standard library (default: none)",
    )


def run(args: argparse.Namespace) -> int:
    from codenl.sandbox.limits import Limits
    from codenl.sandbox.pool import SANDBOX_VERSION, Sandbox, SandboxConfig
    from codenl.sandbox.selfcheck import ALL_LAYERS, DEFAULT_REQUIRED, SandboxUnavailable, choose_layers, probe_layers

    enable = tuple(ALL_LAYERS)
    require = DEFAULT_REQUIRED
    if args.layers is not None:
        enable = tuple(x.strip() for x in args.layers.split(",") if x.strip())
        require = tuple(x for x in require if x in enable)
    if args.self_check:
        report = probe_layers()
        out = report.to_dict()
        try:
            out["active"] = choose_layers(report, enable, require, args.allow_degraded)
            out["ok"] = True
        except SandboxUnavailable as exc:
            out["ok"], out["error"] = False, str(exc)
        print(json.dumps(out, indent=2))
        return 0 if out["ok"] else 1
    if not args.file:
        raise UsageError("give a program file (or --self-check)")
    if args.file == "-":
        source = sys.stdin.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
        source = path.read_bytes().decode("utf-8", errors="surrogateescape")
    limits = Limits(cpu_s=args.timeout, wall_s=args.wall, memory_mb=args.memory_mb)
    config = SandboxConfig(
        limits=limits,
        enable=enable,
        require=require,
        allow_degraded=args.allow_degraded,
        packages=tuple(args.allowed_packages),
    )
    with Sandbox(config, workers=1, mode=args.mode) as sandbox:
        result = sandbox.run(source)
    out = result.to_dict()
    out["sandbox_version"] = SANDBOX_VERSION
    print(json.dumps(out, ensure_ascii=False))
    return 1 if result.status == "sandbox_error" else 0
