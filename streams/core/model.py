"""The units of data that flow through logwarden.

``Record`` (raw bytes + position) -> decoder -> ``Entry`` (one raw log entry) ->
parser -> ``Event`` (an ECS document + metadata) -> sinks and detectors -> ``Finding``.

Everything on the hot path moves in lists; see ``docs/component-spec.md``.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True, frozen=True)
class Position:
    """Where a piece of data came from; the source coordinates of a record.

    ``offset`` is the Kinesis sequence number, the Kafka offset or the line
    number in a file (as a string so 128-bit sequence numbers survive).
    ``sub`` is the index inside one record (a CloudWatch Logs fan-out index,
    a KPL sub-sequence number, a CloudTrail ``Records`` index).

    >>> p = Position("gen", "vpc", "0", "42")
    >>> p.child(3).key()
    'gen/vpc/0/42/3'
    """

    source: str
    stream: str
    partition: str
    offset: str
    sub: int = 0

    def child(self, sub: int) -> Position:
        return Position(self.source, self.stream, self.partition, self.offset, sub)

    def key(self) -> str:
        return f"{self.source}/{self.stream}/{self.partition}/{self.offset}/{self.sub}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "stream": self.stream,
            "partition": self.partition,
            "offset": self.offset,
            "sub": self.sub,
        }


def event_id(position: Position, index: int = 0) -> str:
    """Deterministic document id: a hash of the position and the entry index.

    The same input replayed yields the same id, so ``op_type=create`` makes
    replays idempotent.

    >>> event_id(Position("s", "t", "0", "1"), 2) == event_id(Position("s", "t", "0", "1"), 2)
    True
    >>> len(event_id(Position("s", "t", "0", "1")))
    32
    """
    raw = f"{position.stream}\x1f{position.partition}\x1f{position.offset}\x1f{position.sub}\x1f{index}"
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


@dataclass(slots=True)
class Record:
    """Raw bytes read by a source plus their position.

    ``attrs`` carries what the transport knows about the bytes: a file or S3
    key name (``key``), a Kafka message key, a dataset hint (``dataset``),
    a CloudWatch log group.
    """

    data: bytes
    position: Position
    arrival: float
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Entry:
    """One raw log entry produced by a decoder, ready for a parser.

    ``value`` is a text line or an already-decoded JSON object (CloudTrail
    ``Records`` items, CloudWatch JSON messages). ``context`` holds envelope
    fields the parser copies to the document (``aws.cloudwatch.log_group``,
    owner, ...); ``dataset`` is the detected or configured dataset, if any.
    """

    value: str | dict[str, Any]
    position: Position
    dataset: str | None = None
    context: dict[str, Any] | None = None
    timestamp_ms: int | None = None


@dataclass(slots=True)
class Event:
    """One parsed log entry: an ECS document plus unindexed metadata."""

    doc: dict[str, Any]
    dataset: str
    id: str
    position: Position


class Stage(str, enum.Enum):
    SOURCE = "source"
    DECODE = "decode"
    PARSE = "parse"
    ENRICH = "enrich"
    DETECT = "detect"
    SINK = "sink"


@dataclass(slots=True)
class DeadLetter:
    """A piece of input that could not be processed, kept with the reason."""

    raw: str
    reason: str
    stage: Stage
    position: Position
    dataset: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "reason": self.reason,
            "stage": self.stage.value,
            "dataset": self.dataset,
            "position": self.position.as_dict(),
        }


def raw_text(value: bytes | str | dict[str, Any], limit: int = 1 << 20) -> str:
    """Render raw input for a dead letter without losing it (bytes as escaped text)."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="backslashreplace")
    elif isinstance(value, str):
        text = value
    else:
        import orjson

        text = orjson.dumps(value, default=str).decode()
    return text[:limit]


@dataclass(slots=True)
class DecodeResult:
    entries: list[Entry] = field(default_factory=list)
    errors: list[DeadLetter] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class ParseResult:
    events: list[Event] = field(default_factory=list)
    errors: list[DeadLetter] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)


class Outcome(enum.Enum):
    """Per-item result of a sink write."""

    OK = "ok"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(slots=True)
class ItemResult:
    outcome: Outcome
    reason: str = ""


@dataclass(slots=True)
class Batch:
    """Records read by one source together with the token that acks them."""

    source: str
    records: list[Record]
    token: Any


class Severity(str, enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @classmethod
    def from_score(cls, score: float) -> Severity:
        if score >= 0.95:
            return cls.CRITICAL
        if score >= 0.85:
            return cls.HIGH
        if score >= 0.7:
            return cls.MEDIUM
        return cls.LOW

    @property
    def rank(self) -> int:
        return ["low", "medium", "high", "critical"].index(self.value)


@dataclass(slots=True)
class Finding:
    """What a detector emits. ``id`` is stable for one anomaly episode."""

    id: str
    detector: str
    detector_type: str
    finding_type: str
    entity: dict[str, str]
    window_start: float
    window_end: float
    observed: float
    expected: float | None
    band: tuple[float, float] | None
    score: float
    severity: Severity
    summary: str
    explanation: dict[str, Any] = field(default_factory=dict)
    sample_event_ids: list[str] = field(default_factory=list)
    first_seen: float = 0.0
    last_seen: float = 0.0
    count: int = 1
    status: str = "open"  # "open" while the episode lasts, "resolved" once it ended


def finding_id(detector: str, entity: dict[str, str], window_start: float) -> str:
    """Stable finding id: hash of detector, entity and episode start window.

    >>> finding_id("rej", {"eni": "eni-1"}, 60.0) == finding_id("rej", {"eni": "eni-1"}, 60.0)
    True
    """
    ent = "\x1f".join(f"{k}={entity[k]}" for k in sorted(entity))
    raw = f"{detector}\x1e{ent}\x1e{int(window_start)}"
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
