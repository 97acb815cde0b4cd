"""OpenSearch findings sink: ECS alert documents upserted by finding id.

An ongoing anomaly updates one document (``update`` with ``doc_as_upsert``),
so the findings index holds one document per episode with its latest state.
The index is a plain index (data streams are append-only); ``monthly: true``
suffixes it with the month of the episode's first sighting, which never moves.
Routing, retries and the rate limit work as in every finding sink.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import Field

from streams.core.model import Finding, ItemResult
from streams.core.registry import FINDING_SINKS
from streams.sinks.finding_base import FindingSinkConfig, write_routed
from streams.sinks.opensearch import OpenSearchSink, OpenSearchSinkConfig
from streams.sinks.opensearch_bulk import BulkItem, encode
from streams.sinks.opensearch_install import install
from streams.sinks.policy import Route
from streams.sinks.render import render_finding


class OpenSearchFindingsConfig(FindingSinkConfig, OpenSearchSinkConfig):
    index: str = Field("logwarden-findings", pattern=r"^logwarden-findings[a-z0-9._-]*$")
    monthly: bool = False
    notify: str = Field("every", pattern="^(every|changes)$", description="an index keeps every update")


@FINDING_SINKS.register("opensearch", OpenSearchFindingsConfig)
class OpenSearchFindingsSink(OpenSearchSink):
    def __init__(self, config: OpenSearchFindingsConfig, client: Any = None, sleep: Any = None):
        kwargs = {"sleep": sleep} if sleep is not None else {}
        super().__init__(config, client=client, **kwargs)
        self.config: OpenSearchFindingsConfig = config
        self.name = config.name or "opensearch-findings"
        self.route = Route(min_severity=config.min_severity, detectors=config.detectors)
        self.limiter = config.rate_limit.limiter()

    async def start(self) -> None:
        if self.config.install_templates:
            self.install_report = await install(
                self.client, self.naming, install_ism=False, only={"logwarden-findings"}
            )

    def index_for(self, finding: Finding) -> str:
        if not self.config.monthly:
            return self.config.index
        return f"{self.config.index}-{time.strftime('%Y.%m', time.gmtime(finding.first_seen or finding.window_start))}"

    def encode(self, slot: int, item: Finding) -> BulkItem:
        doc = render_finding(item, "ecs")
        doc.pop("_id", None)  # metadata, not source: the id travels in the bulk action
        return encode(slot, "update", self.index_for(item), item.id, {"doc": doc, "doc_as_upsert": True})

    async def write(self, findings: list[Finding]) -> list[ItemResult]:  # type: ignore[override]
        return await write_routed(self.name, self.route, findings, super().write, self.limiter)
