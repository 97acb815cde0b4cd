"""Reload detector configuration on SIGHUP or when its file changes, keeping model state.

The detector settings are read from the main config file (its ``detectors``
list plus the file named by ``detectors_file``) or from a detectors file
alone, validated exactly as at start, and applied with
``DetectorSet.apply``. An invalid file changes nothing: the problems are
logged and counted, and the running configuration stays.

>>> import tempfile, pathlib
>>> from detectors.runner import DetectorSet
>>> path = pathlib.Path(tempfile.mkdtemp()) / "detectors.yaml"
>>> _ = path.write_text("detectors:\\n  - {type: port_scan, name: scan}\\n")
>>> ds = DetectorSet(load_detector_configs(path))
>>> reloader = DetectorReloader(path, ds)
>>> reloader.poll() is None  # nothing changed
True
>>> _ = path.write_text("detectors:\\n  - {type: port_scan, name: scan, min_ports: 9}\\n")
>>> reloader.request(); reloader.poll().outcome.value, ds.detectors["scan"].config.min_ports
('applied', 9)
"""

from __future__ import annotations

import asyncio
import enum
import logging
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import Counter

from streams.core.config import ConfigError, DetectorConfig, apply_env_overrides, load_detector_file, validate_detectors

log = logging.getLogger(__name__)
RELOADS = Counter("logwarden_detector_reloads_total", "Detector configuration reloads by outcome", ["outcome"])


class ReloadOutcome(enum.Enum):
    APPLIED = "applied"
    INVALID = "invalid"


@dataclass(slots=True)
class ReloadResult:
    outcome: ReloadOutcome
    changes: dict[str, list[str]] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)


def _files(path: Path) -> list[Path]:
    """The config file plus its ``detectors_file``, if it names one."""
    files = [path]
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return files
    if isinstance(data, dict) and isinstance(data.get("detectors_file"), str):
        extra = Path(data["detectors_file"])
        files.append(extra if extra.is_absolute() else path.parent / extra)
    return files


def load_detector_configs(path: str | Path, environ: dict[str, str] | None = None) -> list[DetectorConfig]:
    """Validate the detector settings of a config or detectors file (raises ``ConfigError``)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as err:
        raise ConfigError([("(file)", f"cannot read {path}: {err.strerror}")], str(path)) from None
    except yaml.YAMLError as err:
        raise ConfigError([("(file)", f"not valid YAML: {err}")], str(path)) from None
    if isinstance(data, list) or (isinstance(data, dict) and set(data) == {"detectors"}):
        return validate_detectors(load_detector_file(path), str(path))
    if not isinstance(data, dict):
        raise ConfigError([("(top level)", "expected a mapping or a list of detectors")], str(path))
    data = apply_env_overrides(data, environ)
    items = list(data.get("detectors") or [])
    if data.get("detectors_file"):
        items += load_detector_file(_files(path)[-1])
    return validate_detectors(items, str(path))


class DetectorReloader:
    """Watches the detector config and applies changes to a ``DetectorSet``."""

    def __init__(self, path: str | Path, detector_set: Any):
        self.path = Path(path)
        self.detector_set = detector_set
        self._stamps = self._read_stamps()
        self._requested = False

    def _read_stamps(self) -> dict[Path, tuple[int, int] | None]:
        stamps: dict[Path, tuple[int, int] | None] = {}
        for file in _files(self.path):
            try:
                st = file.stat()
                stamps[file] = (st.st_mtime_ns, st.st_size)
            except OSError:
                stamps[file] = None
        return stamps

    def request(self) -> None:
        """Ask for a reload at the next ``poll`` (safe to call from a signal handler)."""
        self._requested = True

    def changed(self) -> bool:
        return self._read_stamps() != self._stamps

    def poll(self) -> ReloadResult | None:
        """Reload if requested or if a watched file changed; ``None`` when nothing to do."""
        if not (self._requested or self.changed()):
            return None
        self._requested = False
        return self.reload()

    def reload(self) -> ReloadResult:
        self._stamps = self._read_stamps()
        try:
            configs = load_detector_configs(self.path)
        except ConfigError as err:
            RELOADS.labels(ReloadOutcome.INVALID.value).inc()
            log.error("detector config reload rejected, keeping the running configuration: %s", err)
            return ReloadResult(ReloadOutcome.INVALID, problems=err.problems)
        changes = self.detector_set.apply(configs)
        RELOADS.labels(ReloadOutcome.APPLIED.value).inc()
        log.info("detector config reloaded: %s", changes)
        return ReloadResult(ReloadOutcome.APPLIED, changes=changes)

    def install_sighup(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Reload on SIGHUP (the next ``poll`` or ``watch`` tick applies it)."""
        (loop or asyncio.get_running_loop()).add_signal_handler(signal.SIGHUP, self.request)

    async def watch(self, stop: asyncio.Event, interval_seconds: float = 2.0) -> None:
        """Poll for changes until ``stop`` is set."""
        while not stop.is_set():
            self.poll()
            try:
                await asyncio.wait_for(stop.wait(), interval_seconds)
            except TimeoutError:
                pass
