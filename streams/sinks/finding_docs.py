"""How findings look on the wire: an ECS alert document and a generic JSON body.

``finding_to_ecs`` is the one swap point: it uses ``detectors.findings.to_ecs``
when the detectors package provides it, else the rendering below.

>>> from streams.core.model import Finding, Severity
>>> f = Finding("f1", "vpc-rejects", "rate", "reject_spike", {"eni": "eni-1"}, 60.0, 120.0, 50.0, 5.0,
...             (0.0, 10.0), 0.97, Severity.CRITICAL, "REJECT spike on eni-1", first_seen=60.0, last_seen=120.0)
>>> doc = ecs_document(f)
>>> doc["event"]["kind"], doc["@timestamp"], doc["logwarden"]["finding"]["band"]
('alert', '1970-01-01T00:02:00Z', {'lower': 0.0, 'upper': 10.0})
>>> generic_json(f)["severity"], generic_json(f)["window_start"]
('critical', '1970-01-01T00:01:00Z')
"""

from __future__ import annotations

import time
from typing import Any

from streams.core.model import Finding

_ECS_SEVERITY = {"low": 21, "medium": 47, "high": 73, "critical": 99}


def iso(seconds: float) -> str:
    """Epoch seconds -> ISO-8601 UTC with millisecond precision when needed."""
    whole = int(seconds)
    millis = int(round((seconds - whole) * 1000))
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    return f"{base}.{millis:03d}Z" if millis else f"{base}Z"


def generic_json(finding: Finding) -> dict[str, Any]:
    """Every field of the finding, times as ISO strings: the generic webhook/SNS body."""
    return {
        "id": finding.id,
        "detector": finding.detector,
        "detector_type": finding.detector_type,
        "finding_type": finding.finding_type,
        "status": finding.status,
        "severity": finding.severity.value,
        "score": finding.score,
        "summary": finding.summary,
        "entity": dict(finding.entity),
        "window_start": iso(finding.window_start),
        "window_end": iso(finding.window_end),
        "observed": finding.observed,
        "expected": finding.expected,
        "band": list(finding.band) if finding.band else None,
        "explanation": finding.explanation,
        "sample_event_ids": list(finding.sample_event_ids),
        "first_seen": iso(finding.first_seen or finding.window_start),
        "last_seen": iso(finding.last_seen or finding.window_end),
        "count": finding.count,
    }


def ecs_document(finding: Finding) -> dict[str, Any]:
    """An ECS alert document (``event.kind: alert``) with the finding under ``logwarden.finding``."""
    body = generic_json(finding)
    band = {"lower": finding.band[0], "upper": finding.band[1]} if finding.band else None
    return {
        "@timestamp": body["last_seen"],
        "message": finding.summary,
        "event": {
            "kind": "alert",
            "category": ["network"] if "eni" in finding.entity or "source.ip" in finding.entity else ["host"],
            "type": ["info"],
            "dataset": "logwarden.findings",
            "module": "logwarden",
            "id": finding.id,
            "severity": _ECS_SEVERITY[finding.severity.value],
            "risk_score": round(finding.score * 100, 2),
            "start": body["first_seen"],
            "end": body["last_seen"],
        },
        "rule": {"name": finding.detector, "category": finding.finding_type, "ruleset": finding.detector_type},
        "logwarden": {
            "finding": {
                **{k: body[k] for k in ("id", "detector", "detector_type", "finding_type", "entity", "window_start",
                                        "window_end", "observed", "expected", "score", "severity", "summary",
                                        "explanation", "sample_event_ids", "first_seen", "last_seen", "count",
                                        "status")},
                "band": band,
                "entity_key": ",".join(f"{k}={v}" for k, v in sorted(finding.entity.items())),
                "severity_rank": finding.severity.rank,
            }
        },
    }


def finding_to_ecs(finding: Finding) -> dict[str, Any]:
    """The ECS alert document for a finding (the detectors package's rendering when present)."""
    try:
        from detectors.findings import to_ecs  # type: ignore[import-not-found]
    except ImportError:
        return ecs_document(finding)
    return to_ecs(finding)
