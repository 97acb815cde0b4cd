"""The Source contract.

A source reads raw records from a transport and hands them out in batches,
each with an opaque ack token.

Guarantees a Source must give:

* ``batches()`` never blocks the event loop; it awaits I/O and yields batches.
  A finite source (files, a bounded generator) ends its iterator when it is
  exhausted; an unbounded one ends it after ``close()``.
* ``ack(token)`` means: every sink has acknowledged every item of that batch.
  Acks may arrive out of order. The source advances its durable position
  (Kinesis checkpoint, Kafka offset) only to the highest position whose
  predecessors have all been acked (see ``streams.core.acks.AckTracker``).
  Resume starts *after* the last acked position, never at it.
* A batch that is never acked is redelivered after a restart (at-least-once).
* Errors reading the transport are retried with backoff inside the source;
  data that cannot be read at all is yielded as a record with
  ``attrs["error"]`` set so it reaches the dead-letter output.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol, runtime_checkable

from streams.core.model import Batch


@runtime_checkable
class Source(Protocol):
    name: str

    async def start(self) -> None: ...

    def batches(self) -> AsyncIterator[Batch]: ...

    async def ack(self, token: Any) -> None: ...

    async def close(self) -> None: ...
