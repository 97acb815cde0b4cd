"""The explicit decoders: firehose, cloudtrail, json."""

from __future__ import annotations

import gzip

import orjson

from processors.decode.cloudtrail import CloudTrailDecoder
from processors.decode.firehose import FirehoseDecoder
from processors.decode.jsondoc import JsonDecoder
from tests.decode.helpers import DATA, b64, gz, load, rec


def test_firehose_lambda_transformation_input_with_cloudwatch_data():
    envelope = load("cloudwatch-vpcflow.json")
    event = {
        "invocationId": "invoked-1",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/logs",
        "region": "us-east-1",
        "records": [
            {"recordId": "49546986683135544286507457936321625675700192471156785154", "approximateArrivalTimestamp": 1704153600000,
             "data": b64(gz(envelope)).decode()},
            {"recordId": "2", "approximateArrivalTimestamp": 1704153600001, "data": b64(gz(load("cloudwatch-control.json"))).decode()},
        ],
    }
    result = FirehoseDecoder().decode([rec(orjson.dumps(event))])
    assert len(result.entries) == 3 and result.dropped == {"control_message": 1}
    assert {e.dataset for e in result.entries} == {"vpcflow"}


def test_firehose_rejects_what_is_not_an_envelope():
    result = FirehoseDecoder().decode([rec(b'{"no": "records"}', 1), rec(b"{broken", 2), rec(b'{"records": [{"x": 1}]}', 3)])
    assert [(d.position.offset, d.reason) for d in result.errors] == [
        ("1", "not_firehose_envelope"),
        ("2", "invalid_json"),
        ("3", "missing_firehose_data"),
    ]


def test_cloudtrail_file_gzip_and_digest_by_key_or_content():
    trail = (DATA / "cloudtrail-file.json").read_bytes()
    digest = (DATA / "cloudtrail-digest.json").read_bytes()
    key = "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/02/x.json.gz"
    records = [rec(gzip.compress(trail), 1), rec(digest, 2), rec(gzip.compress(trail), 3, key=key), rec(b'{"nope": 1}', 4)]
    result = CloudTrailDecoder().decode(records)
    assert [(e.position.offset, e.position.sub, e.value["eventSource"]) for e in result.entries] == [
        ("1", 0, "ec2.amazonaws.com"),
        ("1", 1, "s3.amazonaws.com"),
    ]
    assert result.dropped == {"digest": 2}
    assert [(d.position.offset, d.reason) for d in result.errors] == [("4", "missing_records")]


def test_json_decoder_arrays_objects_and_lines():
    records = [
        rec((DATA / "guardduty-export.json").read_bytes(), 1, key="AWSLogs/123456789012/GuardDuty/us-east-1/f.json"),
        rec(gzip.compress(b'{"a": 1}\n\n{"b": 2}\n'), 2),
        rec(b'"just a string"', 3),
        rec(b"{oops}", 4),
    ]
    result = JsonDecoder().decode(records)
    assert [(e.position.offset, e.position.sub) for e in result.entries] == [("1", 0), ("1", 1), ("2", 0), ("2", 1), ("3", 0)]
    assert {e.dataset for e in result.entries[:2]} == {"guardduty"}
    assert result.entries[4].value == "just a string"
    assert [(d.position.offset, d.reason) for d in result.errors] == [("4", "invalid_json")]


def test_findings_export_fans_out_and_empty_export_is_counted():
    export = {"findings": load("guardduty-export.json")}
    result = JsonDecoder().decode([rec(orjson.dumps(export), 1), rec(b'{"findings": []}', 2)])
    assert [e.value["type"] for e in result.entries] == [
        "Recon:EC2/PortProbeUnprotectedPort",
        "UnauthorizedAccess:EC2/SSHBruteForce",
    ]
    assert result.dropped == {"empty_export": 1}
