"""Shared machinery of the parsers: the batch loop, dead letters, envelopes.

A dataset module subclasses ``BaseParser`` and implements ``parse_entry``,
which returns one ECS document (a nested dict) or raises ``ParseFailure``
(bad input, dead-lettered) or ``Skip`` (dropped on purpose, counted). Any
other exception is caught too and dead-lettered as ``internal``, so
``parse`` never raises whatever the bytes.
"""

from __future__ import annotations

import enum
from typing import Any

import orjson

from processors.parsers._time import epoch_ms_iso
from streams.core.metrics import CACHE_SIZE, DEAD_LETTERED, DROPPED, STAGE_OUT
from streams.core.model import DeadLetter, Entry, Event, ParseResult, Stage, event_id, raw_text


class Reason(enum.StrEnum):
    """Why an entry was dead-lettered (a bounded metric label)."""

    EMPTY = "empty"
    NOT_TEXT = "not_text"
    BAD_JSON = "bad_json"
    NOT_OBJECT = "not_object"
    FIELD_COUNT = "field_count"
    BAD_VALUE = "bad_value"
    BAD_TIMESTAMP = "bad_timestamp"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FORMAT = "unknown_format"
    INTERNAL = "internal"


class ParseFailure(Exception):
    """Raised by ``parse_entry`` for input it cannot turn into a document."""

    def __init__(self, reason: Reason, detail: str = ""):
        super().__init__(detail or reason.value)
        self.reason = reason
        self.detail = detail or reason.value


class Skip(Exception):
    """Raised by ``parse_entry`` for input dropped on purpose (counted in ``dropped``)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# CloudWatch / S3 envelope keys a decoder may put in Entry.context -> document path.
CONTEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "owner": ("cloud", "account", "id"),
    "account_id": ("cloud", "account", "id"),
    "region": ("cloud", "region"),
    "log_group": ("aws", "cloudwatch", "log_group"),
    "log_stream": ("aws", "cloudwatch", "log_stream"),
    "cloudwatch_id": ("aws", "cloudwatch", "event_id"),
    "bucket": ("aws", "s3", "bucket", "name"),
    "key": ("aws", "s3", "object", "key"),
}


class KeyNames:
    """Bounded memo of key renames (camelCase -> snake_case ...): log keys repeat, conversions are costly.

    >>> names = KeyNames("doc", str.upper, limit=2); names("a"), names("b"), names("c"), len(names.cache)
    ('A', 'B', 'C', 1)
    """

    def __init__(self, name: str, convert: Any, limit: int = 8192):
        self.name, self.convert, self.limit = name, convert, limit
        self.cache: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        found = self.cache.get(key)
        if found is None:
            if len(self.cache) >= self.limit:
                self.cache.clear()
            found = self.cache[key] = self.convert(key)
            CACHE_SIZE.labels(cache=self.name).set(len(self.cache))
        return found


def setdefault_path(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set ``doc[path]`` unless the parser already set it.

    >>> d = {"cloud": {"region": "eu-west-1"}}
    >>> setdefault_path(d, ("cloud", "region"), "us-east-1"); setdefault_path(d, ("cloud", "account", "id"), "1")
    >>> d
    {'cloud': {'region': 'eu-west-1', 'account': {'id': '1'}}}
    """
    node = doc
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node.setdefault(path[-1], value)


_PATHS: dict[str, tuple[tuple[str, ...], str]] = {}  # dotted path -> (parents, leaf); parser code paths, bounded
_PATHS_MAX = 4096


def _path(dotted: str) -> tuple[tuple[str, ...], str]:
    parts = dotted.split(".")
    found = (tuple(parts[:-1]), parts[-1])
    if len(_PATHS) < _PATHS_MAX:
        _PATHS[dotted] = found
        CACHE_SIZE.labels(cache="parsers.paths").set(len(_PATHS))
    return found


def put(doc: dict[str, Any], dotted: str, value: Any) -> None:
    """Set a dotted path in a nested document, skipping None and ``-``.

    >>> d = {}; put(d, "url.path", "/a"); put(d, "url.query", None); put(d, "url.port", 80); d
    {'url': {'path': '/a', 'port': 80}}
    >>> put(d, "url.path.deep", 1); d  # a non-dict on the way is replaced
    {'url': {'path': {'deep': 1}, 'port': 80}}
    """
    if value is None or value == "-" or value == "":
        return
    parents, leaf = _PATHS.get(dotted) or _path(dotted)
    node = doc
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def add_related(doc: dict[str, Any], kind: str, *values: Any) -> None:
    """Append to ``related.<kind>`` keeping order and dropping duplicates and blanks.

    >>> d = {}; add_related(d, "ip", "10.0.0.1", None, "10.0.0.1", "-", "::1"); d
    {'related': {'ip': ['10.0.0.1', '::1']}}
    """
    for value in values:
        if value is None or value == "-" or value == "":
            continue
        items = doc.setdefault("related", {}).setdefault(kind, [])
        if value not in items:
            items.append(value)


def drop_nulls(value: Any) -> Any:
    """Remove None members from nested objects (as Elastic's pipelines do), keeping the rest.

    >>> drop_nulls([{"a": None, "b": [{"c": None, "d": 1}]}])
    [{'b': [{'d': 1}]}]
    """
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value if v is not None]
    return value


