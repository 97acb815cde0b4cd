"""The Decoder contract.

A decoder turns a list of raw ``Record`` objects into raw ``Entry`` objects
(one per log entry): it unwraps transport envelopes (gzip, base64,
CloudWatch Logs subscription payloads, Firehose records, CloudTrail
``Records`` files) and splits text into lines.

Guarantees: pure and synchronous (no I/O), never raises on input; bytes it
cannot decode become ``DeadLetter`` items in ``DecodeResult.errors`` with the
reason and position; data dropped on purpose (CONTROL_MESSAGE, header lines,
digest files) is counted in ``DecodeResult.dropped`` by reason. Each entry's
position is the record's position with ``sub`` set to the entry's index
within the record, so ids stay deterministic.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from streams.core.model import DecodeResult, Record


@runtime_checkable
class Decoder(Protocol):
    def decode(self, records: list[Record]) -> DecodeResult: ...


from streams.core.registry import ComponentConfig  # noqa: E402


class DecoderConfig(ComponentConfig):
    """Decoders are chosen by name (a source's ``decoder:`` key) and take no options by default."""
