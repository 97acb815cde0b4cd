"""Configuration: one YAML file, validated at load time with pydantic.

Validation happens in two steps, with no I/O: the top-level layout first, then
every component section against the config model its ``type`` registered.
Every error names the key path (``sources[0].stream_name``) and the problem.

Environment overrides for containers: ``LOGWARDEN_<PATH>`` where the path's
parts are joined by ``__`` and list items are indices, for example
``LOGWARDEN_METRICS__PORT=9200`` or ``LOGWARDEN_SINKS__0__PATH=/data/docs``.
Values are read as YAML scalars (``true``, ``12``, ``[a, b]``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from streams.core.registry import (
    DETECTORS,
    ENRICHERS,
    FINDING_SINKS,
    PARSERS,
    SINKS,
    SOURCES,
    ComponentConfig,
    Registry,
)

ENV_PREFIX = "LOGWARDEN_"


class ConfigError(Exception):
    """Raised when a config is invalid; ``problems`` lists (path, message)."""

    def __init__(self, problems: list[tuple[str, str]], origin: str = "config"):
        self.problems = problems
        self.origin = origin
        lines = "\n".join(f"  {path}: {message}" for path, message in problems)
        super().__init__(f"invalid {origin}:\n{lines}")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PipelineSettings(Section):
    batch_size: int = Field(1000, ge=1, le=100_000, description="records per source batch")
    max_in_flight_batches: int = Field(8, ge=1, le=1024, description="batches between read and ack")
    retry_initial_seconds: float = Field(0.2, gt=0)
    retry_max_seconds: float = Field(30.0, gt=0)
    drain_timeout_seconds: float = Field(30.0, ge=0)
    keep_original: bool = Field(False, description="keep event.original on documents")


class MetricsSettings(Section):
    enabled: bool = True
    host: str = "0.0.0.0"
    port: int = Field(9108, ge=0, le=65535)


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "text"] = "json"


class StateSettings(Section):
    path: str | None = Field(None, description="detector state snapshot file")
    snapshot_interval_seconds: float = Field(60.0, gt=0)


class SourceConfig(ComponentConfig):
    """Fields every source accepts."""

    name: str | None = None
    dataset: str | None = Field(None, description="force a dataset; otherwise detected")
    decoder: str = Field("auto", description="decoder type; auto picks by content")
    batch_size: int | None = Field(None, ge=1, le=100_000, description="records per batch (default: pipeline.batch_size)")


class SinkConfig(ComponentConfig):
    name: str | None = None


class DetectorConfig(ComponentConfig):
    """Fields every detector accepts."""

    name: str
    enabled: bool = True


class LogwardenConfig(Section):
    pipeline: PipelineSettings = PipelineSettings()
    metrics: MetricsSettings = MetricsSettings()
    logging: LoggingSettings = LoggingSettings()
    state: StateSettings = StateSettings()
    sources: list[dict[str, Any]] = Field(default_factory=list)
    parsers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    enrichers: list[dict[str, Any]] | None = None
    sinks: list[dict[str, Any]] = Field(default_factory=list)
    finding_sinks: list[dict[str, Any]] = Field(default_factory=list)
    dead_letter: dict[str, Any] | None = None
    detectors: list[dict[str, Any]] = Field(default_factory=list)
    detectors_file: str | None = None


class Config:
    """A validated config: settings plus built component configs."""

    def __init__(self, raw: LogwardenConfig, components: dict[str, Any], origin: str):
        self.raw = raw
        self.origin = origin
        self.pipeline = raw.pipeline
        self.metrics = raw.metrics
        self.logging = raw.logging
        self.state = raw.state
        self.sources: list[SourceConfig] = components["sources"]
        self.parsers: dict[str, ComponentConfig] = components["parsers"]
        self.enrichers: list[ComponentConfig] | None = components["enrichers"]
        self.sinks: list[ComponentConfig] = components["sinks"]
        self.finding_sinks: list[ComponentConfig] = components["finding_sinks"]
        self.dead_letter: ComponentConfig | None = components["dead_letter"]
        self.detectors: list[DetectorConfig] = components["detectors"]


def _loc(prefix: str, loc: tuple[Any, ...]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def _problems(prefix: str, err: ValidationError) -> list[tuple[str, str]]:
    out = []
    for item in err.errors():
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            msg = "unknown key"
        out.append((_loc(prefix, tuple(item["loc"])), msg))
    return out


def validate_component(
    registry: Registry[Any], data: Any, path: str, problems: list[tuple[str, str]], base_dir: Path | None = None
) -> ComponentConfig | None:
    """Validate one component section against its type's model.

    Models that read files named in their section (a ``detectors_file``) get
    ``base_dir`` in the validation context, to resolve relative paths against
    the config file's folder.
    """
    if not isinstance(data, dict):
        problems.append((path, f"must be a mapping, got {type(data).__name__}"))
        return None
    kind = data.get("type")
    if not isinstance(kind, str):
        problems.append((f"{path}.type", "required: one of " + ", ".join(registry.names())))
        return None
    if kind not in registry:
        problems.append((f"{path}.type", f"unknown {registry.kind} type {kind!r}; known: " + ", ".join(registry.names())))
        return None
    try:
        return registry.get(kind).config.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as err:
        problems.extend(_problems(path, err))
        return None


def _component_list(
    registry: Registry[Any], items: list[dict[str, Any]], key: str, problems: list[tuple[str, str]],
    base_dir: Path | None = None,
) -> list[Any]:
    built = []
    for i, item in enumerate(items):
        cfg = validate_component(registry, item, f"{key}[{i}]", problems, base_dir)
        if cfg is not None:
            built.append(cfg)
    return built


def load_detector_file(path: str | Path) -> list[dict[str, Any]]:
    data = _read_yaml(Path(path))
    if isinstance(data, dict) and "detectors" in data:
        data = data["detectors"]
    if not isinstance(data, list):
        raise ConfigError([("detectors", "the detectors file must hold a list under 'detectors'")], str(path))
    return data


def validate_detectors(items: list[dict[str, Any]], origin: str = "detectors") -> list[DetectorConfig]:
    problems: list[tuple[str, str]] = []
    built = _component_list(DETECTORS, items, "detectors", problems)
    names = [d.name for d in built]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(("detectors", f"detector name {name!r} is used more than once"))
    if problems:
        raise ConfigError(problems, origin)
    return built


def validate(data: dict[str, Any], origin: str = "config", base_dir: Path | None = None) -> Config:
    """Validate a config mapping without any I/O except reading ``detectors_file``."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([("(top level)", "the config must be a mapping")], origin)
    try:
        raw = LogwardenConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_problems("", err), origin) from None
    problems: list[tuple[str, str]] = []
    components: dict[str, Any] = {
        "sources": _component_list(SOURCES, raw.sources, "sources", problems),
        "sinks": _component_list(SINKS, raw.sinks, "sinks", problems, base_dir),
        "finding_sinks": _component_list(FINDING_SINKS, raw.finding_sinks, "finding_sinks", problems),
        "enrichers": None
        if raw.enrichers is None
        else _component_list(ENRICHERS, raw.enrichers, "enrichers", problems),
        "dead_letter": None
        if raw.dead_letter is None
        else validate_component(SINKS, raw.dead_letter, "dead_letter", problems),
        "parsers": {},
    }
    for dataset, section in raw.parsers.items():
        cfg = validate_component(PARSERS, {"type": dataset, **(section or {})}, f"parsers.{dataset}", problems)
        if cfg is not None:
            components["parsers"][dataset] = cfg
    detector_items = list(raw.detectors)
    if raw.detectors_file:
        path = Path(raw.detectors_file)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        try:
            detector_items += load_detector_file(path)
        except ConfigError as err:
            problems.extend(err.problems)
        except OSError as err:
            problems.append(("detectors_file", f"cannot read {path}: {err.strerror}"))
    try:
        components["detectors"] = validate_detectors(detector_items)
    except ConfigError as err:
        problems.extend(err.problems)
    names = [s.name for s in components["sources"] if s.name]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(("sources", f"source name {name!r} is used more than once"))
    for i, src in enumerate(components["sources"]):
        if src.dataset is not None and src.dataset not in PARSERS:
            problems.append((f"sources[{i}].dataset", f"unknown dataset {src.dataset!r}; known: " + ", ".join(PARSERS.names())))
    if problems:
        raise ConfigError(problems, origin)
    return Config(raw, components, origin)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as err:
        raise ConfigError([("(file)", f"cannot read {path}: {err.strerror}")], str(path)) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError([("(file)", f"not valid YAML: {err}")], str(path)) from None


