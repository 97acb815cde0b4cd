"""Fallback for arbitrary JSON application logs.

The object is kept under ``json`` (or merged at the root with
``target: root``); ``@timestamp`` comes from the first of ``timestamp_fields``
that holds an ISO 8601 string or epoch seconds/milliseconds, else from the
envelope; ``message`` and ``log.level`` are copied when present.

>>> from streams.core.model import Entry, Position
>>> p = JsonParser(JsonConfig(type="json"))
>>> doc = p.parse([Entry('{"ts": 1700000000, "level": "WARN", "msg": "disk"}', Position("f", "s", "0", "1"))]).events[0].doc
>>> doc["@timestamp"], doc["log"]["level"], doc["message"], doc["json"]["msg"]
('2023-11-14T22:13:20.000Z', 'warn', 'disk', 'disk')
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from processors.parsers._common import BaseParser, entry_json
from processors.parsers._time import epoch_ms_iso, iso_ms
from processors.parsers.base import ParserConfig
from streams.core.model import Entry
from streams.core.registry import PARSERS


class JsonConfig(ParserConfig):
    type: str = "json"
    dataset: str = Field("generic.json", description="event.dataset of the documents")
    target: Literal["json", "root"] = Field("json", description="where the object goes")
    timestamp_fields: list[str] = Field(["@timestamp", "timestamp", "time", "ts", "eventTime"])
    message_fields: list[str] = Field(["message", "msg"])
    level_fields: list[str] = Field(["level", "levelname", "log_level", "severity"])


def to_timestamp(value: Any) -> str | None:
    """ISO text or epoch seconds / milliseconds to ISO; None if neither."""
    if isinstance(value, str):
        return iso_ms(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e14:
        return epoch_ms_iso(int(value if value > 1e11 else value * 1000))
    return None


@PARSERS.register("json", JsonConfig)
class JsonParser(BaseParser):
    def __init__(self, config: JsonConfig):
        super().__init__(config)
        self.dataset = config.dataset

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        obj = entry_json(entry)
        config = self.config
        doc: dict[str, Any] = dict(obj) if config.target == "root" else {"json": obj}
        doc.pop("@timestamp", None)
        doc["event"] = {"kind": "event"} if not isinstance(doc.get("event"), dict) else dict(doc["event"])
        for key in config.timestamp_fields:
            stamp = to_timestamp(obj.get(key))
            if stamp:
                doc["@timestamp"] = stamp
                break
        for key in config.message_fields:
            if isinstance(obj.get(key), str):
                doc["message"] = obj[key]
                break
        for key in config.level_fields:
            if isinstance(obj.get(key), str):
                doc["log"] = {"level": obj[key].lower()}
                break
        return doc
