"""The messages on the partials topic: JSON, keyed by detector and entity key.

Two kinds, told apart by ``kind``:

* ``partial``: one worker's aggregate of one key in one window of one
  detector (``detectors.windows.Partial``: count, sums, top values, distinct
  sketches, sample event ids, first/last event time). Message key:
  ``<detector>\\x1f<field>=<value>`` so every partial of a key lands on the
  same partition and the same merge agent.
* ``watermark``: a worker's event-time progress for one detector (its maximum
  event time so far), sent to *every* partition after the batch's partials;
  ``final`` marks the end of a finite input.

Values keep their JSON type (a port stays an int); tuples come back as tuples.

>>> from detectors.windows import Partial
>>> p = Partial(); p.add_event("e1", 61.0, 5); p.add_sum("rejects", 1); p.add_top("destination.port", 22, 8)
>>> p.add_distinct("ports", 22)
>>> msg = decode(encode_partial("w1", "rej", ("eni", "eni-1"), 60, p))
>>> (msg.kind, msg.detector, msg.key, msg.window_start)
(<Kind.PARTIAL: 'partial'>, 'rej', ('eni', 'eni-1'), 60)
>>> q = msg.partial
>>> (q.count, q.sums, q.tops["destination.port"].counts, q.distinct["ports"].count(), q.first)
(1, {'rejects': 1.0}, {22: 1}, 1, 61.0)
>>> decode(encode_watermark("w1", "rej", 75.0)).max_time
75.0
>>> decode(b"not json").kind
<Kind.INVALID: 'invalid'>
"""

from __future__ import annotations

import base64
import enum
import math
from dataclasses import dataclass
from typing import Any

import orjson

from detectors.sketches import Distinct, TopCounter
from detectors.windows import Key, Partial

VERSION = 1


class Kind(enum.Enum):
    PARTIAL = "partial"
    WATERMARK = "watermark"
    INVALID = "invalid"


@dataclass(slots=True)
class WireMessage:
    kind: Kind
    worker: str = ""
    detector: str = ""
    key: Key | None = None
    window_start: int = 0
    partial: Partial | None = None
    max_time: float | None = None
    final: bool = False
    error: str = ""


def message_key(detector: str, key: Key) -> bytes:
    return f"{detector}\x1f{key[0]}={key[1]}".encode()


def _hashable(value: Any) -> Any:
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def partial_to_dict(p: Partial) -> dict[str, Any]:
    return {
        "count": p.count,
        "sums": p.sums,
        "tops": {n: [c.capacity, c.total, list(c.counts.items())] for n, c in p.tops.items()},
        "distinct": {
            n: [
                d.exact_limit,
                None if d.items is None else list(d.items),
                None if d.registers is None else base64.b64encode(bytes(d.registers)).decode(),
                d.sample,
            ]
            for n, d in p.distinct.items()
        },
        "samples": p.samples,
        "first": _num(p.first),
        "last": _num(p.last),
    }


def partial_from_dict(d: dict[str, Any]) -> Partial:
    p = Partial(count=int(d["count"]), sums={k: float(v) for k, v in d["sums"].items()}, samples=list(d["samples"]))
    p.first = math.inf if d["first"] is None else float(d["first"])
    p.last = -math.inf if d["last"] is None else float(d["last"])
    for name, (capacity, total, pairs) in d["tops"].items():
        counter = TopCounter(capacity)
        counter.counts = {_hashable(v): int(n) for v, n in pairs}
        counter.total = int(total)
        p.tops[name] = counter
    for name, (limit, items, registers, sample) in d["distinct"].items():
        sketch = Distinct(limit)
        sketch.items = None if items is None else {_hashable(v) for v in items}
        sketch.registers = None if registers is None else bytearray(base64.b64decode(registers))
        sketch.sample = [_hashable(v) for v in sample]
        p.distinct[name] = sketch
    return p


def encode_partial(worker: str, detector: str, key: Key, window_start: int, partial: Partial) -> bytes:
    return orjson.dumps(
        {"v": VERSION, "kind": "partial", "worker": worker, "detector": detector, "key": list(key),
         "window_start": window_start, "partial": partial_to_dict(partial)},
        option=orjson.OPT_NON_STR_KEYS,
    )


def encode_watermark(worker: str, detector: str, max_time: float | None, final: bool = False) -> bytes:
    return orjson.dumps(
        {"v": VERSION, "kind": "watermark", "worker": worker, "detector": detector,
         "max_time": max_time, "final": final}
    )


def decode(raw: bytes | None) -> WireMessage:
    """Parse one message; anything malformed becomes ``Kind.INVALID`` with the reason (never raises)."""
    try:
        d = orjson.loads(raw or b"")
        kind = Kind(d["kind"])
        if kind is Kind.PARTIAL:
            field_name, value = d["key"]
            return WireMessage(kind, d["worker"], d["detector"], (str(field_name), str(value)),
                               int(d["window_start"]), partial_from_dict(d["partial"]))
        if kind is Kind.WATERMARK:
            max_time = d["max_time"]
            return WireMessage(kind, d["worker"], d["detector"], max_time=None if max_time is None else float(max_time),
                               final=bool(d.get("final", False)))
        raise ValueError(f"unexpected kind {kind.value!r}")
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        return WireMessage(Kind.INVALID, error=f"{type(err).__name__}: {err}")
