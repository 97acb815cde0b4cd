"""Webhook bodies: generic JSON, Slack incoming webhooks, PagerDuty Events API v2.

>>> from streams.core.model import Finding, Severity
>>> f = Finding("f1", "vpc-rejects", "rate", "reject_spike", {"eni": "eni-1"}, 60.0, 120.0, 50.0, 5.0,
...             (0.0, 10.0), 0.9, Severity.HIGH, "REJECT spike on eni-1")
>>> pd = pagerduty_body(f, routing_key="R")
>>> pd["event_action"], pd["dedup_key"], pd["payload"]["severity"], pd["payload"]["source"]
('trigger', 'f1', 'error', 'eni=eni-1')
>>> f.status = "resolved"
>>> pagerduty_body(f, routing_key="R")["event_action"], "payload" in pagerduty_body(f, routing_key="R")
('resolve', False)
>>> slack_body(f)["text"]
':white_check_mark: [RESOLVED] REJECT spike on eni-1'
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from streams.core.model import Finding
from streams.sinks.finding_docs import generic_json, iso


class WebhookFormat(StrEnum):
    GENERIC = "generic"
    SLACK = "slack"
    PAGERDUTY = "pagerduty"


_PD_SEVERITY = {"low": "info", "medium": "warning", "high": "error", "critical": "critical"}
_SLACK_ICON = {"low": ":information_source:", "medium": ":warning:", "high": ":rotating_light:", "critical": ":fire:"}


def _entity(finding: Finding) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(finding.entity.items())) or finding.detector


def pagerduty_body(finding: Finding, routing_key: str, client: str = "logwarden") -> dict[str, Any]:
    """A PagerDuty Events API v2 event: trigger while open, resolve once the anomaly ended."""
    if finding.status == "resolved":
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": finding.id}
    details = generic_json(finding)
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": finding.id,
        "client": client,
        "payload": {
            "summary": finding.summary[:1024],
            "source": _entity(finding),
            "severity": _PD_SEVERITY[finding.severity.value],
            "timestamp": iso(finding.last_seen or finding.window_end),
            "component": finding.detector,
            "group": finding.detector_type,
            "class": finding.finding_type,
            "custom_details": {k: details[k] for k in ("observed", "expected", "band", "score", "explanation",
                                                        "window_start", "window_end", "count", "sample_event_ids")},
        },
    }


def slack_body(finding: Finding) -> dict[str, Any]:
    """A Slack incoming-webhook message: a text fallback plus blocks with the key numbers."""
    resolved = finding.status == "resolved"
    icon = ":white_check_mark:" if resolved else _SLACK_ICON[finding.severity.value]
    label = "RESOLVED" if resolved else finding.severity.value.upper()
    text = f"{icon} [{label}] {finding.summary}"
    expected = "n/a" if finding.expected is None else f"{finding.expected:.4g}"
    fields = [
        f"*Detector*\n{finding.detector}",
        f"*Entity*\n{_entity(finding)}",
        f"*Observed*\n{finding.observed:.4g} (expected {expected})",
        f"*Score*\n{finding.score:.2f}",
        f"*Window*\n{iso(finding.window_start)} - {iso(finding.window_end)}",
        f"*Finding*\n`{finding.id}`",
    ]
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
        ],
    }


def render(fmt: WebhookFormat, finding: Finding, routing_key: str = "") -> dict[str, Any]:
    if fmt is WebhookFormat.PAGERDUTY:
        return pagerduty_body(finding, routing_key)
    if fmt is WebhookFormat.SLACK:
        return slack_body(finding)
    return generic_json(finding)
