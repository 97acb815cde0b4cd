"""Default model settings of each detector type.

The detectors build their models from these presets (merged with the
``model:`` section of their config), and ``logwarden score-series --detector
TYPE`` uses the very same settings, so what a user tunes offline is what runs.

>>> preset("log_rate")["direction"]
'both'
>>> preset("nope")
Traceback (most recent call last):
...
KeyError: "no model preset for detector type 'nope' (known: error_rate, log_rate, port_scan, vpc_rejects)"
"""

from __future__ import annotations

from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    # Log events per key per window: spikes, drops and silence all matter.
    "log_rate": {"kind": "auto", "direction": "both", "seasonality": "auto", "warmup": 30},
    # REJECT counts (and REJECT share in percent) per ENI / source: only rises matter; a handful is noise.
    "vpc_rejects": {"kind": "auto", "direction": "up", "seasonality": "auto", "warmup": 30, "min_value": 5},
    # Error share per service, fed in percent (the detector scales ratios by 100): rises matter, below 2 % is noise.
    "error_rate": {"kind": "auto", "direction": "up", "seasonality": "none", "warmup": 30, "min_value": 2.0, "counts": False},
    # Distinct destination ports per source per window: rises only.
    "port_scan": {"kind": "auto", "direction": "up", "seasonality": "none", "warmup": 20, "min_value": 10, "counts": True},
}


def preset(detector_type: str) -> dict[str, Any]:
    """A copy of the preset parameters of ``detector_type``."""
    try:
        return dict(PRESETS[detector_type])
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise KeyError(f"no model preset for detector type {detector_type!r} (known: {known})") from None
