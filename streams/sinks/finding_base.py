"""Shared behaviour of finding sinks: routing, rate limit, retries, change-only notification.

A finding sink subclass implements ``send(finding) -> ItemResult``; this base
routes (``min_severity``, ``detectors``), waits on the destination's rate
limit, retries RETRY results with jittered backoff and turns unexpected
exceptions into RETRY (never raises for a finding). Findings the route does
not take are OK (nothing to deliver) and counted.

With ``notify: changes`` (the default for notifications) a finding already
sent is sent again only when its status changes or its severity rises: an
ongoing anomaly updates one finding many times, a chat channel wants one
message. The memory of sent findings is bounded (LRU) and measured.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from prometheus_client import Counter
from pydantic import Field

from streams.core.config import SinkConfig
from streams.core.metrics import CACHE_SIZE, SINK_ITEMS
from streams.core.model import Finding, ItemResult, Outcome
from streams.sinks.policy import RateLimiter, RateLimitSettings, RetrySettings, Route, retry_call

log = logging.getLogger(__name__)

FINDINGS_SKIPPED = Counter(
    "logwarden_finding_sink_skipped_total", "Findings a finding sink did not send, by reason", ["sink", "reason"]
)
SEND_RETRIES = Counter("logwarden_finding_sink_retries_total", "Retried finding deliveries", ["sink"])


NOT_ROUTED = ItemResult(Outcome.OK, "not routed to this sink")


async def write_routed(
    name: str,
    route: Route,
    findings: list[Finding],
    deliver: Callable[[list[Finding]], Awaitable[list[ItemResult]]],
    limiter: RateLimiter | None = None,
) -> list[ItemResult]:
    """Deliver the findings ``route`` takes as one batch; the others are OK and counted.

    Batch sinks (Kafka, Kinesis, OpenSearch, NDJSON) call this with their
    batch writer; ``limiter`` (if any) is acquired once per delivered batch,
    i.e. once per request to the destination.

    >>> import asyncio
    >>> from streams.core.model import Severity
    >>> def finding(det, sev):
    ...     return Finding(det, det, "rate", "spike", {}, 0, 60, 9, 1, None, 0.9, sev, "s")
    >>> batch = [finding("rej", Severity.HIGH), finding("rej", Severity.LOW), finding("scan", Severity.HIGH)]
    >>> async def deliver(fs): return [ItemResult(Outcome.RETRY, f.detector) for f in fs]
    >>> route = Route(min_severity="medium", detectors=["rej"])
    >>> [(r.outcome.value, r.reason) for r in asyncio.run(write_routed("doc", route, batch, deliver))]
    [('retry', 'rej'), ('ok', 'not routed to this sink'), ('ok', 'not routed to this sink')]
    """
    routed = [i for i, f in enumerate(findings) if route.accepts(f)]
    if len(routed) < len(findings):
        FINDINGS_SKIPPED.labels(name, "route").inc(len(findings) - len(routed))
    results = [NOT_ROUTED] * len(findings)
    if not routed:
        return results
    if limiter is not None:
        await limiter.acquire()
    sent = await deliver([findings[i] for i in routed])
    for i, result in zip(routed, sent, strict=True):
        results[i] = result
    return results


class RateLimitedRoute(Route):
    """Routing keys plus the destination's rate limit (a finding sink that talks to a network service)."""

    rate_limit: RateLimitSettings = RateLimitSettings()


class FindingSinkConfig(SinkConfig, RateLimitedRoute):
    retry: RetrySettings = RetrySettings()
    notify: Literal["changes", "every"] = Field("changes", description="send updates of a finding only on change")
    notify_memory: int = Field(10_000, ge=1, description="findings remembered for change detection")


class RoutedFindingSink:
    """Base class: subclasses set ``name`` and implement ``send``."""

    name = "finding-sink"

    def __init__(self, config: FindingSinkConfig, sleep: Any = None):
        import asyncio

        self.config = config
        self.route = Route(min_severity=config.min_severity, detectors=config.detectors)
        self.policy = config.retry.policy()
        self.limiter = config.rate_limit.limiter()
        self._sleep = sleep or asyncio.sleep
        self._sent: OrderedDict[str, tuple[str, int]] = OrderedDict()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def send(self, finding: Finding) -> ItemResult:
        raise NotImplementedError

    def _is_news(self, finding: Finding) -> bool:
        if self.config.notify == "every":
            return True
        seen = self._sent.get(finding.id)
        if seen is None:
            return True
        status, rank = seen
        return finding.status != status or finding.severity.rank > rank

    def _remember(self, finding: Finding) -> None:
        self._sent[finding.id] = (finding.status, max(finding.severity.rank, self._sent.get(finding.id, ("", -1))[1]))
        self._sent.move_to_end(finding.id)
        while len(self._sent) > self.config.notify_memory:
            self._sent.popitem(last=False)
        CACHE_SIZE.labels(f"finding_sink_{self.name}").set(len(self._sent))

    async def _send_safely(self, finding: Finding) -> ItemResult:
        try:
            return await self.send(finding)
        except Exception as err:  # noqa: BLE001 - a delivery problem is an outcome, not a crash
            log.warning("finding sink %s: send failed: %s", self.name, err)
            return ItemResult(Outcome.RETRY, f"{type(err).__name__}: {err}")

    async def write(self, findings: list[Finding]) -> list[ItemResult]:
        return await write_routed(self.name, self.route, findings, self._deliver_each)

    async def _deliver_each(self, findings: list[Finding]) -> list[ItemResult]:
        results = []
        for finding in findings:
            if not self._is_news(finding):
                FINDINGS_SKIPPED.labels(self.name, "unchanged").inc()
                results.append(ItemResult(Outcome.OK, "unchanged since last sent"))
                continue
            await self.limiter.acquire()
            result = await retry_call(
                self.policy,
                lambda f=finding: self._send_safely(f),
                self._sleep,
                on_retry=lambda _r: SEND_RETRIES.labels(self.name).inc(),
            )
            if result.outcome is Outcome.OK:
                self._remember(finding)
            SINK_ITEMS.labels(self.name, result.outcome.value).inc()
            results.append(result)
        return results
