"""``logwarden score-series``: score a CSV series with a detector's model.

Reads ``timestamp,value`` rows, writes ``timestamp,value,anomaly_score`` to
stdout, prequentially (score, then learn; no look-ahead), with exactly the
model code and settings the service runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from detectors.models import ParamError, make_model, preset
from detectors.models.presets import PRESETS
from detectors.models.series_io import BadRow, read_series


def _parse_sets(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected key=value, got {item!r}", param_hint="--set")
        text = value.strip()
        out[key.strip()] = None if text.lower() in ("none", "null") else text
    return out


def model_overrides(model: Any) -> dict[str, Any]:
    """Model parameters a detector config sets explicitly.

    Accepts the windowed detectors' ``model: {kind, params: {...}}`` section
    (a pydantic model; detector-only keys such as ``warmup_windows`` are not
    model parameters) or a plain mapping of parameters.

    >>> model_overrides({"kind": "robust", "params": {"warmup": 5}})
    {'kind': 'robust', 'warmup': 5}
    >>> model_overrides({"direction": "up"})
    {'direction': 'up'}
    """
    if model is None:
        return {}
    if hasattr(model, "model_dump"):
        explicit = model.model_fields_set
        model = model.model_dump(mode="json")
        model = {k: v for k, v in model.items() if k in explicit or k == "params"}
    model = dict(model)
    if "params" not in model:
        return model
    out = {"kind": model["kind"]} if "kind" in model else {}
    return {**out, **(model.get("params") or {})}


def _config_settings(name: str, config: Path) -> dict[str, Any]:
    """Preset of the named detector's type merged with its ``model`` section."""
    from streams.core.config import ConfigError, load

    try:
        cfg = load(config)
    except ConfigError as err:
        raise typer.BadParameter(str(err), param_hint="-c") from None
    for det in cfg.detectors:
        if det.name == name:
            base = preset(det.type) if det.type in PRESETS else {}
            return {**base, **model_overrides(getattr(det, "model", None))}
    names = ", ".join(d.name for d in cfg.detectors) or "none"
    raise typer.BadParameter(f"no detector named {name!r} in {config} (detectors: {names})", param_hint="--detector")


def resolve_settings(detector: str, config: Path | None, sets: list[str]) -> dict[str, Any]:
    """The model parameters for ``--detector`` (+ ``-c``) with ``--set`` overrides."""
    if config is not None:
        settings = _config_settings(detector, config)
    elif detector in PRESETS:
        settings = preset(detector)
    else:
        known = ", ".join(sorted(PRESETS))
        raise typer.BadParameter(
            f"unknown detector type {detector!r} (known: {known}; or give -c CONFIG for a detector name)",
            param_hint="--detector",
        )
    return {**settings, **_parse_sets(sets)}


def score_series(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV of timestamp,value rows")],
    detector: Annotated[str, typer.Option("--detector", "-d", help="detector type (log_rate, ...) or a name from -c")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="config whose detector settings to use")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="override a model parameter: key=value")] = None,
) -> None:
    """Score a timestamp,value CSV with a detector's model; print timestamp,value,anomaly_score."""
    settings = resolve_settings(detector, config, sets or [])
    try:
        model = make_model(**settings)
    except ParamError as err:
        raise typer.BadParameter(str(err), param_hint="model settings (--set or the config)") from None
    out = sys.stdout
    out.write("timestamp,value,anomaly_score\n")
    bad = 0
    with file.open(newline="", encoding="utf-8", errors="replace") as handle:
        for item in read_series(handle):
            if isinstance(item, BadRow):
                bad += 1
                typer.echo(f"{file}:{item.line}: skipped: {item.reason}", err=True)
                continue
            score = model.score_one(item.t, item.x).score
            model.learn_one(item.t, item.x)
            out.write(f"{item.raw_time},{item.raw_value},{score:.6f}\n")
    if bad:
        typer.echo(f"{bad} bad row(s) skipped", err=True)


def register(app: typer.Typer) -> None:
    app.command("score-series")(score_series)
