"""EC2 ``DescribeNetworkInterfaces`` through aiobotocore: batched, rate-limited, with backoff.

``EniFetcher.fetch(ids)`` asks for up to ``batch_size`` interfaces in one
call (a ``network-interface-id`` filter, so unknown ids are simply absent
instead of failing the whole call); ``EniFetcher.list_all()`` pages through
every interface of the region for the warm-up. Calls wait on a token bucket
so the enricher stays under ``calls_per_second``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from prometheus_client import Counter

API_CALLS = Counter("logwarden_eni_api_calls_total", "EC2 DescribeNetworkInterfaces calls", ["outcome"])


class TokenBucket:
    """``rate`` calls per second with bursts of ``burst``.

    >>> now = [0.0]
    >>> bucket = TokenBucket(rate=2, burst=1, clock=lambda: now[0])
    >>> bucket.take(), bucket.take()
    (0.0, 0.5)
    >>> now[0] = 1.0; bucket.take()
    0.0
    """

    def __init__(self, rate: float, burst: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._tokens = burst
        self._at = clock()

    def take(self) -> float:
        """Take one token; returns how long the caller must wait before using it."""
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    async def acquire(self) -> None:
        delay = self.take()
        if delay > 0:
            await asyncio.sleep(delay)


class EniFetcher:
    def __init__(self, region: str | None, endpoint_url: str | None, calls_per_second: float,
                 page_size: int = 1000, timeout_seconds: float = 5.0, max_attempts: int = 3):
        self.timeout_seconds = timeout_seconds
        self.max_attempts = max_attempts
        self.region = region
        self.endpoint_url = endpoint_url
        self.bucket = TokenBucket(calls_per_second, burst=1.0)
        self.page_size = page_size
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None

    async def open(self) -> None:
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session

        config = AioConfig(
            connect_timeout=self.timeout_seconds,
            read_timeout=self.timeout_seconds,
            retries={"mode": "standard", "max_attempts": self.max_attempts},
        )
        client = get_session().create_client(
            "ec2", region_name=self.region, endpoint_url=self.endpoint_url, config=config
        )
        self._client = await self._stack.enter_async_context(client)

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None

    async def _call(self, **kwargs: Any) -> dict[str, Any]:
        await self.bucket.acquire()
        try:
            response = await self._client.describe_network_interfaces(**kwargs)
        except Exception:
            API_CALLS.labels("error").inc()
            raise
        API_CALLS.labels("ok").inc()
        return response

    async def fetch(self, ids: list[str]) -> list[dict[str, Any]]:
        """The interfaces among ``ids`` that exist (one call)."""
        response = await self._call(Filters=[{"Name": "network-interface-id", "Values": ids}])
        return list(response.get("NetworkInterfaces") or [])

    async def list_all(self) -> AsyncIterator[list[dict[str, Any]]]:
        """Every interface of the region, a page at a time."""
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"MaxResults": self.page_size}
            if token:
                kwargs["NextToken"] = token
            response = await self._call(**kwargs)
            yield list(response.get("NetworkInterfaces") or [])
            token = response.get("NextToken")
            if not token:
                return
