"""The Sink contracts.

A document sink writes a list of events and returns one ``ItemResult`` per
event, in order:

* ``Outcome.OK``: durably accepted (for OpenSearch, a 409 on ``create`` is OK:
  the document is already there).
* ``Outcome.RETRY``: a transient failure (429, 5xx, timeout); the runtime's
  retry wrapper (``streams.runtime.delivery``) retries only these items with
  jittered exponential backoff, for as long as it takes: nothing is dropped,
  and reading slows down meanwhile (backpressure).
* ``Outcome.FAILED``: a permanent failure (a mapping error); the runtime sends
  the item to the dead-letter output with the reason.

``write`` may block (await) for as long as the destination needs; it must not
raise for per-item failures, only report them. An exception from ``write`` is
treated as RETRY for every item.

A finding sink has the same shape over ``Finding`` objects. Dead letters are
written through an ordinary document sink (events of dataset ``deadletter``).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from streams.core.model import Event, Finding, ItemResult


@runtime_checkable
class DocumentSink(Protocol):
    name: str

    async def start(self) -> None: ...

    async def write(self, events: list[Event]) -> list[ItemResult]: ...

    async def close(self) -> None: ...


@runtime_checkable
class FindingSink(Protocol):
    name: str

    async def start(self) -> None: ...

    async def write(self, findings: list[Finding]) -> list[ItemResult]: ...

    async def close(self) -> None: ...
