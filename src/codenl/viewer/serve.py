"""The ``view`` subcommand: serve a built results browser on loopback (the site also opens from the file system).

    python -m codenl view [--dir results/viewer] [--port 8765]

Binds 127.0.0.1 only and serves the directory's files read-only, until interrupted.
"""

from __future__ import annotations

import argparse
import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from codenl.errors import UsageError


class _Handler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def server(directory: Path, port: int = 0) -> ThreadingHTTPServer:
    """A loopback HTTP server for ``directory`` (``port`` 0 picks a free one); call ``serve_forever()``."""
    if not (directory / "index.html").is_file():
        raise UsageError(f"--dir {directory}: no index.html (build it with `python -m codenl viewer` or snakemake)")
    handler = functools.partial(_Handler, directory=str(directory))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default="results/viewer", help="the built site (default: results/viewer)")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 = any free)")


def run(args: argparse.Namespace) -> int:
    directory = Path(args.dir).resolve()
    httpd = server(directory, args.port)
    host, port = httpd.server_address[:2]
    print(
        f"view: serving {directory} at http://{host}:{port}/ (also opens as file://{directory / 'index.html'}); "
        "Ctrl-C stops",
        flush=True,
    )
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0
