"""Rendering findings for sinks: ECS alert documents, OCSF Detection Findings, or raw fields."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any, Literal

from streams.core.model import Finding

FindingFormat = Literal["ecs", "ocsf", "raw"]


def finding_fields(finding: Finding) -> dict[str, Any]:
    out = dataclasses.asdict(finding)
    out["severity"] = finding.severity.value
    return {k: (v.value if isinstance(v, Enum) else v) for k, v in out.items()}


def render_finding(finding: Finding, fmt: FindingFormat = "ecs") -> dict[str, Any]:
    if fmt == "raw":
        return finding_fields(finding)
    from detectors import findings as rendering  # the detectors own the ECS and OCSF shapes

    return rendering.to_ecs(finding) if fmt == "ecs" else rendering.to_ocsf(finding)


def finding_line(finding: Finding) -> str:
    """One readable line for a console or a chat message."""
    entity = ", ".join(f"{k}={v}" for k, v in finding.entity.items())
    state = "" if finding.status == "open" else f" [{finding.status}]"
    summary = finding.summary if entity in finding.summary else f"{entity}: {finding.summary}"
    return f"[{finding.severity.value.upper()}] {finding.finding_type} {summary}{state}"
