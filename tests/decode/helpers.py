"""Small builders shared by the decoder tests."""

from __future__ import annotations

import base64
import gzip
from pathlib import Path
from typing import Any

import orjson

from streams.core.model import Position, Record

DATA = Path(__file__).parents[1] / "data" / "decode"


def rec(data: bytes | str, offset: int = 0, stream: str = "s", **attrs: Any) -> Record:
    raw = data.encode() if isinstance(data, str) else data
    return Record(raw, Position("test", stream, "0", str(offset)), 0.0, dict(attrs))


def gz(obj: Any) -> bytes:
    raw = obj if isinstance(obj, bytes) else orjson.dumps(obj)
    return gzip.compress(raw, mtime=0)


def b64(raw: bytes) -> bytes:
    return base64.b64encode(raw)


def load(name: str) -> Any:
    return orjson.loads((DATA / name).read_bytes())
