from __future__ import annotations

import orjson
import pytest

from processors.decode.detect import DATASETS, dataset_from_hint, sniff
from tests.elastic_compat import COMPAT_DIR as COMPAT
from tests.elastic_compat import DATA_STREAMS as COMPAT_DATASETS


@pytest.mark.parametrize(
    ("log_group", "expected"),
    [
        ("/aws/vpc/flowlogs", "vpcflow"),
        ("/aws/vpc/flowlogs/vpc-0abc", "vpcflow"),
        ("vpc-flow-logs", "vpcflow"),
        ("VPCFlowLogs-prod", "vpcflow"),
        ("/aws/lambda/checkout", "lambda"),
        ("/aws/apigateway/welcome", "apigateway"),
        ("API-Gateway-Execution-Logs_a1b2c3d4e5/prod", "apigateway"),
        ("aws-waf-logs-shop", "waf"),
        ("/aws/route53/example.com", "route53"),
        ("/aws/route53resolver/queries", "route53"),
        ("aws-cloudtrail-logs-123456789012-3f2a1b0c", "cloudtrail"),
        ("CloudTrail/DefaultLogGroup", "cloudtrail"),
        ("/aws/events/guardduty", "guardduty"),
        ("/ecs/my-service", None),
        ("", None),
    ],
)
def test_log_group_conventions(log_group, expected):
    assert dataset_from_hint(log_group=log_group) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/123456789012_vpcflowlogs_us-east-1_fl-0abc_20240102T0000Z_1a2b3c4d.log.gz", "vpcflow"),
        ("prefix/AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024/01/02/123456789012_elasticloadbalancing_us-east-1_app.shop.50dc6c495c0c9188_20240102T0000Z_10.0.0.1_2x.log.gz", "elb"),
        ("AWSLogs/123456789012/CloudTrail/us-east-1/2024/01/02/123456789012_CloudTrail_us-east-1_20240102T0000Z_AbCdEf.json.gz", "cloudtrail"),
        ("AWSLogs/o-a1b2c3d4e5/123456789012/CloudTrail/us-east-1/2024/01/02/f.json.gz", "cloudtrail"),
        ("AWSLogs/123456789012/GuardDuty/us-east-1/2024/01/02/finding.jsonl.gz", "guardduty"),
        ("AWSLogs/123456789012/WAFLogs/us-east-1/shop-acl/2024/01/02/00/00/f.log.gz", "waf"),
        ("AWSLogs/123456789012/vpcdnsquerylogs/vpc-0abc/2024/01/02/f.log.gz", "route53"),
        ("cloudfront/E2K2LNL5N3WR51.2024-01-02-13.a1b2c3d4.gz", "cloudfront"),
        ("E1ABCDEF123456.2019-12-04-21.0a1b2c3d", "cloudfront"),
        ("s3-logs/2019-11-22-07-34-40-8A5C4B7E0F5D6C3A", "s3access"),
        ("logs/123456789012/us-east-1/bucket/2024/01/02/2024-01-02-00-00-00-0123456789ABCDEF", "s3access"),
        ("exports/app.log", None),
    ],
)
def test_s3_key_conventions(key, expected):
    assert dataset_from_hint(key=key) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2 123456789012 eni-0a1b2c3d 10.0.0.5 52.1.2.3 443 49152 6 10 840 1700000000 1700000060 ACCEPT OK", "vpcflow"),
        ("2 123456789012 eni-0a1b2c3d - - - - - - - 1700000000 1700000060 - NODATA", "vpcflow"),
        ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status", "vpcflow"),
        ("h2 2024-01-02T00:00:00.000000Z app/shop/50dc6c495c0c9188 1.2.3.4:5 10.0.0.1:80 0.0 0.0 0.0 200 200 1 2 \"GET / HTTP/2.0\"", "elb"),
        ("tls 2.0 2024-01-02T00:00:00 net/my-nlb/50dc6c495c0c9188 g3d4b5e8bb8464cd 1.2.3.4:5 10.0.0.1:80", "elb"),
        ("2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29", "elb"),
        ("2024-01-02\t00:00:01\tIAD89-C1\t1045\t198.51.100.23\tGET", "cloudfront"),
        ("#Fields: date time x-edge-location sc-bytes", "cloudfront"),
        ('79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200', "s3access"),
        ("1.0 2017-12-13T08:16:02.130Z Z123412341234 example.com A NOERROR UDP FRA6 89.160.20.112 -", "route53"),
        ("START RequestId: 8f5ba8a4-2f4e-4b4a-9a7e-1b1c0d9e2f3a Version: $LATEST", "lambda"),
        ("END RequestId: 8f5ba8a4-2f4e-4b4a-9a7e-1b1c0d9e2f3a", "lambda"),
        ("REPORT RequestId: 8f5ba8a4-2f4e-4b4a-9a7e-1b1c0d9e2f3a\tDuration: 2.16 ms", "lambda"),
        ("2024-01-02T00:00:00.123Z\t8f5ba8a4-2f4e-4b4a-9a7e-1b1c0d9e2f3a\tINFO\tprocessing order", "lambda"),
        ({"eventVersion": "1.08", "eventSource": "iam.amazonaws.com"}, "cloudtrail"),
        ({"schemaVersion": "2.0", "type": "Recon:EC2/Portscan", "service": {"serviceName": "guardduty"}}, "guardduty"),
        ({"timestamp": 1, "webaclId": "arn:aws:wafv2:...", "httpRequest": {}}, "waf"),
        ({"version": "1.100000", "query_name": "example.com.", "srcaddr": "10.0.0.5"}, "route53"),
        ({"time": "2024-01-02T00:00:00Z", "type": "platform.start", "record": {"requestId": "x"}}, "lambda"),
        ({"requestId": "r", "ip": "1.2.3.4", "httpMethod": "GET", "status": "200"}, "apigateway"),
        ({"requestId": "r", "routeKey": "GET /pets", "status": "200"}, "apigateway"),
        ({"level": "info", "msg": "hi"}, "json"),
        ('{"eventVersion": "1.08", "eventSource": "s3.amazonaws.com"}', "cloudtrail"),
        ("a plain application log line", "text"),
        ("", "text"),
    ],
)
def test_sniff(value, expected):
    assert sniff(value) == expected



