"""Kinesis Producer Library (KPL) aggregated records: de-aggregation and aggregation.

An aggregated Kinesis record is ``MAGIC + protobuf(AggregatedRecord) + md5(protobuf)``
with ``MAGIC = f3 89 9a c2`` and the protobuf schema (proto2)::

    message AggregatedRecord {
      repeated string partition_key_table     = 1;
      repeated string explicit_hash_key_table = 2;
      repeated Record records                 = 3;
    }
    message Record {
      required uint64 partition_key_index     = 1;
      optional uint64 explicit_hash_key_index = 2;
      required bytes  data                    = 3;
      repeated Tag    tags                    = 4;   // ignored here
    }

The protobuf wire format is decoded by hand (varints and length-delimited
fields only), so no protobuf code generation is needed.

As the KCL does, data without the magic prefix or whose MD5 does not match is
a plain (non-aggregated) record; data with a valid checksum whose protobuf is
malformed raises ``KplError``, which the source turns into a dead letter.

>>> blob = aggregate([("k1", b"one"), ("k2", b"two")])
>>> blob[:4] == MAGIC
True
>>> [(r.partition_key, r.data) for r in deaggregate(blob)]
[('k1', b'one'), ('k2', b'two')]
>>> deaggregate(b"plain bytes") is None
True
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAGIC = b"\xf3\x89\x9a\xc2"
_DIGEST = 16
_VARINT, _LEN = 0, 2


class KplError(ValueError):
    """A record with a valid KPL checksum whose content cannot be decoded."""


@dataclass(slots=True, frozen=True)
class UserRecord:
    """One user record inside an aggregated Kinesis record."""

    partition_key: str
    data: bytes
    explicit_hash_key: str | None = None


def encode_varint(value: int) -> bytes:
    """Protobuf base-128 varint.

    >>> encode_varint(300).hex()
    'ac02'
    """
    if value < 0:
        raise ValueError("varints here are unsigned")
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def decode_varint(buf: bytes | memoryview, pos: int) -> tuple[int, int]:
    """Decode a varint at ``pos``; return ``(value, next_pos)``.

    >>> decode_varint(bytes.fromhex("ac02"), 0)
    (300, 2)
    """
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise KplError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise KplError("varint longer than 64 bits")


def _fields(buf: bytes | memoryview) -> list[tuple[int, int | bytes]]:
    """Split one protobuf message into ``(field_number, value)`` pairs."""
    fields: list[tuple[int, int | bytes]] = []
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = decode_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, pos = decode_varint(buf, pos)
            fields.append((number, value))
        elif wire == _LEN:
            size, pos = decode_varint(buf, pos)
            if pos + size > end:
                raise KplError(f"field {number} runs past the end of the message")
            fields.append((number, bytes(buf[pos : pos + size])))
            pos += size
        elif wire == 1:  # fixed64: not in the schema, skip
            pos += 8
        elif wire == 5:  # fixed32
            pos += 4
        else:
            raise KplError(f"unsupported wire type {wire} for field {number}")
    if pos != end:
        raise KplError("message ends inside a field")
    return fields


def _text(value: int | bytes, what: str) -> str:
    if not isinstance(value, bytes):
        raise KplError(f"{what} must be length-delimited")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as err:
        raise KplError(f"{what} is not UTF-8") from err


def _user_record(raw: bytes, keys: list[str], hash_keys: list[str]) -> UserRecord:
    pk_index: int | None = None
    ehk_index: int | None = None
    data: bytes | None = None
    for number, value in _fields(raw):
        if number == 1 and isinstance(value, int):
            pk_index = value
        elif number == 2 and isinstance(value, int):
            ehk_index = value
        elif number == 3 and isinstance(value, bytes):
            data = value
    if pk_index is None or data is None:
        raise KplError("user record without partition_key_index or data")
    if pk_index >= len(keys):
        raise KplError(f"partition_key_index {pk_index} outside a table of {len(keys)}")
    if ehk_index is not None and ehk_index >= len(hash_keys):
        raise KplError(f"explicit_hash_key_index {ehk_index} outside a table of {len(hash_keys)}")
    return UserRecord(keys[pk_index], data, hash_keys[ehk_index] if ehk_index is not None else None)


def is_aggregated(data: bytes) -> bool:
    """True when ``data`` has the KPL magic prefix and a matching MD5."""
    if len(data) < len(MAGIC) + _DIGEST or not data.startswith(MAGIC):
        return False
    body = memoryview(data)[len(MAGIC) : -_DIGEST]
    return hashlib.md5(body).digest() == data[-_DIGEST:]


def deaggregate(data: bytes) -> list[UserRecord] | None:
    """User records of an aggregated record, or ``None`` for a plain record.

    Raises ``KplError`` when the checksum matches but the content is malformed.
    """
    if not is_aggregated(data):
        return None
    fields = _fields(memoryview(data)[len(MAGIC) : -_DIGEST])
    keys = [_text(v, "partition key") for n, v in fields if n == 1]
    hash_keys = [_text(v, "explicit hash key") for n, v in fields if n == 2]
    records = []
    for number, value in fields:
        if number == 3:
            if not isinstance(value, bytes):
                raise KplError("records entry must be length-delimited")
            records.append(_user_record(value, keys, hash_keys))
    return records


def _len_field(number: int, payload: bytes) -> bytes:
    return encode_varint(number << 3 | _LEN) + encode_varint(len(payload)) + payload


def aggregate(records: list[tuple[str, bytes]] | list[UserRecord]) -> bytes:
    """Pack user records into one KPL aggregated record (tables deduplicated).

    >>> len(deaggregate(aggregate([UserRecord("k", b"x", "42")] * 3)))
    3
    """
    keys: dict[str, int] = {}
    hash_keys: dict[str, int] = {}
    body = bytearray()
    for item in records:
        rec = item if isinstance(item, UserRecord) else UserRecord(item[0], item[1])
        inner = encode_varint(1 << 3 | _VARINT) + encode_varint(keys.setdefault(rec.partition_key, len(keys)))
        if rec.explicit_hash_key is not None:
            index = hash_keys.setdefault(rec.explicit_hash_key, len(hash_keys))
            inner += encode_varint(2 << 3 | _VARINT) + encode_varint(index)
        inner += _len_field(3, rec.data)
        body += _len_field(3, inner)
    head = b"".join(_len_field(1, k.encode()) for k in keys) + b"".join(_len_field(2, k.encode()) for k in hash_keys)
    message = head + bytes(body)
    return MAGIC + message + hashlib.md5(message).digest()