def entry_text(entry: Entry) -> str:
    """The text line of an entry (a ``{"message": line}`` wrapper is unwrapped)."""
    value = entry.value
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict) and isinstance(value.get("message"), str):
        text = value["message"]
    else:
        raise ParseFailure(Reason.NOT_TEXT, f"expected a text line, got {type(value).__name__}")
    text = text.strip("\r\n")
    if text[:1] == "{" and text[-1:] == "}":
        text = _unwrap_message(text)
    if not text.strip():
        raise ParseFailure(Reason.EMPTY, "empty line")
    return text


def _unwrap_message(text: str) -> str:
    """A line shipped as ``{"message": "<line>"}`` (Firehose, Elastic's test runner) yields its message."""
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
    message = obj.get("message") if isinstance(obj, dict) else None
    return message if isinstance(message, str) else text


def entry_json(entry: Entry) -> dict[str, Any]:
    """The JSON object of an entry (decoding a text line with orjson)."""
    value = entry.value
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise ParseFailure(Reason.NOT_TEXT, f"expected JSON text or object, got {type(value).__name__}")
    if not value.strip():
        raise ParseFailure(Reason.EMPTY, "empty line")
    try:
        obj = orjson.loads(value)
    except orjson.JSONDecodeError as err:
        raise ParseFailure(Reason.BAD_JSON, f"invalid JSON: {err}") from None
    if not isinstance(obj, dict):
        raise ParseFailure(Reason.NOT_OBJECT, f"expected a JSON object, got {type(obj).__name__}")
    return obj


def to_int(text: str, name: str) -> int:
    """Parse an integer field or fail with a reason naming the field."""
    try:
        return int(text)
    except (ValueError, TypeError):
        raise ParseFailure(Reason.BAD_VALUE, f"{name}: not an integer: {str(text)[:64]!r}") from None


class BaseParser:
    """The batch loop every parser shares; subclasses implement ``parse_entry``."""

    dataset = "unknown"
    kind = "event"

    def __init__(self, config: Any):
        self.config = config
        self.keep_original = bool(getattr(config, "keep_original", False))

    def parse_entry(self, entry: Entry) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def parse(self, entries: list[Entry]) -> ParseResult:
        events: list[Event] = []
        errors: list[DeadLetter] = []
        dropped: dict[str, int] = {}
        dataset = self.dataset
        for entry in entries:
            try:
                doc = self.parse_entry(entry)
                self.finish(doc, entry)
            except ParseFailure as failure:
                errors.append(self.dead_letter(entry, failure.reason, failure.detail))
                continue
            except (ValueError, OverflowError) as err:  # a conversion of an input value failed
                errors.append(self.dead_letter(entry, Reason.BAD_VALUE, f"{type(err).__name__}: {err}"))
                continue
            except Skip as skip:
                dropped[skip.reason] = dropped.get(skip.reason, 0) + 1
                continue
            except Exception as err:  # noqa: BLE001 - the contract: never raise on input
                errors.append(self.dead_letter(entry, Reason.INTERNAL, f"{type(err).__name__}: {err}"))
                continue
            events.append(Event(doc, dataset, event_id(entry.position), entry.position))
        self.count(events, errors, dropped)
        return ParseResult(events, errors, dropped)

    def dead_letter(self, entry: Entry, reason: Reason, detail: str) -> DeadLetter:
        try:
            raw = raw_text(entry.value)
        except Exception:  # noqa: BLE001 - unrenderable input is still dead-lettered
            raw = repr(entry.value)[: 1 << 20]
        return DeadLetter(raw, f"{reason.value}: {detail}", Stage.PARSE, entry.position, self.dataset)

    def count(self, events: list[Event], errors: list[DeadLetter], dropped: dict[str, int]) -> None:
        if events:
            STAGE_OUT.labels(stage="parse", dataset=self.dataset).inc(len(events))
        for error in errors:
            DEAD_LETTERED.labels(stage="parse", reason=error.reason.split(":", 1)[0]).inc()
        for reason, n in dropped.items():
            DROPPED.labels(stage="parse", reason=reason).inc(n)

    def finish(self, doc: dict[str, Any], entry: Entry) -> None:
        """Common fields: dataset, kind, provider, envelope context, fallbacks, original."""
        event = doc.setdefault("event", {})
        event["dataset"] = self.dataset
        event.setdefault("kind", self.kind)
        cloud = doc.setdefault("cloud", {})
        cloud["provider"] = "aws"
        context = entry.context
        if context:
            for key, path in CONTEXT_FIELDS.items():
                value = context.get(key)
                if isinstance(value, str) and value:
                    setdefault_path(doc, path, value)
        if "@timestamp" not in doc and entry.timestamp_ms is not None:
            doc["@timestamp"] = epoch_ms_iso(entry.timestamp_ms)
        if "@timestamp" not in doc:
            raise ParseFailure(Reason.BAD_TIMESTAMP, "no timestamp in the entry or its envelope")
        if self.keep_original:
            value = entry.value
            event["original"] = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
