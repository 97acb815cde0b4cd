from __future__ import annotations

import gzip

from processors.decode.lines import FieldsMemory, LinesDecoder
from streams.core.model import Stage
from tests.decode.helpers import DATA, rec


def test_splits_strips_cr_and_skips_blank_lines():
    result = LinesDecoder().decode([rec(b"first\r\n\n  \nsecond\nthird\r\n", 7)])
    assert [e.value for e in result.entries] == ["first", "second", "third"]
    assert [e.position.sub for e in result.entries] == [0, 1, 2]
    assert all(e.position.offset == "7" for e in result.entries)
    assert result.errors == [] and result.dropped == {}


def test_gzip_is_detected_by_magic_bytes_including_concatenated_members():
    data = gzip.compress(b"a 1\nb 2\n") + gzip.compress(b"c 3\n")
    result = LinesDecoder().decode([rec(data)])
    assert [e.value for e in result.entries] == ["a 1", "b 2", "c 3"]


def test_w3c_headers_dropped_and_fields_kept_across_records_of_one_stream():
    lines = (DATA / "cloudfront-standard.log").read_bytes().splitlines()
    decoder = LinesDecoder()
    # a file source hands out one line per record: the header must carry over
    results = [decoder.decode([rec(line, i, stream="cf.log")]) for i, line in enumerate(lines)]
    entries = [e for r in results for e in r.entries]
    assert sum(r.dropped.get("header", 0) for r in results) == 2
    assert len(entries) == 2
    fields = entries[0].context["fields"]
    assert fields[:3] == ["date", "time", "x-edge-location"] and len(fields) == 19
    assert len(entries[1].value.split("\t")) == len(fields)
    # another stream has not seen a header
    other = decoder.decode([rec(lines[2], 0, stream="other.log")])
    assert other.entries[0].context is None


def test_fields_memory_is_bounded():
    memory = FieldsMemory(size=2)
    for i in range(5):
        memory.set(("s", str(i), "0"), ["a"])
    assert memory.get(("s", "0", "0")) is None and memory.get(("s", "4", "0")) == {"fields": ["a"]}


def test_bad_gzip_becomes_a_dead_letter_and_the_batch_goes_on():
    broken = gzip.compress(bytes(range(256)) * 40)[:200]
    result = LinesDecoder().decode([rec(broken, 1), rec(b"fine line", 2)])
    assert [e.value for e in result.entries] == ["fine line"]
    (dead,) = result.errors
    assert dead.reason == "truncated_gzip" and dead.stage is Stage.DECODE
    assert dead.position.offset == "1" and dead.raw.startswith("\x1f\\x8b")


def test_invalid_utf8_is_kept_escaped_not_lost():
    result = LinesDecoder().decode([rec(b"user \xff\xfe logged in")])
    assert result.entries[0].value == "user \\xff\\xfe logged in"


def test_dataset_hint_from_record_attributes():
    key = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/f.log.gz"
    result = LinesDecoder().decode([rec(b"x", key=key), rec(b"y", dataset="elb"), rec(b"z")])
    assert [e.dataset for e in result.entries] == ["vpcflow", "elb", None]
