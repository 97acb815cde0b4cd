"""Detector state snapshots: written atomically on a schedule and at shutdown, read at start."""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from typing import Any

log = logging.getLogger("logwarden.state")
FORMAT_VERSION = 1


def save_state(path: str, detectors: dict[str, Any]) -> None:
    """Pickle every detector's ``snapshot()`` into one file, atomically."""
    payload = {"version": FORMAT_VERSION, "detectors": {name: d.snapshot() for name, d in detectors.items()}}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def load_state(path: str, detectors: dict[str, Any]) -> list[str]:
    """Restore the detectors found in the snapshot; return their names.

    A missing file is a first start; an unreadable one is logged and ignored
    (the detectors learn from zero rather than refuse to start).
    """
    if not os.path.exists(path):
        return []
    try:
        with open(path, "rb") as fh:
            payload = pickle.load(fh)
    except Exception as err:  # noqa: BLE001 - a corrupt snapshot must not stop the service
        log.warning("detector state unreadable; starting from zero", extra={"path": path, "error": repr(err)})
        return []
    restored = []
    for name, state in payload.get("detectors", {}).items():
        detector = detectors.get(name)
        if detector is None:
            continue
        try:
            detector.restore(state)
            restored.append(name)
        except Exception as err:  # noqa: BLE001
            log.warning("detector state not restored", extra={"detector": name, "error": repr(err)})
    return restored
