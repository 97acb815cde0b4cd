"""Retrying delivery to a sink: one small policy object for every sink.

``Delivery.write(items)`` hands the items to the sink, retries only the items
the sink reported as ``RETRY`` (with jittered exponential backoff, for as long
as it takes: nothing is dropped, and the caller waits = backpressure), and
returns the items that failed permanently together with the reason.
An exception from the sink counts as ``RETRY`` for every item.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from streams.core import metrics
from streams.core.model import ItemResult, Outcome

T = TypeVar("T")
log = logging.getLogger("logwarden.delivery")


@dataclass(frozen=True, slots=True)
class Backoff:
    """Jittered exponential backoff ("full jitter").

    >>> b = Backoff(initial=0.1, maximum=1.0, rng=random.Random(1))
    >>> all(0 <= b.delay(n) <= min(1.0, 0.1 * 2**n) for n in range(10))
    True
    """

    initial: float = 0.2
    maximum: float = 30.0
    rng: random.Random = random.Random()

    def delay(self, attempt: int) -> float:
        cap = min(self.maximum, self.initial * (2 ** min(attempt, 30)))
        return self.rng.uniform(cap / 2, cap) if attempt == 0 else self.rng.uniform(0, cap)


class Delivery(Generic[T]):
    def __init__(
        self,
        sink: Any,
        name: str,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ):
        self.sink = sink
        self.name = name
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        self.retries = 0

    async def write(self, items: Sequence[T]) -> list[tuple[T, str]]:
        pending = list(items)
        failed: list[tuple[T, str]] = []
        attempt = 0
        while pending:
            started = time.perf_counter()
            try:
                results: list[ItemResult] = await self.sink.write(pending)
                if len(results) != len(pending):
                    raise RuntimeError(f"sink returned {len(results)} results for {len(pending)} items")
            except asyncio.CancelledError:
                raise
            except Exception as err:  # the sink failed as a whole: retry everything
                log.warning("sink write failed", extra={"sink": self.name, "error": repr(err), "items": len(pending)})
                results = [ItemResult(Outcome.RETRY, repr(err))] * len(pending)
            metrics.SINK_LATENCY.labels(self.name).observe(time.perf_counter() - started)
            retry: list[T] = []
            ok = 0
            failed_before = len(failed)
            for item, res in zip(pending, results, strict=True):
                if res.outcome is Outcome.OK:
                    ok += 1
                elif res.outcome is Outcome.RETRY:
                    retry.append(item)
                else:
                    failed.append((item, res.reason or "rejected by sink"))
            metrics.SINK_ITEMS.labels(self.name, "ok").inc(ok)
            if len(failed) > failed_before:
                metrics.SINK_ITEMS.labels(self.name, "failed").inc(len(failed) - failed_before)
            if retry:
                metrics.SINK_ITEMS.labels(self.name, "retry").inc(len(retry))
                self.retries += 1
                await self._sleep(self.backoff.delay(attempt))
                attempt += 1
            pending = retry
        return failed
