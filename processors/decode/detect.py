"""Dataset detection: from transport hints (log group, S3 key) and from content.

Two functions, used by the decoders and by the processor chain. An explicit
``dataset:`` in a source's config always wins; the chain applies that rule,
these functions only guess.

``dataset_from_hint`` reads AWS naming conventions:

>>> dataset_from_hint(log_group="/aws/vpc/flowlogs/vpc-0abc")
'vpcflow'
>>> dataset_from_hint(log_group="/aws/lambda/checkout-api")
'lambda'
>>> dataset_from_hint(key="AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024/01/02/x.log.gz")
'elb'
>>> dataset_from_hint(key="cf/E2K2LNL5N3WR51.2024-01-02-13.a1b2c3d4.gz")
'cloudfront'
>>> dataset_from_hint(log_group="my-app") is None
True

``sniff`` looks at one entry's content:

>>> sniff("2 123456789012 eni-0a1b2c3d 10.0.0.5 52.1.2.3 443 49152 6 10 840 1700000000 1700000060 ACCEPT OK")
'vpcflow'
>>> sniff({"eventVersion": "1.08", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole"})
'cloudtrail'
>>> sniff("START RequestId: 8f5ba8a4-2f4e-4b4a-9a7e-1b1c0d9e2f3a Version: $LATEST")
'lambda'
>>> sniff({"level": "info"}), sniff("hello world")
('json', 'text')
"""

from __future__ import annotations

import re
from typing import Any

import orjson

DATASETS = (
    "vpcflow", "elb", "cloudfront", "s3access", "cloudtrail", "route53",
    "guardduty", "waf", "lambda", "apigateway", "json", "text",
)
GENERIC = frozenset({"json", "text"})

# --- hints: CloudWatch Logs group names -------------------------------------------------------

_GROUP_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), dataset)
    for pattern, dataset in (
        (r"^/aws/lambda/", "lambda"),
        (r"^/aws/apigateway/|^api-gateway-execution-logs|apigateway|api-gateway", "apigateway"),
        (r"^aws-waf-logs-", "waf"),
        (r"^/aws/route53|route53|resolver-query-log|dns-query-log", "route53"),
        (r"cloudtrail", "cloudtrail"),
        (r"guardduty", "guardduty"),
        (r"vpc.?flow|flow.?logs?(?:$|[/_-])|^/aws/vpc/", "vpcflow"),
    )
)

# --- hints: S3 object keys ----------------------------------------------------------------------

_AWSLOGS_SERVICE = re.compile(r"(?:^|/)AWSLogs/(?:o-[a-z0-9]+/)?\d{12}/([A-Za-z0-9_-]+)/")
_SERVICE_DATASET = {
    "vpcflowlogs": "vpcflow",
    "elasticloadbalancing": "elb",
    "cloudtrail": "cloudtrail",
    "cloudtrail-digest": "cloudtrail",
    "cloudtrail-insight": "cloudtrail",
    "guardduty": "guardduty",
    "waflogs": "waf",
    "vpcdnsquerylogs": "route53",
}
_CLOUDFRONT_KEY = re.compile(r"(?:^|/)E[A-Z0-9]{5,}\.\d{4}-\d{2}-\d{2}-\d{2}\.[0-9a-f]{6,}(?:\.gz)?$")
_S3ACCESS_KEY = re.compile(r"(?:^|/)\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-F]{16}$")


def dataset_from_hint(log_group: str | None = None, key: str | None = None) -> str | None:
    """Guess a dataset from a CloudWatch log group name or an S3 key / file name.

    >>> dataset_from_hint(log_group="aws-waf-logs-shop")
    'waf'
    >>> dataset_from_hint(key="logs/2019-11-22-07-34-40-8A5C4B7E0F5D6C3A")
    's3access'
    >>> dataset_from_hint(key="AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/01/d.json.gz")
    'cloudtrail'
    """
    if log_group:
        group = log_group.lower()
        for pattern, dataset in _GROUP_RULES:
            if pattern.search(group):
                return dataset
    if key:
        match = _AWSLOGS_SERVICE.search(key)
        if match:
            found = _SERVICE_DATASET.get(match.group(1).lower())
            if found:
                return found
        if _CLOUDFRONT_KEY.search(key):
            return "cloudfront"
        if _S3ACCESS_KEY.search(key):
            return "s3access"
    return None


# --- content sniffing ---------------------------------------------------------------------------

