"""The Parser contract.

A parser turns entries of one dataset into ECS-shaped ``Event`` documents.

Guarantees: pure and synchronous, never raises whatever the input; an entry
it cannot parse becomes a ``DeadLetter`` in ``ParseResult.errors`` with the
reason and position; entries skipped on purpose (for example VPC flow
``NODATA`` when configured to drop) are counted in ``ParseResult.dropped``.
Every document has ``@timestamp``, ``event.dataset``, ``event.kind``,
``cloud.provider``; field names follow ECS and Elastic's AWS integration
(``aws.<dataset>.*``). ``Event.id`` is ``event_id(entry.position)``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from streams.core.model import Entry, ParseResult


@runtime_checkable
class Parser(Protocol):
    dataset: str

    def parse(self, entries: list[Entry]) -> ParseResult: ...


from pydantic import Field  # noqa: E402

from streams.core.registry import ComponentConfig  # noqa: E402


class ParserConfig(ComponentConfig):
    """Fields every parser config accepts (``parsers.<dataset>`` in the YAML).

    ``type`` is the dataset name; ``keep_original`` keeps the raw entry in
    ``event.original`` (None: follow ``pipeline.keep_original``).
    """

    keep_original: bool | None = Field(None, description="keep event.original")
