"""The Enricher contract.

An enricher adds fields to a batch of events in place and returns the batch.

Guarantees: ``enrich`` is synchronous and never waits on the network; an
enricher that needs remote data (ENI tags) serves from a bounded cache and
refreshes it in a background task started by ``start()`` and stopped by
``close()``. Every cache is bounded and reports hit/miss metrics. An
enricher never raises on odd input: a field it cannot interpret is left out.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from streams.core.model import Event


@runtime_checkable
class Enricher(Protocol):
    name: str

    async def start(self) -> None: ...

    def enrich(self, events: list[Event]) -> list[Event]: ...

    async def close(self) -> None: ...