_VPC_START = re.compile(r"^[2-9] (?:\d{10,12}|vpc-\w+|-) ")
_VPC_STATUS = re.compile(r" (?:OK|NODATA|SKIPDATA)(?: |$)")
_VPC_HEADER = re.compile(r"^version account-id interface-id |^version vpc-id ")
_ALB = re.compile(r"^(?:http|https|h2|grpcs|ws|wss) \d{4}-\d\d-\d\dT\S+Z (?:app|net)/\S+ ")
_NLB = re.compile(r"^tls \d\.\d \d{4}-\d\d-\d\dT\S+ net/")
_CLASSIC_ELB = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z \S+ [0-9a-fA-F.:\[\]]+:\d+ ")
_CLOUDFRONT = re.compile(r"^\d{4}-\d\d-\d\d[\t ]\d\d:\d\d:\d\d[\t ][A-Z]{3}[\w-]*[\t ]")
_ALB_CONNECTION = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z [0-9a-fA-F.:]+ \d+ \d+ ")
_CLOUDFRONT_HEADER = re.compile(r"^#(?:Version: |Fields: date\ttime|Fields: date time x-edge-location)")
_S3ACCESS = re.compile(r"^[0-9a-f]{64} \S+ \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] ")
_ROUTE53_PUBLIC = re.compile(r"^1\.0 \d{4}-\d\d-\d\dT\S+Z Z[A-Z0-9]+ ")
_LAMBDA = re.compile(
    r"^(?:(?:START|END|REPORT) RequestId: |INIT_START |INIT_REPORT |EXTENSION\t|TELEMETRY\t)"
    r"|^\d{4}-\d\d-\d\dT\S+Z\t[0-9a-f]{8}-[0-9a-f-]{27}\t(?:INFO|ERROR|WARN|DEBUG|TRACE|FATAL)\t"
)


def _sniff_text(text: str) -> str:
    if not text:
        return "text"
    first = text[0]
    if first.isdigit():
        if _VPC_START.match(text) and _VPC_STATUS.search(text):
            return "vpcflow"
        if _CLOUDFRONT.match(text):
            return "cloudfront"
        if _ROUTE53_PUBLIC.match(text):
            return "route53"
        if _S3ACCESS.match(text):
            return "s3access"
        if _CLASSIC_ELB.match(text) or _ALB_CONNECTION.match(text):
            return "elb"
        if _LAMBDA.match(text):
            return "lambda"
        return "text"
    if first in "{[":
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            return "text"
        return _sniff_dict(value) if isinstance(value, dict) else "json"
    if first == "#":
        return "cloudfront" if _CLOUDFRONT_HEADER.match(text) else "text"
    if _S3ACCESS.match(text):
        return "s3access"
    for pattern, dataset in ((_ALB, "elb"), (_NLB, "elb"), (_LAMBDA, "lambda"), (_VPC_HEADER, "vpcflow")):
        if pattern.match(text):
            return dataset
    return "text"


def _sniff_dict(doc: dict[str, Any]) -> str:
    if "eventVersion" in doc and "eventSource" in doc:
        return "cloudtrail"
    if "schemaVersion" in doc and "type" in doc and "service" in doc:
        return "guardduty"
    findings = doc.get("findings", doc.get("Findings"))
    if isinstance(findings, list) and len(doc) == 1 and all(isinstance(f, dict) and "schemaVersion" in f for f in findings):
        return "guardduty"
    if "webaclId" in doc or ("httpRequest" in doc and "terminatingRuleId" in doc):
        return "waf"
    if "query_name" in doc and "srcaddr" in doc:
        return "route53"
    kind = doc.get("type")
    if isinstance(kind, str) and kind.startswith("platform.") and "record" in doc:
        return "lambda"
    if "requestId" in doc and ("httpMethod" in doc or "routeKey" in doc or "resourcePath" in doc):
        return "apigateway"
    message = doc.get("message")
    if isinstance(message, str) and len(doc) <= 3:
        inner = _sniff_text(message)
        if inner not in GENERIC:
            return inner
    return "json"


def sniff(value: str | dict[str, Any]) -> str:
    """Guess the dataset of one entry from its content; ``json``/``text`` when unknown.

    >>> sniff("http 2018-07-02T22:23:00.186641Z app/my-lb/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.0 0.0 0.0 200 200 34 366")
    'elb'
    >>> sniff({"schemaVersion": "2.0", "type": "Recon:EC2/PortProbeUnprotectedPort", "service": {}})
    'guardduty'
    >>> sniff({"message": "1.0 2017-12-13T08:16:02.130Z Z123412341234 example.com A NOERROR UDP FRA6 1.2.3.4 -"})
    'route53'
    """
    if isinstance(value, dict):
        return _sniff_dict(value)
    if isinstance(value, str):
        return _sniff_text(value)
    return "json"
