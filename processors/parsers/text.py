"""Fallback for arbitrary text lines: the line becomes ``message``.

A leading ISO 8601 timestamp (``2024-01-01T00:00:00Z ...``) becomes
``@timestamp`` when present, else the envelope's timestamp is used; an
optional regular expression with named groups fills more fields (dotted
group names are not allowed in Python, so ``__`` separates levels).

>>> from streams.core.model import Entry, Position
>>> p = TextParser(TextConfig(type="text", pattern=r"(?P<log__level>[A-Z]+) (?P<message>.*)"))
>>> doc = p.parse([Entry("ERROR disk full", Position("f", "s", "0", "1"), timestamp_ms=0)]).events[0].doc
>>> doc["@timestamp"], doc["log"], doc["message"]
('1970-01-01T00:00:00.000Z', {'level': 'ERROR'}, 'disk full')
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from processors.parsers._common import BaseParser, entry_text, put
from processors.parsers._time import iso_ms
from processors.parsers.base import ParserConfig
from streams.core.model import Entry
from streams.core.registry import PARSERS


class TextConfig(ParserConfig):
    type: str = "text"
    dataset: str = Field("generic.text", description="event.dataset of the documents")
    pattern: str | None = Field(None, description="regex with named groups (a__b -> a.b)")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


@PARSERS.register("text", TextConfig)
class TextParser(BaseParser):
    def __init__(self, config: TextConfig):
        super().__init__(config)
        self.dataset = config.dataset
        self.pattern = re.compile(config.pattern) if config.pattern else None

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        text = entry_text(entry)
        doc: dict[str, Any] = {"message": text, "event": {"kind": "event"}}
        head = text.split(None, 1)[0]
        if len(head) >= 20 and head[4:5] == "-" and head[10:11] == "T":
            put(doc, "@timestamp", iso_ms(head))
        if self.pattern is not None:
            match = self.pattern.search(text)
            if match:
                for name, value in match.groupdict().items():
                    if value is not None:
                        if name == "message":
                            doc["message"] = value
                        else:
                            put(doc, name.replace("__", "."), value)
        return doc
