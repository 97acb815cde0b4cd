"""Render a Finding for a Kafka message: ECS alert, OCSF Detection Finding, or its raw fields.

ECS and OCSF rendering belong to the detectors package (``detectors.findings``
``to_ecs`` / ``to_ocsf``); where that module is absent the raw fields are
written and the message header ``logwarden-format`` says so.

>>> from streams.core.model import Finding, Severity
>>> f = Finding("id1", "rej", "rate", "spike", {"eni": "eni-1"}, 0.0, 60.0, 9.0, 1.0, (0.0, 2.0), 0.9,
...             Severity.HIGH, "REJECT spike")
>>> d = render_finding(f, "fields")
>>> d["severity"], d["band"], d["entity"]
('high', [0.0, 2.0], {'eni': 'eni-1'})
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
from typing import Any, Literal

from streams.core.model import Finding

FindingFormat = Literal["ecs", "ocsf", "fields"]

log = logging.getLogger(__name__)


def finding_fields(finding: Finding) -> dict[str, Any]:
    """The Finding's dataclass fields as JSON-ready values."""
    out = {f.name: getattr(finding, f.name) for f in dataclasses.fields(finding)}
    out["severity"] = finding.severity.value
    out["band"] = list(finding.band) if finding.band is not None else None
    return out


def available_format(wanted: FindingFormat) -> FindingFormat:
    """``wanted`` if it can be rendered here, else ``fields`` (with a warning)."""
    if wanted == "fields" or _renderer(wanted) is not None:
        return wanted
    log.warning("detectors.findings.to_%s is not available: writing raw finding fields", wanted)
    return "fields"


def _renderer(fmt: str) -> Any:
    try:
        module = importlib.import_module("detectors.findings")
    except ImportError:
        return None
    return getattr(module, f"to_{fmt}", None)


def render_finding(finding: Finding, fmt: FindingFormat) -> dict[str, Any]:
    if fmt == "fields":
        return finding_fields(finding)
    renderer = _renderer(fmt)
    if renderer is None:
        return finding_fields(finding)
    return renderer(finding)
