"""All configured detectors as one unit the runtime drives.

``DetectorSet`` builds detectors from validated configs, fans each batch out
to them, applies a new configuration while keeping every surviving
detector's state (``apply``), and snapshots / restores them together. With
``dry_run`` the findings are printed (one JSON line each) and not returned,
so nothing reaches the finding sinks.

>>> from streams.core.config import validate_detectors
>>> ds = DetectorSet(validate_detectors([{"type": "port_scan", "name": "scan"}]))
>>> sorted(ds.detectors), ds.observe([])
(['scan'], [])
>>> ds.apply(validate_detectors([{"type": "port_scan", "name": "scan", "min_ports": 10}]))
{'reconfigured': ['scan'], 'added': [], 'removed': [], 'rebuilt': []}
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import orjson

from detectors.findings import to_ecs, to_ocsf
from streams.core.config import DetectorConfig
from streams.core.model import Event, Finding
from streams.core.registry import DETECTORS

log = logging.getLogger(__name__)


class DetectorSet:
    def __init__(
        self,
        configs: list[DetectorConfig],
        clock: Callable[[], float] = time.time,
        dry_run: bool = False,
        out: TextIO | None = None,
        render: str = "ecs",
    ):
        self.clock = clock
        self.dry_run = dry_run
        self.out = out
        self.render = to_ocsf if render == "ocsf" else to_ecs
        self.detectors: dict[str, Any] = {}
        self.configs: dict[str, DetectorConfig] = {}
        for config in configs:
            if config.enabled:
                self._build(config)

    def _build(self, config: DetectorConfig) -> None:
        self.detectors[config.name] = DETECTORS.get(config.type).factory(config, clock=self.clock)
        self.configs[config.name] = config

    def observe(self, events: list[Event]) -> list[Finding]:
        return self.emit([f for d in self.detectors.values() for f in d.observe(events)])

    def advance(self, now: float | None = None) -> list[Finding]:
        now = self.clock() if now is None else now
        return self.emit([f for d in self.detectors.values() for f in d.advance(now)])

    def flush(self) -> list[Finding]:
        return self.emit([f for d in self.detectors.values() for f in d.flush()])

    def emit(self, findings: list[Finding]) -> list[Finding]:
        """Findings to send on (all of them), or none after printing them in dry-run mode."""
        if not self.dry_run:
            return findings
        stream = self.out or sys.stdout
        for found in findings:
            stream.write(orjson.dumps(self.render(found), default=str).decode() + "\n")
        stream.flush()
        return []

    def apply(self, configs: list[DetectorConfig]) -> dict[str, list[str]]:
        """Switch to a new detector configuration, keeping the state of detectors that stay.

        A detector with the same name and type is reconfigured in place; one
        whose type or window length changed is rebuilt (its state starts
        over); new names are built; missing or disabled names are dropped.
        """
        report: dict[str, list[str]] = {"reconfigured": [], "added": [], "removed": [], "rebuilt": []}
        wanted = {c.name: c for c in configs if c.enabled}
        for name in list(self.detectors):
            if name not in wanted:
                del self.detectors[name], self.configs[name]
                report["removed"].append(name)
        for name, config in wanted.items():
            current = self.detectors.get(name)
            if current is None:
                self._build(config)
                report["added"].append(name)
                continue
            if self.configs[name].type == config.type and _window(self.configs[name]) == _window(config):
                current.reconfigure(config)
                self.configs[name] = config
                report["reconfigured"].append(name)
                continue
            self._build(config)
            report["rebuilt"].append(name)
        return report

    def snapshot(self) -> dict[str, tuple[str, Any]]:
        return {name: (self.configs[name].type, det.snapshot()) for name, det in self.detectors.items()}

    def restore(self, snapshots: dict[str, tuple[str, Any]]) -> list[str]:
        """Restore detectors whose name and type match a snapshot; returns their names."""
        restored = []
        for name, (kind, state) in snapshots.items():
            det = self.detectors.get(name)
            if det is not None and self.configs[name].type == kind:
                det.restore(state)
                restored.append(name)
        return restored


def _window(config: DetectorConfig) -> Any:
    """A detector's window length, if it has one (a change means fresh state)."""
    return getattr(getattr(config, "window", None), "seconds", None)
