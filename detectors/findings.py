"""Findings: episodes (dedup, suppression, resolve), severity and rendering.

One anomaly *episode* per (entity, finding type) yields one finding id
(``finding_id(detector, entity, first window start)``). While the episode
lasts, further anomalous windows update that finding (``count``,
``last_seen``, the strongest score) and are *suppressed* unless the severity
escalates or ``update_every_windows`` asks for periodic updates. After
``resolve_after_windows`` quiet windows the finding is emitted once more with
``status="resolved"``; an anomaly within ``cooldown_windows`` after that
re-opens the same id instead of starting a new episode.

>>> tracker = EpisodeTracker("rej", "vpc_rejects", FindingSettings(resolve_after_windows=1), 60)
>>> spike = Anomaly("reject_spike", 90.0, 10.0, (0.0, 20.0), 0.9, "REJECT spike")
>>> first = tracker.update(("eni", "eni-1"), 0, 60, spike, ["e1"]); tracker.end_window(60)
[]
>>> again = tracker.update(("eni", "eni-1"), 60, 120, spike, ["e2"]); tracker.end_window(120)
[]
>>> (len(first), len(again), first[0].severity.value)
(1, 0, 'high')
>>> [(f.status, f.count, f.id == first[0].id) for f in tracker.end_window(180)]
[('resolved', 2, True)]
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from streams.core.model import Finding, Severity, finding_id


class FindingStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class FindingSettings(BaseModel):
    """How anomalous windows become findings (the ``findings:`` section of a detector)."""

    model_config = ConfigDict(extra="forbid")

    min_score: float = Field(0.5, ge=0, le=1, description="windows scoring below are not reported (0.5 = 5 sigma)")
    resolve_after_windows: int = Field(3, ge=1, description="quiet windows that end an episode")
    cooldown_windows: int = Field(5, ge=0, description="a new anomaly this soon after resolve re-opens the episode")
    update_every_windows: int = Field(0, ge=0, description="re-emit an open finding every N windows (0: only on escalation)")
    emit_resolved: bool = True
    max_open_episodes: int = Field(10_000, ge=1)
    explain_top: int = Field(5, ge=1, le=100, description="values listed per explanation field")
    sample_events: int = Field(5, ge=0, le=100)


@dataclass(slots=True)
class Anomaly:
    """One window judged anomalous for one key, before episode handling."""

    finding_type: str
    observed: float
    expected: float | None
    band: tuple[float, float] | None
    score: float
    summary: str
    explanation: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Episode:
    finding: Finding
    quiet: int = 0
    resolved_at: int | None = None
    last_window: int = 0


def entity_of(key: tuple[str, str]) -> dict[str, str]:
    return {key[0]: str(key[1])}


class EpisodeTracker:
    """Turns anomalous windows per key into deduplicated findings."""

    def __init__(self, detector: str, detector_type: str, settings: FindingSettings, window_seconds: int = 60):
        self.window_seconds = window_seconds
        self.detector = detector
        self.detector_type = detector_type
        self.settings = settings
        self.episodes: dict[tuple[tuple[str, str], str], Episode] = {}
        self.suppressed = 0
        self._touched: set[tuple[tuple[str, str], str]] = set()

    def update(
        self, key: tuple[str, str], start: int, end: int, anomaly: Anomaly, samples: list[str]
    ) -> list[Finding]:
        """Record an anomalous window; return the findings to emit now (0 or 1)."""
        if anomaly.score < self.settings.min_score:
            return []
        ep_key = (key, anomaly.finding_type)
        self._touched.add(ep_key)
        episode = self.episodes.get(ep_key)
        severity = Severity.from_score(anomaly.score)
        if episode is not None and episode.resolved_at is not None:
            if start - episode.resolved_at >= self.settings.cooldown_windows * self.window_seconds:
                episode = None
        if episode is None:
            self._bound()
            entity = entity_of(key)
            found = Finding(
                id=finding_id(self.detector, {**entity, "type": anomaly.finding_type}, start),
                detector=self.detector,
                detector_type=self.detector_type,
                finding_type=anomaly.finding_type,
                entity=entity,
                window_start=float(start),
                window_end=float(end),
                observed=anomaly.observed,
                expected=anomaly.expected,
                band=anomaly.band,
                score=round(anomaly.score, 4),
                severity=severity,
                summary=anomaly.summary,
                explanation=anomaly.explanation,
                sample_event_ids=samples[: self.settings.sample_events],
                first_seen=float(start),
                last_seen=float(end),
            )
            self.episodes[ep_key] = Episode(found, last_window=start)
            return self._emit(found)
        found = episode.finding
        escalated = severity.rank > found.severity.rank
        reopened = episode.resolved_at is not None
        episode.quiet, episode.resolved_at, episode.last_window = 0, None, start
        found.status = FindingStatus.OPEN.value
        found.count += 1
        found.last_seen = float(end)
        found.window_start, found.window_end = float(start), float(end)
        found.observed, found.expected, found.band = anomaly.observed, anomaly.expected, anomaly.band
        found.summary, found.explanation = anomaly.summary, anomaly.explanation
        if anomaly.score > found.score:
            found.score, found.severity = round(anomaly.score, 4), severity
        every = self.settings.update_every_windows
        if escalated or reopened or (every and found.count % every == 0):
            return self._emit(found)
        self.suppressed += 1
        return []

    def end_window(self, end: int) -> list[Finding]:
        """Call once per closed window after its updates: ages episodes, emits resolutions."""
        out: list[Finding] = []
        for ep_key, episode in list(self.episodes.items()):
            if ep_key in self._touched:
                continue
            if episode.resolved_at is not None:
                if end - episode.resolved_at > self.settings.cooldown_windows * self.window_seconds:
                    del self.episodes[ep_key]
                continue
            episode.quiet += 1
            if episode.quiet >= self.settings.resolve_after_windows:
                found = episode.finding
                found.status = FindingStatus.RESOLVED.value
                episode.resolved_at = int(found.window_end)
                if self.settings.cooldown_windows == 0:
                    del self.episodes[ep_key]
                if self.settings.emit_resolved:
                    out.extend(self._emit(found))
        self._touched.clear()
        return out

    def current(self, key: tuple[str, str], finding_type: str) -> Finding | None:
        """The open finding of ``key`` and ``finding_type``, if an episode is running."""
        episode = self.episodes.get((key, finding_type))
        if episode is None or episode.resolved_at is not None:
            return None
        return episode.finding

    def open_count(self) -> int:
        return sum(1 for e in self.episodes.values() if e.resolved_at is None)

    def _bound(self) -> None:
        while len(self.episodes) >= self.settings.max_open_episodes:
            oldest = min(self.episodes, key=lambda k: self.episodes[k].last_window)
            del self.episodes[oldest]

    def _emit(self, found: Finding) -> list[Finding]:
        return [Finding(**{name: getattr(found, name) for name in Finding.__slots__})]


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_ecs(found: Finding) -> dict[str, Any]:
    """Render a finding as an ECS alert document (``event.kind: alert``).

    >>> f = Finding("id1", "rej", "vpc_rejects", "reject_spike", {"eni": "eni-1"}, 0, 60, 90, 10, (0, 20), 0.9,
    ...             Severity.HIGH, "REJECT spike")
    >>> doc = to_ecs(f); doc["event"]["kind"], doc["event"]["severity"], doc["@timestamp"]
    ('alert', 73, '1970-01-01T00:01:00.000Z')
    """
    severity_number = {"low": 21, "medium": 47, "high": 73, "critical": 99}[found.severity.value]
    return {
        "@timestamp": _iso(found.last_seen or found.window_end),
        "_id": found.id,
        "event": {
            "kind": "alert",
            "category": ["intrusion_detection" if found.finding_type.startswith("Recon:") else "network"],
            "type": ["info"],
            "module": "logwarden",
            "dataset": f"logwarden.{found.detector_type}",
            "severity": severity_number,
            "risk_score": round(found.score * 100, 2),
            "start": _iso(found.first_seen),
            "end": _iso(found.last_seen),
            "reason": found.summary,
        },
        "rule": {"name": found.detector, "category": found.detector_type, "ruleset": found.finding_type},
        "message": found.summary,
        "logwarden": {
            "finding": {
                "id": found.id,
                "type": found.finding_type,
                "status": found.status,
                "entity": found.entity,
                "window": {"start": _iso(found.window_start), "end": _iso(found.window_end)},
                "observed": found.observed,
                "expected": found.expected,
                "band": list(found.band) if found.band else None,
                "score": found.score,
                "severity": found.severity.value,
                "count": found.count,
                "explanation": found.explanation,
                "sample_event_ids": found.sample_event_ids,
            }
        },
    }


_OCSF_SEVERITY = {"low": 2, "medium": 3, "high": 4, "critical": 5}


def to_ocsf(found: Finding) -> dict[str, Any]:
    """Render a finding as an OCSF 1.1 Detection Finding (class_uid 2004).

    >>> f = Finding("id1", "scan", "port_scan", "Recon:EC2/Portscan", {"source.ip": "10.0.0.9"}, 0, 60, 300, None,
    ...             None, 0.97, Severity.CRITICAL, "port scan")
    >>> doc = to_ocsf(f); doc["class_uid"], doc["type_uid"], doc["severity_id"], doc["finding_info"]["uid"]
    (2004, 200401, 5, 'id1')
    """
    activity_id = 1 if found.count <= 1 and found.status == "open" else (3 if found.status == "resolved" else 2)
    return {
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": activity_id,
        "type_uid": 2004 * 100 + activity_id,
        "time": int((found.last_seen or found.window_end) * 1000),
        "severity_id": _OCSF_SEVERITY[found.severity.value],
        "severity": found.severity.value.capitalize(),
        "status_id": 4 if found.status == "resolved" else 1,
        "status": "Resolved" if found.status == "resolved" else "New",
        "message": found.summary,
        "metadata": {"version": "1.1.0", "product": {"name": "logwarden", "vendor_name": "logwarden"}},
        "finding_info": {
            "uid": found.id,
            "title": found.summary,
            "types": [found.finding_type],
            "analytic": {"name": found.detector, "type_id": 2, "type": "Behavioral", "category": found.detector_type},
            "first_seen_time": int(found.first_seen * 1000),
            "last_seen_time": int(found.last_seen * 1000),
            "related_events_count": len(found.sample_event_ids),
        },
        "risk_score": int(round(found.score * 100)),
        "confidence_score": int(round(found.score * 100)),
        "evidences": [{"data": {"entity": found.entity, "observed": found.observed, "expected": found.expected,
                                "band": list(found.band) if found.band else None, "count": found.count}}],
        "unmapped": {"explanation": found.explanation, "sample_event_ids": found.sample_event_ids},
    }
