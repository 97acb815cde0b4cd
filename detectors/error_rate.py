"""``error_rate``: the share of entries matching a condition, per key.

For example ALB or CloudFront responses with ``http.response.status_code >=
500`` per load balancer. The share is judged against the key's own baseline
once warm; ``max_ratio`` is an absolute ceiling that alarms even before
warm-up. The explanation lists the status codes, paths and clients whose
counts grew most.

>>> from streams.core.model import Event, Position
>>> det = ErrorRateDetector(ErrorRateConfig(type="error_rate", name="alb5xx",
...     model={"warmup": 5}))
>>> def req(t, status):
...     doc = {"@timestamp": t, "aws": {"elb": {"name": "app/web/1"}}, "http": {"response": {"status_code": status}}}
...     return Event(doc, "elb", str(t), Position("g", "s", "0", "0"))
>>> found = []
>>> for minute in range(20):
...     bad = 40 if minute == 15 else 1
...     found += det.observe([req(minute * 60 + i, 503 if i < bad else 200) for i in range(100)])
>>> f = found[0]; (f.finding_type, f.observed, f.explanation["http.response.status_code"][0]["value"])
('error_ratio', 0.4, 503)
"""

from __future__ import annotations

import operator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from detectors.fields import field_getter
from detectors.findings import Anomaly
from detectors.windowed import KeyState, WindowedConfig, WindowedDetector
from detectors.windows import Key, Partial
from streams.core.registry import DETECTORS

_OPS = {"eq": operator.eq, "ne": operator.ne, "ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}


class Condition(BaseModel):
    """``field op value``; numbers compare numerically (a status code may arrive as text)."""

    model_config = ConfigDict(extra="forbid")

    field: str = "http.response.status_code"
    op: Literal["eq", "ne", "ge", "gt", "le", "lt", "in", "prefix"] = "ge"
    value: Any = 500

    def compile(self) -> Any:
        get = field_getter(self.field)
        if self.op == "in":
            allowed = {str(v) for v in (self.value if isinstance(self.value, list) else [self.value])}
            return lambda doc: str(get(doc)) in allowed
        if self.op == "prefix":
            prefix = str(self.value)
            return lambda doc: str(get(doc) or "").startswith(prefix)
        compare, target = _OPS[self.op], self.value

        def match(doc: dict[str, Any]) -> bool:
            value = get(doc)
            if value is None:
                return False
            if isinstance(target, int | float) and not isinstance(value, int | float):
                try:
                    value = float(value)
                except (TypeError, ValueError):
                    return False
            try:
                return bool(compare(value, target))
            except TypeError:
                return False

        return match


class ErrorRateConfig(WindowedConfig):
    datasets: list[str] | None = Field(default_factory=lambda: ["elb", "cloudfront"])
    keys: list[str] = Field(default_factory=lambda: ["aws.elb.name"], min_length=1)
    condition: Condition = Condition()
    explain: list[str] = Field(default_factory=lambda: ["http.response.status_code", "url.path", "source.ip"])
    min_requests: int = Field(20, ge=1, description="windows with fewer entries are not judged")
    min_matches: int = Field(10, ge=1, description="a finding needs at least this many matching entries")
    min_ratio: float = Field(0.05, ge=0, le=1, description="a finding needs at least this share")
    min_ratio_increase: float = Field(0.05, ge=0, le=1, description="and this much above the expected share")
    max_ratio: float = Field(0.5, ge=0, le=1, description="alarm at this share even before warm-up")


@DETECTORS.register("error_rate", ErrorRateConfig)
class ErrorRateDetector(WindowedDetector):
    type_name = "error_rate"

    def _configure(self, config: ErrorRateConfig) -> None:
        self._use_fields(config.keys, config.explain)
        self._match = config.condition.compile()

    def _fold(self, doc: dict[str, Any], partial: Partial) -> None:
        if self._match(doc):
            partial.add_sum("matches", 1)
            self._count_explanations(doc, partial)

    def _evaluate(self, key: Key, state: KeyState, start: int, partial: Partial | None) -> Anomaly | None:
        cfg: ErrorRateConfig = self.config  # type: ignore[assignment]
        assert partial is not None
        if partial.count < cfg.min_requests:
            return None
        matches = partial.sums.get("matches", 0.0)
        ratio = matches / partial.count
        score, warm = self._score(key, state, "ratio", start, ratio, scale=100.0)
        expected = score.expected if score.expected is not None else 0.0
        baseline_alarm = warm and score.anomalous and ratio - expected >= cfg.min_ratio_increase
        if matches < cfg.min_matches or not ((baseline_alarm and ratio >= cfg.min_ratio) or ratio >= cfg.max_ratio):
            self._explain(state, partial, learn=True)
            return None
        value = max(score.score if baseline_alarm else 0.0, 0.7 + 0.3 * (ratio - cfg.max_ratio) / max(1e-9, 1 - cfg.max_ratio) if ratio >= cfg.max_ratio else 0.0)
        band = (score.lower, score.upper) if score.lower is not None and score.upper is not None else None
        summary = f"{key[0]}={key[1]}: {ratio:.1%} of {partial.count} entries match {cfg.condition.field} {cfg.condition.op} {cfg.condition.value} (expected {expected:.1%})"
        explanation = self._explain(state, partial, learn=False)
        explanation.update({"entries": partial.count, "matches": int(matches)})
        return Anomaly("error_ratio", round(ratio, 4), round(expected, 4), band, value, summary, explanation)