@pytest.mark.parametrize("folder", sorted(COMPAT_DATASETS))
def test_sniff_recognises_elastic_pipeline_samples(folder):
    directory = COMPAT / folder
    if not directory.is_dir():
        pytest.skip(f"compat fixtures not present at {directory}")
    lines = [line for path in sorted(directory.glob("test-*.log")) for line in path.read_text().splitlines() if line.strip()]
    assert lines
    got = [sniff(line) for line in lines]
    assert got == [COMPAT_DATASETS[folder]] * len(lines), [(g, line[:60]) for g, line in zip(got, lines, strict=True) if g != COMPAT_DATASETS[folder]]


def test_sniff_on_decoded_dicts_matches_text_sniff():
    for line in ('{"eventVersion": "1.08", "eventSource": "s3.amazonaws.com"}', '{"requestId": "r", "httpMethod": "GET"}'):
        assert sniff(orjson.loads(line)) == sniff(line)


def test_dataset_names_are_the_documented_ones():
    assert set(DATASETS) == {"vpcflow", "elb", "cloudfront", "s3access", "cloudtrail", "route53", "guardduty", "waf",
                             "lambda", "apigateway", "json", "text"}


@pytest.mark.parametrize("folder", sorted(COMPAT_DATASETS))
def test_auto_decodes_elastic_samples_whole_and_line_by_line(folder):
    from processors.decode.auto import AutoDecoder
    from tests.decode.helpers import rec

    directory = COMPAT / folder
    if not directory.is_dir():
        pytest.skip(f"compat fixtures not present at {directory}")
    for path in sorted(directory.glob("test-*.log")):
        data = path.read_bytes()
        lines = [line for line in data.splitlines() if line.strip()]
        whole = AutoDecoder().decode([rec(data, stream=path.name)])
        by_line = AutoDecoder().decode([rec(line, i, stream=path.name) for i, line in enumerate(lines)])
        for result in (whole, by_line):
            assert not result.errors
            assert len(result.entries) + sum(result.dropped.values()) == len(lines)
        assert [e.value for e in whole.entries] == [e.value for e in by_line.entries]
        assert [sniff(e.value) for e in by_line.entries] == [COMPAT_DATASETS[folder]] * len(by_line.entries)
