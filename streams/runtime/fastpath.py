"""The runtime's fast path: file blocks -> compiled documents -> NDJSON sinks and detectors.

Taken automatically by ``Pipeline`` for a file source whose dataset has a
block fast path (``processors.fast.base.FAST_PATHS``: VPC flow, ...) when
every component supports it (``plan`` says why not otherwise, logged once;
everything else keeps the reference path). The
semantics stay those of the reference path: the same documents and ids,
odd lines handled by the reference chain (dead letters keep their line
numbers and reasons), detectors fed the same aggregates, batches acked to
the file source by their last line only after every sink accepted them.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from processors.fast.base import BlockBatch, BlockPath, build_fast_path
from processors.fast.buffers import Reusable
from processors.fast.detect import aggregate_columns, columns_support
from streams.core import metrics
from streams.core.model import Batch, Finding
from streams.runtime.heap import tune_heap
from streams.sources.file import FileSource, open_binary

log = logging.getLogger("logwarden.fastpath")
BLOCK_BYTES = 4 << 20
BLOCKS_IN_FLIGHT = 2  # rendered blocks (about 9x their input) held at once: the bound on the path's memory


@dataclass
class FastWork:
    batch: Batch
    result: Any  # ChainResult of the lines the reference chain handled
    findings: list[Finding]
    fast: BlockBatch
    release: Callable[[], None] = lambda: None  # frees the block's in-flight slot once its documents are written


def plan(pipeline: Any, source: Any) -> BlockPath | None:
    """A fast path for ``source`` or None (the reason is logged)."""
    fast = _build(pipeline, source)
    if isinstance(fast, str):
        log.info("reference path for %s: %s", getattr(source, "name", "?"), fast,
                 extra={"source": getattr(source, "name", "?"), "reason": fast})
        return None
    log.info("fast path for %s: %s", source.name, fast.schema.dataset,
             extra={"source": source.name, "dataset": fast.schema.dataset})
    return fast


def _build(pipeline: Any, source: Any) -> BlockPath | str:
    if os.environ.get("LOGWARDEN_FASTPATH", "1") == "0":
        return "LOGWARDEN_FASTPATH=0"
    if not isinstance(source, FileSource) or source.config.framing == "whole" or "-" in source.paths:
        return "not a file source of lines"
    sinks = [d.sink for d in pipeline.doc_sinks]
    if not all(hasattr(s, "write_ndjson") for s in sinks) or len({getattr(s.config, "include_id", True) for s in sinks}) > 1:
        return "a document sink without NDJSON block writes"
    if pipeline.chains[source.name].dataset is None:  # detected per line: only a declared dataset can take blocks
        return "the dataset is detected per line (set the source's dataset, or replay --dataset, for a fast path)"
    samples = []
    for path in source.paths:
        with open_binary(path) as fh:
            samples.append(fh.read(64))
    fast = None
    for sample in samples or [b""]:  # every file must suit the path (a JSON file among VPC flow files does not)
        fast = build_fast_path(pipeline.chains[source.name], keep_original=pipeline.config.pipeline.keep_original,
                               include_id=all(getattr(s.config, "include_id", True) for s in sinks), sample=sample)
        if isinstance(fast, str):
            return fast
    for name, detector in pipeline.detectors.items():
        why = columns_support(detector, fast.schema) if hasattr(detector, "type_name") else "not a windowed detector"
        if why is not None:
            return f"detector {name}: {why}"
    return fast


def _blocks(path: str, resume_after: int, size: int = BLOCK_BYTES):  # noqa: ANN202
    """(first line number, bytes of whole lines) blocks of a file, skipping lines up to ``resume_after``.

    Each block is read straight into a buffer behind the previous block's
    unfinished last line (no concatenation copies) and handed out as a
    read-only view of its whole lines. Buffers no block refers to any more
    are reused (``Reusable``: a fresh 4 MiB buffer costs ~2.5 ms of page
    faults and zeroing).
    """
    line, carry = 1, b""
    # the carry is one unfinished line: 1/64 room more (256 KiB on VPC flow's 16 MiB blocks) holds it and keeps
    # the pooled buffers' memory near the block size (a longer line just costs a fresh buffer)
    buffers = Reusable(bytearray, keep=BLOCKS_IN_FLIGHT + 3, slack=1 / 64)
    with open_binary(path) as fh:
        while True:
            buf = buffers.get(len(carry) + size)
            buf[:len(carry)] = carry
            got = _fill(fh, memoryview(buf)[len(carry):len(carry) + size])
            end = len(carry) + got
            cut = buf.rfind(b"\n", 0, end) + 1 if got else end
            data = memoryview(buf)[:cut].toreadonly()
            carry = bytes(buf[cut:end])
            if not len(data):
                if not got:
                    return
                continue
            start = line
            if line <= resume_after:  # resuming: whole blocks already done are skipped, a partial one cut
                count = _line_count(buf, cut)
                if line + count - 1 <= resume_after:
                    line += count
                    if not got:
                        return
                    continue
                data = memoryview(bytes(data).split(b"\n", resume_after - line + 1)[-1])
                start = resume_after + 1
            told = yield start, data
            # the consumer may send back the lines its parser counted in ``data`` (the fast paths do: their
            # line split counts them anyway), which saves counting them here (~0.5 ms a 4 MiB block)
            line = start + (told if told is not None else _line_count(data, len(data)))
            if not got:
                return


def _line_count(buf: Any, size: int) -> int:
    """Lines in ``buf[:size]`` (whole lines, the last one possibly without its newline); numpy counts ~4x
    faster than ``bytearray.count``."""
    if not size:
        return 0
    view = np.frombuffer(buf, np.uint8, size)
    return int(np.count_nonzero(view == 10)) + (0 if view[size - 1] == 10 else 1)


def _fill(fh: Any, view: memoryview) -> int:
    """Read until ``view`` is full or the file ends (gzip files return short reads)."""
    filled = 0
    while filled < len(view):
        got = fh.readinto(view[filled:])
        if not got:
            break
        filled += got
    return filled


async def read_fast(pipeline: Any, source: FileSource, fast: BlockPath, queue: asyncio.Queue[Any]) -> None:
    """The reader task of a fast source: blocks in, ``FastWork`` items on the queue."""
    tune_heap()  # the blocks' temporaries stay in the heap from block to block (``streams.runtime.heap``)
    attrs = {"dataset": source.config.dataset}
    slots = asyncio.Semaphore(getattr(fast, "blocks_in_flight", BLOCKS_IN_FLIGHT))
    size = getattr(fast, "block_bytes", BLOCK_BYTES)  # a path may choose its block size (VPC flow: 16 MiB)
    for path in source.paths:
        attrs["key"] = path
        blocks, lines = _blocks(path, source.checkpoints.get(path, 0), size), None
        while True:
            try:
                first, data = blocks.send(lines)  # the lines the last block held: the next one's first line
            except StopIteration:
                break
            if pipeline._stopping.is_set():
                return
            await slots.acquire()
            with gc_paused():
                work = _process(pipeline, source, fast, path, first, data, dict(attrs))
            lines = work.fast.lines
            work.release = slots.release
            source.bytes_read += len(data)
            metrics.IN_FLIGHT.labels(source.name).inc()
            await queue.put(work)
            metrics.QUEUE_DEPTH.labels(source.name).set(queue.qsize())


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a block is processed.

    A block allocates tens of thousands of acyclic objects (partials, their
    dicts, sets and sample lists) that stay alive until the detectors merge
    them; the collector would traverse every live object repeatedly on the
    way (it was ~30 % of the aggregation time). Reference counting still
    frees everything; the collector resumes after the block.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _process(pipeline: Any, source: FileSource, fast: BlockPath, path: str, first: int, data: bytes,
             attrs: dict[str, Any]) -> FastWork:
    batch_out = fast.process(source.name, path, data, first, attrs)
    slow = batch_out.slow
    records = batch_out.documents + len(slow.events) + len(slow.dead_letters)
    source.acks.issue(path, batch_out.last_line)
    metrics.RECORDS_IN.labels(source.name).inc(records)
    metrics.BYTES_IN.labels(source.name).inc(len(data))
    findings = detect(pipeline, batch_out, slow.events)
    pipeline.summary.records_in += records
    pipeline.summary.dropped.update(slow.dropped)
    return FastWork(Batch(source.name, [], (path, batch_out.last_line)), slow, findings, batch_out)


def detect(pipeline: Any, batch: BlockBatch, slow_events: list[Any]) -> list[Finding]:
    findings: list[Finding] = []
    for name, detector in pipeline.detectors.items():
        try:
            detector._last_input_wall = detector._clock()
            detector.merge(aggregate_columns(detector, batch))
            if slow_events:
                detector.merge(detector.aggregate(slow_events))
            findings.extend(detector.close_windows())
        except Exception:  # a detector bug must not stop indexing
            log.exception("detector failed on a batch", extra={"detector": name})
            metrics.DROPPED.labels("detect", f"error:{name}").inc()
    return findings


async def deliver_fast(pipeline: Any, source: Any, work: FastWork) -> None:
    """Write the rendered block to every document sink, then the rest as the reference path does."""
    fast = work.fast
    try:
        if fast.documents:
            started = time.perf_counter()
            for chunk, count in fast.chunks():  # a path may render here a piece at a time (bounded memory)
                await asyncio.gather(*(d.sink.write_ndjson(fast.schema.dataset, chunk, count)
                                       for d in pipeline.doc_sinks))
                del chunk  # before the next piece is rendered
            for d in pipeline.doc_sinks:
                metrics.SINK_LATENCY.labels(d.name).observe(time.perf_counter() - started)
            pipeline.summary.documents += fast.documents
    finally:
        fast.release()  # the block's big buffers go now; the ack needs none of them
        work.release()
