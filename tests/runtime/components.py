"""Small real components for runtime tests: a CSV-ish parser and sinks with scripted outcomes.

They implement the same protocols as production components; they exist to
drive the runtime's retry, dead-letter and backpressure paths deterministically.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from processors.decode.base import DecoderConfig
from processors.parsers.base import ParserConfig
from streams.core.config import SinkConfig
from streams.core.model import (
    DeadLetter,
    DecodeResult,
    Entry,
    Event,
    ItemResult,
    Outcome,
    ParseResult,
    Record,
    Stage,
    event_id,
)
from streams.core.registry import DECODERS, PARSERS, SINKS


class TestLinesDecoder:
    def __init__(self, config: DecoderConfig):
        pass

    def decode(self, records: list[Record]) -> DecodeResult:
        out = DecodeResult()
        for r in records:
            for i, line in enumerate(r.data.decode("utf-8", "replace").splitlines()):
                out.entries.append(Entry(line, r.position.child(i)))
        return out


class TestCsvConfig(ParserConfig):
    type: Literal["test_csv"] = "test_csv"


class TestCsvParser:
    """``<epoch>,<key>,<value>`` lines; anything else is a dead letter."""

    dataset = "test_csv"

    def __init__(self, config: TestCsvConfig):
        self.config = config

    def parse(self, entries: list[Entry]) -> ParseResult:
        out = ParseResult()
        for e in entries:
            parts = str(e.value).split(",")
            if len(parts) != 3 or not parts[0].isdigit():
                out.errors.append(DeadLetter(str(e.value), "expected epoch,key,value", Stage.PARSE, e.position, self.dataset))
                continue
            doc = {"@timestamp": int(parts[0]), "key": parts[1], "value": parts[2]}
            out.events.append(Event(doc, self.dataset, event_id(e.position), e.position))
        return out


class ScriptedSinkConfig(SinkConfig):
    type: Literal["scripted"] = "scripted"
    retry_first: int = 0  # the first N write calls answer RETRY for every item
    reject_value: str | None = None  # items with this value fail permanently
    delay: float = 0.0


class ScriptedSink:
    instances: list[ScriptedSink] = []

    def __init__(self, config: ScriptedSinkConfig):
        self.config = config
        self.name = config.name or "scripted"
        self.calls = 0
        self.accepted: list[Event] = []
        ScriptedSink.instances.append(self)

    async def start(self) -> None:
        pass

    async def write(self, events: list[Event]) -> list[ItemResult]:
        self.calls += 1
        if self.config.delay:
            await asyncio.sleep(self.config.delay)
        if self.calls <= self.config.retry_first:
            return [ItemResult(Outcome.RETRY, "503 try later")] * len(events)
        out = []
        for e in events:
            if self.config.reject_value is not None and e.doc.get("value") == self.config.reject_value:
                out.append(ItemResult(Outcome.FAILED, "mapper_parsing_exception: value"))
            else:
                self.accepted.append(e)
                out.append(ItemResult(Outcome.OK))
        return out

    async def close(self) -> None:
        pass


def register() -> None:
    DECODERS.register("test_lines", DecoderConfig)(TestLinesDecoder)
    PARSERS.register("test_csv", TestCsvConfig)(TestCsvParser)
    SINKS.register("scripted", ScriptedSinkConfig)(ScriptedSink)
