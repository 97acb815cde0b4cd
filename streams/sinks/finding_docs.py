"""Finding bodies for notifications: the generic JSON shape (times as ISO-8601 UTC).

The ECS alert and OCSF renderings belong to the detectors package
(``detectors.findings``) and are reached through ``streams.sinks.render``.

>>> from streams.core.model import Finding, Severity
>>> f = Finding("f1", "vpc-rejects", "rate", "reject_spike", {"eni": "eni-1"}, 60.0, 120.0, 50.0, 5.0,
...             (0.0, 10.0), 0.97, Severity.CRITICAL, "REJECT spike on eni-1", first_seen=60.0, last_seen=120.5)
>>> body = generic_json(f)
>>> body["severity"], body["window_start"], body["last_seen"], body["band"]
('critical', '1970-01-01T00:01:00Z', '1970-01-01T00:02:00.500Z', [0.0, 10.0])
"""

from __future__ import annotations

import time
from typing import Any

from streams.core.model import Finding
from streams.sinks.render import finding_fields


def iso(seconds: float) -> str:
    """Epoch seconds -> ISO-8601 UTC, with milliseconds only when there are some."""
    whole = int(seconds)
    millis = int(round((seconds - whole) * 1000))
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    return f"{base}.{millis:03d}Z" if millis else f"{base}Z"


def generic_json(finding: Finding) -> dict[str, Any]:
    """Every field of the finding with readable times: the generic webhook and SNS body."""
    body = finding_fields(finding)
    body["band"] = list(finding.band) if finding.band else None
    body["first_seen"] = finding.first_seen or finding.window_start
    body["last_seen"] = finding.last_seen or finding.window_end
    for key in ("window_start", "window_end", "first_seen", "last_seen"):
        body[key] = iso(body[key])
    return body
