"""KPL aggregation format: round trips, plain records, corrupt input."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.sources.kpl import MAGIC, KplError, UserRecord, aggregate, deaggregate, decode_varint, encode_varint

user_records = st.lists(
    st.builds(
        UserRecord,
        st.text(min_size=1, max_size=20),
        st.binary(max_size=200),
        st.one_of(st.none(), st.integers(0, 2**128 - 1).map(str)),
    ),
    min_size=1,
    max_size=50,
)


@given(user_records)
def test_round_trip(records: list[UserRecord]) -> None:
    assert deaggregate(aggregate(records)) == records


@given(st.integers(0, 2**64 - 1))
def test_varint_round_trip(value: int) -> None:
    encoded = encode_varint(value)
    assert decode_varint(encoded, 0) == (value, len(encoded))


def test_partition_key_table_is_deduplicated() -> None:
    blob = aggregate([("same", b"a"), ("same", b"b"), ("other", b"c")])
    assert blob.count(b"same") == 1
    assert [r.partition_key for r in deaggregate(blob)] == ["same", "same", "other"]


@pytest.mark.parametrize(
    "data",
    [b"", b"plain text", MAGIC, MAGIC + b"x" * 16, MAGIC + b"\x0a\x01k" + b"\x00" * 16],
    ids=["empty", "text", "magic-only", "short", "bad-md5"],
)
def test_plain_records_are_not_aggregated(data: bytes) -> None:
    assert deaggregate(data) is None


def _with_checksum(message: bytes) -> bytes:
    return MAGIC + message + hashlib.md5(message).digest()


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b"\x1a\x05\x08\x03\x1a\x01x", "outside a table"),  # partition_key_index 3 with an empty table
        (b"\x1a\x02\x1a\x00", "without partition_key_index"),
        (b"\x0a\x09short", "runs past the end"),
        (b"\x0a\x01\xff", "not UTF-8"),
        (b"\x0b", "unsupported wire type"),
        (b"\x08" + b"\xff" * 11, "varint"),
    ],
)
def test_corrupt_aggregates_raise(message: bytes, reason: str) -> None:
    with pytest.raises(KplError, match=reason):
        deaggregate(_with_checksum(message))
