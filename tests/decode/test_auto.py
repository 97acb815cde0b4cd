from __future__ import annotations

import gzip

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from processors.decode.auto import AutoDecoder
from processors.decode.lines import LinesDecoder
from streams.core.registry import DECODERS
from tests.decode.helpers import DATA, b64, gz, load, rec

VPC = "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.15 52.94.133.131 49152 443 6 12 5120 1704153600 1704153660 ACCEPT OK"


def decode_one(data: bytes, **attrs):
    return AutoDecoder().decode([rec(data, **attrs)])


def test_plain_line_fast_path_keeps_position_and_dataset_hint():
    record = rec(VPC, 5, dataset="vpcflow")
    (entry,) = AutoDecoder().decode([record]).entries
    assert entry.value == VPC and entry.dataset == "vpcflow"
    assert entry.position == record.position.child(0)


def test_sniffs_every_envelope_kind():
    envelope = load("cloudwatch-vpcflow.json")
    firehose = {
        "requestId": "ed4acda5-034f-9f42-bba1-f29aea6d7d8f",
        "timestamp": 1704153600000,
        "records": [{"data": b64(gz(envelope)).decode()}, {"data": b64(b"line one\nline two\n").decode()}],
    }
    cases = {
        "text": (b"one\ntwo\r\n", ["one", "two"]),
        "gzip text": (gzip.compress(b"one\ntwo\n"), ["one", "two"]),
        "cloudwatch gzip": (gz(envelope), [VPC[:20]] * 1),
        "cloudwatch base64": (b64(gz(envelope)), None),
        "firehose": (orjson.dumps(firehose), None),
        "cloudtrail": (gz((DATA / "cloudtrail-file.json").read_bytes()), None),
        "guardduty array": ((DATA / "guardduty-export.json").read_bytes(), None),
        "json object": (b'{"requestId": "r", "httpMethod": "GET"}', None),
        "bracket text": (b"[INFO] 2024-01-02 service started", None),
    }
    got = {name: decode_one(data) for name, (data, _) in cases.items()}
    assert [e.value for e in got["text"].entries] == ["one", "two"]
    assert [e.value for e in got["gzip text"].entries] == ["one", "two"]
    for name in ("cloudwatch gzip", "cloudwatch base64"):
        assert [e.dataset for e in got[name].entries] == ["vpcflow"] * 3
        assert got[name].entries[0].context["log_stream"] == "eni-0a1b2c3d4e5f60718-all"
    fh = got["firehose"].entries
    assert [e.position.sub for e in fh] == [0, 1, 2, 3, 4]
    assert [e.value for e in fh[3:]] == ["line one", "line two"] and fh[0].context["owner"] == "123456789012"
    assert [e.value["eventName"] for e in got["cloudtrail"].entries] == ["DescribeInstances", "ListBuckets"]
    assert {e.dataset for e in got["cloudtrail"].entries} == {"cloudtrail"}
    assert [e.value["type"] for e in got["guardduty array"].entries] == [
        "Recon:EC2/PortProbeUnprotectedPort",
        "UnauthorizedAccess:EC2/SSHBruteForce",
    ]
    assert got["json object"].entries[0].value == {"requestId": "r", "httpMethod": "GET"}
    assert got["bracket text"].entries[0].value == "[INFO] 2024-01-02 service started"
    assert all(not r.errors for r in got.values())


def test_digest_and_control_messages_are_dropped():
    digest = decode_one((DATA / "cloudtrail-digest.json").read_bytes())
    control = decode_one(gz(load("cloudwatch-control.json")))
    assert digest.dropped == {"digest": 1} and control.dropped == {"control_message": 1}
    assert not digest.entries and not control.entries


def test_ndjson_with_a_broken_line_keeps_the_others():
    data = b'{"a": 1}\n{"a": \nplain text line\n{"b": 2}\n'
    result = decode_one(data)
    assert [e.value for e in result.entries] == [{"a": 1}, "plain text line", {"b": 2}]
    assert [(d.reason, d.raw) for d in result.errors] == [("invalid_json", '{"a":')]


def test_malformed_inputs_are_dead_letters_never_exceptions():
    records = [
        rec(b'{"truncated": ', 1),
        rec(gzip.compress(b"x" * 5000)[:25], 2),
        rec(b'{"messageType": "DATA_MESSAGE", "logGroup": "g"}', 3),
        rec(b'{"records": [{"data": "***"}], "requestId": "r"}', 4),
        rec(VPC, 5),
    ]
    result = AutoDecoder().decode(records)
    assert [(d.position.offset, d.reason) for d in result.errors] == [
        ("1", "invalid_json"),
        ("2", "truncated_gzip"),
        ("3", "missing_log_events"),
        ("4", "bad_base64"),
    ]
    assert [e.value for e in result.entries] == [VPC]


def test_auto_matches_lines_on_text():
    records = [rec(f"line {i}\nsecond {i}" if i % 3 else f"only {i}", i) for i in range(50)]
    auto = AutoDecoder().decode(records).entries
    lines = LinesDecoder().decode(records).entries
    assert [(e.value, e.position) for e in auto] == [(e.value, e.position) for e in lines]


def test_every_decoder_is_registered_and_built_from_config():
    assert {"auto", "lines", "cloudwatch", "firehose", "cloudtrail", "json"} <= set(DECODERS.names())
    for name in ("auto", "lines", "cloudwatch", "firehose", "cloudtrail", "json"):
        reg = DECODERS.get(name)
        decoder = reg.factory(reg.config(type=name))
        assert decoder.decode([]).entries == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=200), st.sampled_from([b"\x1f\x8b\x08", b"H4sI", b"{", b"[", b'{"Records": 1}',
                                                                    b'{"records": [1]}', b'{"awslogs": {"data": 5}}'])),
                max_size=8))
def test_no_decoder_ever_raises(chunks):
    records = [rec(chunk, i) for i, chunk in enumerate(chunks)]
    for name in DECODERS.names():
        reg = DECODERS.get(name)
        result = reg.factory(reg.config(type=name)).decode(records)
        offsets = {r.position.offset for r in records}
        for item in [*result.entries, *result.errors]:
            assert item.position.offset in offsets
        for dead in result.errors:
            assert dead.reason.replace("_", "").isalpha() and isinstance(dead.raw, str)
