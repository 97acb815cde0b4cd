"""One small delivery policy shared by the sinks: retry/backoff, rate limit, routing.

* ``RetryPolicy``: how many times a sink retries a transient failure itself,
  with full-jitter exponential backoff, before it reports ``Outcome.RETRY``
  to the runtime (which then retries forever, blocking reads: backpressure).
* ``RateLimiter``: a token bucket per destination; ``acquire`` waits.
* ``Route``: which findings a finding sink takes (``min_severity`` and a
  ``detectors`` include list).

>>> p = RetryPolicy(attempts=4, initial=0.5, maximum=3.0)
>>> [p.cap(a) for a in range(4)]
[0.5, 1.0, 2.0, 3.0]
>>> p.delay(3, rand=lambda: 0.5)
1.5
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from streams.core.model import Finding, ItemResult, Outcome, Severity


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    initial: float = 0.2
    maximum: float = 5.0
    multiplier: float = 2.0

    def cap(self, attempt: int) -> float:
        return min(self.maximum, self.initial * self.multiplier**attempt)

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Full jitter: a uniform delay in [0, cap(attempt))."""
        return rand() * self.cap(attempt)


class RetrySettings(BaseModel):
    """``retry:`` in a sink config."""

    model_config = ConfigDict(extra="forbid")

    attempts: int = Field(3, ge=1, le=100, description="tries inside the sink before reporting RETRY")
    initial_seconds: float = Field(0.2, gt=0)
    max_seconds: float = Field(5.0, gt=0)

    def policy(self) -> RetryPolicy:
        return RetryPolicy(self.attempts, self.initial_seconds, self.max_seconds)


async def retry_call(
    policy: RetryPolicy,
    call: Callable[[], Awaitable[ItemResult]],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_retry: Callable[[ItemResult], None] | None = None,
) -> ItemResult:
    """Run ``call`` until it is not RETRY or the attempts are used up.

    >>> results = iter([ItemResult(Outcome.RETRY, "429"), ItemResult(Outcome.OK)])
    >>> async def call(): return next(results)
    >>> async def no_sleep(_): pass
    >>> asyncio.run(retry_call(RetryPolicy(), call, no_sleep)).outcome
    <Outcome.OK: 'ok'>
    """
    result = ItemResult(Outcome.RETRY, "not attempted")
    for attempt in range(policy.attempts):
        result = await call()
        if result.outcome is not Outcome.RETRY:
            return result
        if on_retry is not None:
            on_retry(result)
        if attempt + 1 < policy.attempts:
            await sleep(policy.delay(attempt))
    return result


class RateLimiter:
    """Token bucket: ``rate`` per second, up to ``burst`` at once; ``acquire`` waits.

    >>> now = [0.0]
    >>> async def fake_sleep(s): now[0] += s
    >>> rl = RateLimiter(rate=2, burst=2, clock=lambda: now[0], sleep=fake_sleep)
    >>> async def take(n):
    ...     for _ in range(n): await rl.acquire()
    >>> asyncio.run(take(4)); now[0]
    1.0
    """

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
                self.waited_seconds += wait
                await self._sleep(wait)


class RateLimitSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    per_second: float = Field(5.0, gt=0, description="sustained requests per second to this destination")
    burst: int = Field(10, ge=1)

    def limiter(self) -> RateLimiter:
        return RateLimiter(self.per_second, self.burst)


class Route(BaseModel):
    """Which findings a finding sink takes.

    >>> from streams.core.model import Finding
    >>> f = Finding("i", "rej", "rate", "spike", {}, 0, 60, 9, 1, None, 0.9, Severity.HIGH, "s")
    >>> Route(min_severity="critical").accepts(f), Route(detectors=["rej"]).accepts(f), Route(detectors=["x"]).accepts(f)
    (False, True, False)
    """

    model_config = ConfigDict(extra="forbid")

    min_severity: Severity = Severity.LOW
    detectors: list[str] | None = Field(None, description="only these detector names (default: all)")

    def accepts(self, finding: Finding) -> bool:
        if finding.severity.rank < self.min_severity.rank:
            return False
        return self.detectors is None or finding.detector in self.detectors