def apply_env_overrides(data: dict[str, Any], environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Apply ``LOGWARDEN_A__B__0__C=value`` overrides to a config mapping.

    >>> apply_env_overrides({"metrics": {"port": 1}}, {"LOGWARDEN_METRICS__PORT": "9200"})
    {'metrics': {'port': 9200}}
    """
    environ = os.environ if environ is None else environ
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        if parts[0] not in LogwardenConfig.model_fields:
            continue  # LOGWARDEN_CONFIG, LOGWARDEN_TEST_* and the like are not overrides
        node: Any = data
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            key: Any = int(part) if part.isdigit() else part
            if isinstance(node, list):
                if not isinstance(key, int) or key > len(node):
                    raise ConfigError([(name, f"list index {part!r} out of range")], "environment")
                if key == len(node):
                    node.append({})
            elif not isinstance(node, dict):
                raise ConfigError([(name, "path crosses a scalar value")], "environment")
            if last:
                node[key] = yaml.safe_load(value) if value != "" else ""
            else:
                if isinstance(node, dict) and key not in node:
                    node[key] = [] if parts[i + 1].isdigit() else {}
                node = node[key]
    return data


def load(path: str | Path | None, environ: dict[str, str] | None = None) -> Config:
    """Load, override from the environment, and validate a config file.

    ``path=None`` loads the embedded default config.
    """
    if path is None:
        from streams.core.defaults import default_config

        data = default_config()
        origin, base_dir = "embedded default config", None
    else:
        p = Path(path)
        data = _read_yaml(p) or {}
        origin, base_dir = str(p), p.parent
    if not isinstance(data, dict):
        raise ConfigError([("(top level)", "the config must be a mapping")], origin)
    data = apply_env_overrides(data, environ)
    return validate(data, origin, base_dir)
