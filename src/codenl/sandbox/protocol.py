"""Messages between the runner and a worker: a 4-byte big-endian length, then that many bytes of JSON."""

from __future__ import annotations

import json
import os
import struct
from typing import Any

MAX_MESSAGE = 64 * 1024 * 1024


class ProtocolError(Exception):
    """The other side closed the channel or sent something that is not a message."""


def encode(message: dict[str, Any]) -> bytes:
    data = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return struct.pack(">I", len(data)) + data


def write_message(fd: int, message: dict[str, Any]) -> None:
    view = memoryview(encode(message))
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise ProtocolError("channel closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> dict[str, Any]:
    (size,) = struct.unpack(">I", _read_exact(fd, 4))
    if size > MAX_MESSAGE:
        raise ProtocolError(f"message of {size} bytes is too large")
    try:
        message = json.loads(_read_exact(fd, size))
    except ValueError as exc:
        raise ProtocolError(f"message is not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("message is not a JSON object")
    return message
