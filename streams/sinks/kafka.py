"""Kafka sinks: documents and findings, acknowledged only after the broker confirmed delivery.

Documents go to ``topic`` (``{dataset}`` in the name is replaced by the event's
dataset) with key = the deterministic event id and value = the ECS document as
JSON; headers carry the dataset and the source position. Findings go keyed by
the finding id, so a compacted topic keeps each anomaly episode's latest state.

Finding sinks take the routing keys of every finding sink (``min_severity``,
``detectors``; findings not routed here are OK and counted) and a
``rate_limit`` (batches per second to the topic).

Outcomes per item: OK once the broker acknowledged (``acks=all`` by default),
FAILED for what no retry fixes (message larger than ``max_request_size``,
invalid topic name, a value that cannot be serialized), RETRY otherwise.
"""

from __future__ import annotations

import orjson
from pydantic import Field, field_validator

from streams.core.config import SinkConfig
from streams.core.model import Event, Finding, ItemResult
from streams.core.registry import FINDING_SINKS, SINKS
from streams.kafka.findings import FindingFormat, available_format, render_finding
from streams.kafka.producer import KafkaWriter, Message, ProducerSettings
from streams.sinks.finding_base import RateLimitedRoute, write_routed


class KafkaSinkConfig(SinkConfig, ProducerSettings):
    topic: str = Field("logwarden-{dataset}", description="target topic; '{dataset}' is replaced per event")
    include_position: bool = Field(True, description="add the source position as a message header")

    @field_validator("topic")
    @classmethod
    def _valid_template(cls, value: str) -> str:
        try:
            rendered = value.format(dataset="x")
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(f"only '{{dataset}}' may be substituted in the topic name ({err})") from None
        if not rendered or len(rendered) > 249:
            raise ValueError("a topic name has 1 to 249 characters")
        return value


class KafkaFindingSinkConfig(SinkConfig, ProducerSettings, RateLimitedRoute):
    topic: str = Field("logwarden-findings", min_length=1, max_length=249)
    format: FindingFormat = Field("ecs", description="ecs: ECS alert document; ocsf: OCSF Detection Finding; fields: the raw Finding")


@SINKS.register("kafka", KafkaSinkConfig)
class KafkaDocumentSink:
    """Write events as JSON documents keyed by event id."""

    def __init__(self, config: KafkaSinkConfig):
        self.config = config
        self.name = config.name or f"kafka:{config.topic}"
        self._writer = KafkaWriter(config, self.name)
        self._fixed_topic = "{dataset}" not in config.topic

    async def start(self) -> None:
        await self._writer.start()

    def _message(self, event: Event) -> Message:
        topic = self.config.topic if self._fixed_topic else self.config.topic.format(dataset=event.dataset)
        headers = [("logwarden-dataset", event.dataset.encode())]
        if self.config.include_position:
            headers.append(("logwarden-position", event.position.key().encode()))
        try:
            value = orjson.dumps(event.doc, option=orjson.OPT_NON_STR_KEYS)
        except TypeError as err:
            return Message(topic, None, error=err)
        return Message(topic, value, event.id.encode(), headers)

    async def write(self, events: list[Event]) -> list[ItemResult]:
        return await self._writer.send_all([self._message(e) for e in events])

    async def close(self) -> None:
        await self._writer.close()


@FINDING_SINKS.register("kafka", KafkaFindingSinkConfig)
class KafkaFindingSink:
    """Write findings keyed by finding id, rendered as ECS, OCSF or raw fields."""

    def __init__(self, config: KafkaFindingSinkConfig):
        self.config = config
        self.name = config.name or f"kafka-findings:{config.topic}"
        self._writer = KafkaWriter(config, self.name)
        self.format: FindingFormat = available_format(config.format)
        self.limiter = config.rate_limit.limiter()

    async def start(self) -> None:
        await self._writer.start()

    def _message(self, finding: Finding) -> Message:
        headers = [("logwarden-detector", finding.detector.encode()), ("logwarden-format", self.format.encode())]
        try:
            value = orjson.dumps(render_finding(finding, self.format), option=orjson.OPT_NON_STR_KEYS)
        except (TypeError, ValueError, KeyError) as err:
            return Message(self.config.topic, None, error=TypeError(f"cannot render finding: {err}"))
        return Message(self.config.topic, value, finding.id.encode(), headers)

    async def write(self, findings: list[Finding]) -> list[ItemResult]:
        return await write_routed(self.name, self.config, findings, self._send, self.limiter)

    async def _send(self, findings: list[Finding]) -> list[ItemResult]:
        return await self._writer.send_all([self._message(f) for f in findings])

    async def close(self) -> None:
        await self._writer.close()
