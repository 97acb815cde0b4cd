"""The contract of a block fast path: a block of whole lines to NDJSON bytes, the reference result of odd lines, columns.

A dataset gets a fast path by adding one module to ``processors.fast``
that registers a factory for its chain's dataset::

    @register_fast_path("elb")
    def build(chain, *, include_id, keep_original, sample):
        return AlbFastPath(chain, include_id) if supported else "why not"

The runtime (``streams.runtime.fastpath``) reads a file in blocks of whole
lines, calls ``process`` on each, writes ``BlockBatch.chunks()`` to every
NDJSON document sink under ``schema.dataset``, delivers ``slow`` like the
reference path, and aggregates the detectors from ``values``/``times``/
``ids`` (``processors.fast.detect``). The reference chain stays the
definition of the output: a fast path's documents must be byte-identical
to the chain's (tests/fast checks each one).

>>> schema = Schema("aws.example", frozenset({"x"}), lambda path: path.startswith("y"), frozenset({"@timestamp"}))
>>> schema.serves("x"), schema.serves("y.z"), schema.serves("dataset"), schema.serves("q")
(True, True, True, False)
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from processors.chain import ChainResult


@dataclass(frozen=True)
class Schema:
    """What the detectors may read from a fast path's batches as columns."""

    dataset: str  # Event.dataset of every fast row ("aws.vpcflow"); NDJSON sinks route by it
    fields: frozenset[str]  # document fields BlockBatch.values() serves
    absent: Callable[[str], bool]  # True for fields its documents never have (a column of None)
    times: frozenset[str]  # time fields BlockBatch.times() serves

    def serves(self, path: str) -> bool:
        """Whether a detector reading ``path`` can be fed from columns (``dataset`` always can)."""
        return path == "dataset" or path in self.fields or self.absent(path)


@dataclass(slots=True)
class BlockBatch:
    """One block's output; a dataset's fast path subclasses it and sets ``schema``."""

    schema: ClassVar[Schema]
    ndjson: bytes | memoryview = b""  # NDJSON of the fast rows in row order, each line ending "\n"
    documents: int = 0  # number of fast rows
    ids: np.ndarray = field(default_factory=lambda: np.zeros((0, 32), np.uint8))  # event id text per fast row
    slow: ChainResult = field(default_factory=ChainResult)  # the reference chain's result for the other lines
    lines: int = 0
    last_line: int = 0
    columns: dict[str, Any] = field(default_factory=dict)  # a cache the detectors share (processors.fast.detect)

    def chunks(self) -> Iterator[tuple[bytes | memoryview, int]]:
        """(NDJSON bytes, documents) pieces of the fast rows' documents in row order: what the runtime writes.

        ``ndjson`` in one piece by default; a path may instead render here a
        piece at a time (VPC flow: into one reused buffer, so a piece is only
        valid until the next one is asked for).
        """
        if self.documents:
            yield self.ndjson, self.documents

    def release(self) -> None:
        """Drop the block's big buffers once its documents are written (the ack needs none of them)."""
        self.ndjson, self.columns = b"", {}

    def rendered(self) -> bytes:
        """Every fast row's document as one NDJSON byte string (``chunks`` joined)."""
        return b"".join(bytes(chunk) for chunk, _ in self.chunks())

    def values(self, path: str) -> tuple[np.ndarray, list[Any]]:
        """An int64 code per fast row and the distinct values (None: the field is absent) of ``path``."""
        raise NotImplementedError

    def times(self, path: str) -> np.ndarray:
        """float64 epoch seconds per fast row: exactly ``EventClock(path).epoch(doc)`` of each document."""
        raise NotImplementedError


class BlockPath(Protocol):
    """Optional attributes the runtime honours: ``block_bytes`` (the block size, default
    ``streams.runtime.fastpath.BLOCK_BYTES``) and ``blocks_in_flight`` (blocks processed but not yet
    written, default ``BLOCKS_IN_FLIGHT``)."""

    schema: Schema

    def process(self, source: str, path: str, block: bytes | memoryview, first_line: int,
                attrs: dict[str, Any]) -> BlockBatch: ...


Factory = Callable[..., "BlockPath | str"]
FAST_PATHS: dict[str, Factory] = {}


def register_fast_path(dataset: str) -> Callable[[Factory], Factory]:
    """Register ``build(chain, *, include_id, keep_original, sample) -> BlockPath | reason`` for a chain dataset."""
    def wrap(factory: Factory) -> Factory:
        FAST_PATHS[dataset] = factory
        return factory
    return wrap


def build_fast_path(chain: Any, *, include_id: bool, keep_original: bool, sample: bytes) -> BlockPath | str:
    """The fast path for ``chain`` or the reason there is none (``sample``: the first bytes of the input)."""
    if not FAST_PATHS:
        package = importlib.import_module("processors.fast")
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"processors.fast.{info.name}")
    factory = FAST_PATHS.get(chain.dataset)
    if factory is None:
        return f"dataset {chain.dataset!r} has no fast path (only {', '.join(sorted(FAST_PATHS))})"
    return factory(chain, include_id=include_id, keep_original=keep_original, sample=sample)
