"""Where a document goes: logwarden dataset name -> OpenSearch index or data stream.

Two layouts, chosen by ``index_mode`` in the sink config:

* ``data_stream`` (default): ``logs-<dataset>-<namespace>``, for example
  ``logs-aws.vpcflow-default``; rollover and retention belong to ISM.
* ``dated``: ``<prefix>-<dataset>-YYYY.MM.DD`` by the document's ``@timestamp``
  (UTC), for example ``logwarden-aws.vpcflow-2026.11.22``; retention deletes
  whole days.

Dataset names follow Elastic's AWS integration data streams (``aws.elb_logs``,
``aws.cloudfront_logs`` ...); parsers' short names are aliases of them.

>>> n = IndexNaming("data_stream", namespace="prod")
>>> n.target("vpcflow", {"@timestamp": "2026-11-22T10:00:00Z"})
'logs-aws.vpcflow-prod'
>>> IndexNaming("dated").target("elb", {"@timestamp": "2026-11-22T10:00:00.123Z"})
'logwarden-aws.elb_logs-2026.11.22'
>>> IndexNaming("dated").target("deadletter", {})[:22]
'logwarden-deadletter-2'
>>> canonical_dataset("My Custom!")
'logwarden.generic'
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any, Literal

IndexMode = Literal["data_stream", "dated"]

# logwarden dataset name or alias -> data stream dataset (one index template each)
DATASET_ALIASES: dict[str, str] = {
    "vpcflow": "aws.vpcflow",
    "elb": "aws.elb_logs",
    "alb": "aws.elb_logs",
    "nlb": "aws.elb_logs",
    "elb_logs": "aws.elb_logs",
    "cloudfront": "aws.cloudfront_logs",
    "cloudfront_logs": "aws.cloudfront_logs",
    "s3access": "aws.s3access",
    "cloudtrail": "aws.cloudtrail",
    "route53": "aws.route53",
    "route53_public_logs": "aws.route53",
    "route53_resolver": "aws.route53",
    "guardduty": "aws.guardduty",
    "waf": "aws.waf",
    "lambda": "aws.lambda",
    "apigateway": "aws.apigateway",
    "apigateway_logs": "aws.apigateway",
    "json": "logwarden.json",
    "text": "logwarden.text",
    "cloudwatch": "logwarden.json",
    "cloudwatch_logs": "logwarden.json",
    "deadletter": "logwarden.deadletter",
}
_VALID = set(DATASET_ALIASES.values()) | {"logwarden.generic"}
_SANITIZE = re.compile(r"[^a-z0-9_.]+")


def canonical_dataset(dataset: str) -> str:
    """The data stream dataset for a logwarden dataset name (unknown ones are generic)."""
    name = dataset.lower()
    if name in _VALID:
        return name
    return DATASET_ALIASES.get(name, "logwarden.generic")


def short_name(canonical: str) -> str:
    """``logwarden.deadletter`` -> ``deadletter``; AWS datasets keep their ``aws.`` prefix."""
    return canonical.removeprefix("logwarden.")


def day_of(doc: dict[str, Any]) -> str:
    """``YYYY.MM.DD`` of the document's ``@timestamp`` (UTC); today for a missing or odd one."""
    ts = doc.get("@timestamp")
    if isinstance(ts, str) and len(ts) >= 10 and ts[4] == "-" and ts[7] == "-":
        return f"{ts[0:4]}.{ts[5:7]}.{ts[8:10]}"
    if isinstance(ts, int | float) and not isinstance(ts, bool):
        seconds = ts / 1000 if ts > 1e11 else ts
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y.%m.%d")
    return time.strftime("%Y.%m.%d", time.gmtime())


class IndexNaming:
    """Computes write targets and template patterns for one sink's layout."""

    def __init__(self, mode: IndexMode = "data_stream", namespace: str = "default", prefix: str = "logwarden"):
        self.mode = mode
        self.namespace = _SANITIZE.sub("_", namespace.lower())
        self.prefix = prefix

    def target(self, dataset: str, doc: dict[str, Any]) -> str:
        canonical = canonical_dataset(dataset)
        if self.mode == "data_stream":
            return f"logs-{canonical}-{self.namespace}"
        return f"{self.prefix}-{short_name(canonical)}-{day_of(doc)}"

    def patterns(self, canonical: str) -> list[str]:
        """Index patterns a template for ``canonical`` must match in this layout."""
        if self.mode == "data_stream":
            return [f"logs-{canonical}-*"]
        return [f"{self.prefix}-{short_name(canonical)}-*"]

    def ism_patterns(self, datasets: list[str]) -> list[str]:
        """Patterns of the concrete indices ISM manages (data stream backing indices or dated ones)."""
        if self.mode == "data_stream":
            return [f".ds-logs-{d}-*" for d in datasets]
        return [f"{self.prefix}-{short_name(d)}-*" for d in datasets]
