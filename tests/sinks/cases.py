"""One batch of findings with mixed severities and detectors, and the route every finding sink test uses."""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY

from streams.core.model import Finding, Severity, finding_id

# min_severity high + two detectors: of the four findings below, exactly two are routed
ROUTE: dict[str, Any] = {"min_severity": "high", "detectors": ["rejects", "port_scan"]}


def _finding(detector: str, severity: Severity, eni: str) -> Finding:
    entity = {"eni": eni}
    return Finding(
        id=finding_id(detector, entity, 60.0),
        detector=detector,
        detector_type="rate",
        finding_type=f"{detector}_anomaly",
        entity=entity,
        window_start=60.0,
        window_end=120.0,
        observed=90.0,
        expected=5.0,
        band=(0.0, 12.0),
        score=0.9,
        severity=severity,
        summary=f"{detector} on {eni}",
    )


def mixed_findings() -> list[Finding]:
    return [
        _finding("rejects", Severity.CRITICAL, "eni-1"),  # routed
        _finding("rejects", Severity.LOW, "eni-2"),  # below min_severity
        _finding("port_scan", Severity.HIGH, "eni-3"),  # routed
        _finding("log_rate", Severity.HIGH, "eni-4"),  # detector not listed
    ]


def routed_ids(findings: list[Finding]) -> set[str]:
    return {findings[0].id, findings[2].id}


def skipped(sink: str) -> float:
    """How many findings ``sink`` counted as not routed to it."""
    value = REGISTRY.get_sample_value("logwarden_finding_sink_skipped_total", {"sink": sink, "reason": "route"})
    return value or 0.0
