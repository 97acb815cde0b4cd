"""File source: plain or gzip files, many files, globs.

Each line becomes one record (``framing: lines``); a file that holds one JSON
document in its delivery form (a CloudTrail ``{"Records": [...]}`` file, a
GuardDuty export array) becomes one record (``framing: whole``); ``auto``
picks per file. Position: stream = the file path, offset = the line number
(1-based; 1 for a whole-file record).

With ``checkpoint_path`` set, the highest line per file whose predecessors
were all acknowledged is saved there and a restart resumes after it.
"""

from __future__ import annotations

import asyncio
import glob
import gzip
import io
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Literal

import orjson
from pydantic import Field

from streams.core import metrics
from streams.core.acks import AckTracker
from streams.core.config import SourceConfig
from streams.core.model import Batch, Position, Record
from streams.core.registry import SOURCES

GZIP_MAGIC = b"\x1f\x8b"
WHOLE_FILE_LIMIT = 256 << 20  # larger files are read line by line


class FileSourceConfig(SourceConfig):
    type: Literal["file"] = "file"
    paths: list[str] = Field(..., min_length=1, description="files or glob patterns")
    framing: Literal["auto", "lines", "whole"] = "auto"
    checkpoint_path: str | None = None
    missing_ok: bool = Field(False, description="start even when a pattern matches no file")


def expand_paths(patterns: list[str]) -> list[str]:
    out: list[str] = []
    for pattern in patterns:
        if pattern == "-":
            out.append("-")
            continue
        matches = sorted(glob.glob(os.path.expanduser(pattern), recursive=True))
        out.extend(m for m in matches if os.path.isfile(m))
    seen: set[str] = set()
    return [p for p in out if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


def open_binary(path: str) -> io.BufferedIOBase:
    if path == "-":
        import sys

        return sys.stdin.buffer  # type: ignore[return-value]
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    if raw.peek(2)[:2] == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


def whole_document(path: str, head: bytes) -> bytes | None:
    """The file's content if it is one JSON document in a delivery form, else None."""
    stripped = head.lstrip()
    if stripped[:1] not in (b"{", b"[") or os.path.getsize(path) > WHOLE_FILE_LIMIT:
        return None
    with open_binary(path) as fh:
        data = fh.read()
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if isinstance(doc, list) or (isinstance(doc, dict) and ("Records" in doc or "logEvents" in doc)):
        return data
    return None


@SOURCES.register("file", FileSourceConfig)
class FileSource:
    """Reads files line by line in batches; see the module docstring."""

    def __init__(self, config: FileSourceConfig):
        self.config = config
        self.name = config.name or "file"
        self.paths: list[str] = []
        self.acks: AckTracker[int] = AckTracker()
        self.checkpoints: dict[str, int] = {}
        self.bytes_total = 0
        self.bytes_read = 0
        self._closed = False
        self._last_save = 0.0

    async def start(self) -> None:
        self.paths = expand_paths(self.config.paths)
        if not self.paths and not self.config.missing_ok:
            raise FileNotFoundError(f"source {self.name!r}: no file matches {self.config.paths}")
        self.bytes_total = sum(os.path.getsize(p) for p in self.paths if p != "-")
        if self.config.checkpoint_path and os.path.exists(self.config.checkpoint_path):
            self.checkpoints = {k: int(v) for k, v in orjson.loads(Path(self.config.checkpoint_path).read_bytes()).items()}

    def _lines(self, path: str) -> Iterator[tuple[int, bytes]]:
        done_before = self.bytes_read
        with open_binary(path) as fh:
            raw = getattr(fh, "fileobj", None) or fh
            for number, line in enumerate(fh, 1):
                if number % 1024 == 0 and path != "-":
                    self.bytes_read = done_before + raw.tell()
                yield number, line.rstrip(b"\r\n")
        if path != "-":
            self.bytes_read = done_before + os.path.getsize(path)

    def _records(self, path: str) -> Iterator[Record]:
        attrs = {"key": path}
        if self.config.dataset:
            attrs["dataset"] = self.config.dataset
        now = time.time()
        resume_after = self.checkpoints.get(path, 0)
        if self.config.framing != "lines" and path != "-":
            with open_binary(path) as fh:
                head = fh.read(64)
            data = whole_document(path, head) if self.config.framing == "auto" else _read_all(path)
            if data is not None:
                self.bytes_read += os.path.getsize(path)
                if resume_after < 1:
                    yield Record(data, Position(self.name, path, "", "1"), now, attrs)
                return
        for number, line in self._lines(path):
            if number <= resume_after or not line.strip():
                continue
            yield Record(line, Position(self.name, path, "", str(number)), now, attrs)

    async def batches(self) -> AsyncIterator[Batch]:
        size = self.config.batch_size or 1000
        for path in self.paths:
            batch: list[Record] = []
            for record in self._records(path):
                if self._closed:
                    return
                batch.append(record)
                if len(batch) >= size:
                    yield self._make_batch(path, batch)
                    batch = []
                    await asyncio.sleep(0)
            if batch:
                yield self._make_batch(path, batch)
            if self._closed:
                return

    def _make_batch(self, path: str, records: list[Record]) -> Batch:
        last = int(records[-1].position.offset)
        self.acks.issue(path, last)
        metrics.RECORDS_IN.labels(self.name).inc(len(records))
        metrics.BYTES_IN.labels(self.name).inc(sum(len(r.data) for r in records))
        return Batch(self.name, records, (path, last))

    async def ack(self, token: tuple[str, int]) -> None:
        path, last = token
        checkpoint = self.acks.ack(path, last)
        if checkpoint is not None:
            self.checkpoints[path] = checkpoint
            self._save(force=False)

    def _save(self, force: bool) -> None:
        target = self.config.checkpoint_path
        if not target or (not force and time.monotonic() - self._last_save < 1.0):
            return
        self._last_save = time.monotonic()
        tmp = f"{target}.tmp"
        Path(tmp).write_bytes(orjson.dumps(self.checkpoints))
        os.replace(tmp, target)

    async def close(self) -> None:
        self._closed = True
        self._save(force=True)


def _read_all(path: str) -> bytes:
    with open_binary(path) as fh:
        return fh.read()
