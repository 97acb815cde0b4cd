"""Document fragments of the CloudTrail fast path, computed once per distinct value by the reference code.

A CloudTrail document is mostly verbatim copies of record strings (ids,
region, user agent, scalars), which the compiled renderer copies. The
rest depends on a few record fields only, and those values repeat: each
part is computed by running the reference parser, ``finish`` and the
configured enrichers on a minimal record that holds just those fields,
then cut out of the resulting document as JSON bytes. Parts and what they
depend on:

* ``timestamp(eventTime)``: ``"@timestamp":"..."`` and its epoch seconds;
* ``call(eventSource, eventName)``: event category/type/action/provider,
  ``cloud.service``, whether the call is a console login;
* ``actor(sourceIPAddress, userIdentity)``: ``aws.cloudtrail.user_identity``,
  ``cloud.account`` (when the record names no recipient), and every
  top-level key after ``user_agent`` (``source`` with GeoIP, ``related``,
  ``service``, ``user``, ``network``), merged from an ``address`` part and a
  ``principal`` part computed each on their own (identities are often
  unique per session while addresses repeat, and the reverse);
* ``params(4 parameter objects, console login)``: the text and flattened
  parameters, ``console_login``, and whether the login failed;
* ``resources(resources)`` and ``scalar(value)`` (a number, object, array or
  escaped string in a scalar field: the reference's ``java_text`` rule).

A value the reference rejects (or that is not valid JSON) yields None: its
rows take the reference path. Each table is a bounded dict (16,384 entries,
cleared when full) with a ``CACHE_SIZE`` metric.

>>> from processors.parsers.cloudtrail import CloudTrailConfig, CloudTrailParser
>>> frags = TrailFragments(CloudTrailParser(CloudTrailConfig(type="cloudtrail")), [])
>>> frags.call(b'"iam.amazonaws.com"', b'"CreateUser"')
(b',"category":["iam"],"type":["user","creation"],"action":"CreateUser","provider":"iam.amazonaws.com"', b',"service":{"name":"iam"}', False, {'event.action': 'CreateUser', 'event.provider': 'iam.amazonaws.com', 'cloud.service.name': 'iam'})
>>> frags.timestamp(b'"2024-01-02T03:04:05Z"'), frags.timestamp(b'"yesterday"')
((b'"@timestamp":"2024-01-02T03:04:05.000Z"', 1704164645.0), None)
>>> frags.scalar(b'{"a": [1, null]}'), frags.scalar(b'2.50')
(b'"{a=[1, null]}"', b'"2.5"')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from detectors.fields import EventClock
from processors.parsers._javamap import java_text
from processors.parsers._time import iso_ms
from streams.core.metrics import CACHE_SIZE
from streams.core.model import Entry, Event, Position

_POSITION = Position("fast", "cloudtrail", "", "0")
_BASE = {"eventTime": "2000-01-01T00:00:00Z", "awsRegion": "r"}
_MISSING = object()
ACTOR_FIELDS = ("source.ip", "source.address", "user.name", "user.id", "service.name", "network.type")


def _get(doc: dict[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _value(raw: bytes) -> Any:
    """The decoded JSON value of a span (``b""`` = the key is absent); raises on invalid JSON."""
    return orjson.loads(raw) if raw else None


def _members(items: Any) -> bytes:
    """``,"k":v,...`` for string-keyed members (one ``orjson.dumps``)."""
    members = dict(items)
    return b"," + orjson.dumps(members)[1:-1] if members else b""


class _ActorFields:
    """The detector fields of one actor part, read on demand (most blocks need none or one)."""

    __slots__ = ("tail", "account")

    def __init__(self, tail: dict[str, Any], account: Any):
        self.tail, self.account = tail, account

    def get(self, path: str) -> Any:
        if path == "cloud.account.id":
            return self.account.get("id") if isinstance(self.account, dict) else None
        return _get(self.tail, path)


class _Table:
    """One bounded memo of fragments keyed by raw spans."""

    def __init__(self, name: str, build: Callable[..., Any], size: int):
        self.name, self.build, self.size = name, build, size
        self.memo: dict[Any, Any] = {}

    def __call__(self, *key: Any) -> Any:
        found = self.memo.get(key, _MISSING)
        if found is _MISSING:
            try:
                found = self.build(*key)
            except Exception:  # noqa: BLE001 - whatever the reference rejects goes to the reference path
                found = None
            if len(self.memo) >= self.size:
                self.memo.clear()
            self.memo[key] = found
        return found

    def publish(self) -> None:
        CACHE_SIZE.labels(cache=f"fast.cloudtrail.{self.name}").set(len(self.memo))


class TrailFragments:
    """The fragment tables of one parser + enrichers."""

    def __init__(self, parser: Any, enrichers: list[Any], cache_size: int = 16_384):
        self.parser, self.enrichers = parser, list(enrichers)
        self.clock = EventClock("@timestamp")
        self.timestamp = _Table("timestamp", self._timestamp, cache_size)
        self.call = _Table("call", self._call, cache_size)
        self.address = _Table("address", self._address, cache_size)
        self.principal = _Table("principal", self._principal, cache_size)
        self.actor = _Table("actor", self._actor, cache_size)
        self.params = _Table("params", self._params, cache_size)
        self.resources = _Table("resources", self._resources, cache_size)
        self.scalar = _Table("scalar", self._scalar, cache_size)

    def publish(self) -> None:
        """Set the tables' size metrics (once per block, not per miss)."""
        for table in (self.timestamp, self.call, self.address, self.principal, self.actor, self.params,
                      self.resources, self.scalar):
            table.publish()

    def reference(self, record: dict[str, Any]) -> dict[str, Any]:
        """The document the reference chain builds for ``record`` (raises what the parser raises)."""
        entry = Entry(record, _POSITION, "cloudtrail")
        doc = self.parser.parse_entry(entry)
        self.parser.finish(doc, entry)
        events = [Event(doc, self.parser.dataset, "", _POSITION)]
        for enricher in self.enrichers:
            events = enricher.enrich(events)
        return events[0].doc

    def _record(self, **raw: bytes) -> dict[str, Any]:
        record = dict(_BASE)
        for key, span in raw.items():
            if span:
                record[key] = orjson.loads(span)
        return record

    def _timestamp(self, raw: bytes) -> tuple[bytes, float] | None:
        value = _value(raw)
        stamp = iso_ms(value) if isinstance(value, str) else None
        if stamp is None:
            return None
        epoch = self.clock.epoch({"@timestamp": stamp})
        return (b'"@timestamp":' + orjson.dumps(stamp), epoch) if epoch is not None else None

    def _call(self, source: bytes, name: bytes) -> tuple[bytes, bytes, bool, dict[str, Any]]:
        doc = self.reference(self._record(eventSource=source, eventName=name))
        event = [(k, v) for k, v in doc["event"].items() if k not in ("kind", "outcome", "dataset")]
        cloud = doc["cloud"]
        if list(cloud) not in (["region", "provider"], ["region", "service", "provider"]):
            raise ValueError(f"unexpected cloud keys {list(cloud)}")
        service = b',"service":' + orjson.dumps(cloud["service"]) if "service" in cloud else b""
        fields = {"event.action": doc["event"].get("action"), "event.provider": doc["event"].get("provider"),
                  "cloud.service.name": cloud.get("service", {}).get("name")}
        return _members(event), service, _value(name) == "ConsoleLogin", fields

    def _tail(self, doc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k not in ("@timestamp", "aws", "event", "cloud")}

    def _address(self, address: bytes) -> dict[str, Any]:
        """The top-level keys ``_source`` and the enrichers add for ``sourceIPAddress`` alone."""
        doc = self.reference(self._record(sourceIPAddress=address))
        if doc["aws"]["cloudtrail"] or "account" in doc["cloud"]:
            raise ValueError("an address part outside the tail")
        return self._tail(doc)

    def _principal(self, identity: bytes) -> tuple[dict[str, Any], Any, dict[str, Any]]:
        """(trail members, cloud.account, top-level keys) the parser's ``_identity`` adds for ``userIdentity``.

        Called directly (identities are often unique per session): the enrichers the fast path
        accepts (network, GeoIP) read ``source``/``destination`` only, which ``_identity`` never writes.
        """
        value = _value(identity)
        doc: dict[str, Any] = {"cloud": {"region": "r"}}
        trail: dict[str, Any] = {}
        if isinstance(value, dict):
            self.parser._identity(doc, trail, value)
        cloud = doc.pop("cloud")
        return trail, cloud.get("account"), doc

    def _actor(self, address: bytes, identity: bytes) -> tuple[bytes, bytes, bytes, dict[str, Any]] | None:
        """The two parts merged as the reference builds them: ``_source`` first, ``_identity`` appends to
        ``related`` and overwrites ``service.name`` in place, the network enricher adds ``network`` last."""
        place, person = self.address(address), self.principal(identity)
        if place is None or person is None:
            return None
        trail, account, added = person
        tail = {k: v for k, v in place.items() if k != "network"}
        for key, value in added.items():
            tail[key] = {**tail[key], **value} if key in ("related", "service") and key in tail else value
        if "network" in place:
            tail["network"] = place["network"]
        fields = _ActorFields(tail, account)
        return (_members(trail.items()), b',"account":' + orjson.dumps(account) if account is not None else b"",
                _members(tail.items()), fields)

    def _params(self, request: bytes, response: bytes, extra: bytes, details: bytes, login: bool
                ) -> tuple[bytes, bool]:
        """The parser's own ``_params`` and ``_outcome`` on just these values (the rest of a record never matters)."""
        record = self._record(requestParameters=request, responseElements=response, additionalEventData=extra,
                              serviceEventDetails=details)
        record["eventName"] = "ConsoleLogin" if login else "X"
        trail: dict[str, Any] = {}
        doc: dict[str, Any] = {"event": {}}
        self.parser._params(trail, record)
        self.parser._outcome(doc, trail, record)
        return _members(trail.items()), doc["event"]["outcome"] == "failure"

    def _resources(self, raw: bytes) -> bytes:
        doc = self.reference(self._record(resources=raw))
        return _members(doc["aws"]["cloudtrail"].items())

    @staticmethod
    def _scalar(raw: bytes) -> bytes:
        value = _value(raw)
        if value is None:
            raise ValueError("null is not a scalar fragment")
        return orjson.dumps(value if isinstance(value, str | bool | int) else java_text(value))
