from __future__ import annotations

import gzip

import orjson
import pytest
from prometheus_client import REGISTRY

from processors.decode._common import DecodeFailure, gunzip
from processors.decode.cloudwatch import CloudWatchDecoder
from tests.decode.helpers import b64, gz, load, rec


@pytest.fixture
def envelope():
    return load("cloudwatch-vpcflow.json")


def test_data_message_fans_out_with_context_timestamp_and_dataset(envelope):
    result = CloudWatchDecoder().decode([rec(gz(envelope), 42)])
    assert len(result.entries) == 3 and not result.errors
    first = result.entries[0]
    assert first.value.startswith("2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.15")
    assert first.dataset == "vpcflow"  # from the log group name
    assert first.timestamp_ms == 1704153600000
    assert first.context == {
        "owner": "123456789012",
        "log_group": "/aws/vpc/flowlogs/vpc-0f1e2d3c4b5a69788",
        "log_stream": "eni-0a1b2c3d4e5f60718-all",
        "subscription_filters": ["to-kinesis"],
        "id": "37837473528401292394563783427394837485758392835839281920",
    }
    assert [(e.position.offset, e.position.sub) for e in result.entries] == [("42", 0), ("42", 1), ("42", 2)]


@pytest.mark.parametrize("wrap", ["base64", "awslogs", "plain_json"])
def test_transport_wrappings_are_unwrapped(envelope, wrap):
    payload = gz(envelope)
    data = {
        "base64": b64(payload),
        "awslogs": orjson.dumps({"awslogs": {"data": b64(payload).decode()}}),
        "plain_json": orjson.dumps(envelope),
    }[wrap]
    result = CloudWatchDecoder().decode([rec(data)])
    assert [e.context["id"][-1] for e in result.entries] == ["0", "1", "2"]


def test_control_message_is_dropped_and_counted():
    before = REGISTRY.get_sample_value("logwarden_decoder_items_total", {"decoder": "cloudwatch", "result": "dropped"}) or 0
    result = CloudWatchDecoder().decode([rec(gz(load("cloudwatch-control.json")))])
    assert result.entries == [] and result.errors == [] and result.dropped == {"control_message": 1}
    after = REGISTRY.get_sample_value("logwarden_decoder_items_total", {"decoder": "cloudwatch", "result": "dropped"})
    assert after == before + 1


def test_json_messages_are_decoded_and_double_encoding_unwrapped(envelope):
    envelope["logGroup"] = "/aws/apigateway/shop-prod"
    envelope["logEvents"] = [
        {"id": "1", "timestamp": 1, "message": '{"requestId": "r1", "httpMethod": "GET", "status": "200"}'},
        {"id": "2", "timestamp": 2, "message": orjson.dumps('{"requestId": "r2"}').decode()},
        {"id": "3", "timestamp": 3, "message": "{not json at all"},
        {"id": "4", "timestamp": 4, "message": "REPORT RequestId: abc\tDuration: 1.2 ms\t\n"},
    ]
    values = [e.value for e in CloudWatchDecoder().decode([rec(gz(envelope))]).entries]
    assert values == [
        {"requestId": "r1", "httpMethod": "GET", "status": "200"},
        {"requestId": "r2"},
        "{not json at all",
        "REPORT RequestId: abc\tDuration: 1.2 ms\t",
    ]


def test_record_dataset_attribute_wins_over_the_log_group(envelope):
    result = CloudWatchDecoder().decode([rec(gz(envelope), dataset="custom")])
    assert {e.dataset for e in result.entries} == {"custom"}


def test_malformed_payloads_become_dead_letters_and_processing_continues(envelope):
    missing = dict(envelope)
    del missing["logEvents"]
    records = [
        rec(gz(envelope)[:40], 1),  # truncated gzip
        rec(b"H4sI%%%%not-base64", 2),
        rec(gz(b'{"messageType": "DATA_MESSAGE", "logEvents": [{"id"'), 3),  # truncated JSON
        rec(gz(missing), 4),
        rec(b"just some text", 5),
        rec(gz(envelope), 6),
    ]
    result = CloudWatchDecoder().decode(records)
    assert [(d.position.offset, d.reason) for d in result.errors] == [
        ("1", "truncated_gzip"),
        ("2", "bad_base64"),
        ("3", "invalid_json"),
        ("4", "missing_log_events"),
        ("5", "not_cloudwatch_payload"),
    ]
    assert orjson.loads(result.errors[3].raw)["logGroup"] == envelope["logGroup"]
    assert len(result.entries) == 3 and {e.position.offset for e in result.entries} == {"6"}


def test_concatenated_envelopes_and_bad_log_events(envelope):
    second = dict(envelope, logEvents=[{"id": "9", "timestamp": 9, "message": "x"}, "not-an-event"])
    result = CloudWatchDecoder().decode([rec(gzip.compress(orjson.dumps(envelope) + orjson.dumps(second)))])
    assert [e.position.sub for e in result.entries] == [0, 1, 2, 3]
    assert [d.reason for d in result.errors] == ["bad_log_event"]


def test_gzip_bomb_is_refused():
    with pytest.raises(DecodeFailure) as err:
        gunzip(gzip.compress(b"\0" * 100_000), limit=10_000)
    assert err.value.reason == "decompressed_too_large"
