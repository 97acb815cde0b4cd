"""``log_rate``: spikes, drops and silence in the entry rate per key.

Each configured key field (the dataset, a log group, a load balancer, an ENI,
...) is a separate keying; every key's entries-per-window series goes through
its own series model (``detectors.models``: seasonal once enough history
exists). Windows with no entries are scored as zero for known keys, so a
normally busy source that stops is reported as ``silence``.

>>> from streams.core.model import Event, Position
>>> det = LogRateDetector(LogRateConfig(type="log_rate", name="rate", keys=["dataset"],
...     model={"warmup": 5}))
>>> def batch(minute, n):
...     return [Event({"@timestamp": minute * 60 + i % 60}, "vpcflow", f"{minute}-{i}", Position("g", "s", "0", "0"))
...             for i in range(n)]
>>> found = []
>>> for minute in range(30):
...     found += det.observe(batch(minute, 500 if minute == 25 else 50))
>>> [(f.finding_type, f.entity, f.observed, f.status) for f in found]
[('rate_spike', {'dataset': 'vpcflow'}, 500.0, 'open'), ('rate_spike', {'dataset': 'vpcflow'}, 500.0, 'resolved')]
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from detectors.findings import Anomaly
from detectors.windowed import KeyState, WindowedConfig, WindowedDetector
from detectors.windows import Key, Partial
from streams.core.registry import DETECTORS


class LogRateConfig(WindowedConfig):
    keys: list[str] = Field(
        default_factory=lambda: ["dataset"],
        min_length=1,
        description="fields keyed separately; 'dataset' is the event's dataset",
    )
    explain: list[str] = Field(
        default_factory=lambda: ["source.ip", "destination.port", "user_agent.original", "http.response.status_code"],
        description="fields whose top values explain a change",
    )
    min_spike_count: int = Field(20, ge=0, description="a spike needs at least this many entries")
    min_spike_ratio: float = Field(2.0, ge=1.0, description="and observed >= ratio x expected")
    min_drop_expected: float = Field(10.0, ge=0, description="drops/silence only for keys expecting this many")
    max_drop_ratio: float = Field(0.5, gt=0, le=1, description="a drop needs observed <= ratio x expected")
    forget_after_windows: int = Field(1440, ge=1, description="stop tracking a key silent this long")


@DETECTORS.register("log_rate", LogRateConfig)
class LogRateDetector(WindowedDetector):
    type_name = "log_rate"
    scores_empty_windows = True

    def _configure(self, config: LogRateConfig) -> None:
        self._use_fields(config.keys, config.explain)

    def _fold(self, doc: dict[str, Any], partial: Partial) -> None:
        self._count_explanations(doc, partial)

    def _evaluate(self, key: Key, state: KeyState, start: int, partial: Partial | None) -> Anomaly | None:
        cfg: LogRateConfig = self.config  # type: ignore[assignment]
        if partial is None and start - state.last_active > cfg.forget_after_windows * cfg.window.seconds:
            self.keys.pop(key)
            return None
        if self.closing_partial:
            return None  # the input ended inside this window: its count is not comparable (nor learnable)
        observed = float(partial.count if partial is not None else 0)
        score, warm = self._score(key, state, "count", start, observed)
        expected = score.expected
        ongoing = self.episodes.current(key, "silence") if observed == 0 else None
        if ongoing is not None:  # still silent: the episode lasts even once the model has adapted to zero
            return Anomaly("silence", 0.0, ongoing.expected, ongoing.band, ongoing.score, ongoing.summary,
                           ongoing.explanation)
        if not (warm and score.anomalous and expected is not None):
            self._explain(state, partial, learn=True)
            return None
        band = (score.lower, score.upper) if score.lower is not None and score.upper is not None else None
        if observed > expected:
            if observed < cfg.min_spike_count or observed < cfg.min_spike_ratio * expected:
                return None
            kind, verb = "rate_spike", "rose"
            explanation = self._explain(state, partial, learn=False, rising=True)
        else:
            if expected < cfg.min_drop_expected or observed > cfg.max_drop_ratio * expected:
                return None
            kind = "silence" if observed == 0 else "rate_drop"
            verb = "stopped" if observed == 0 else "dropped"
            explanation = self._explain(state, partial, learn=False, rising=False)
        summary = f"{key[0]}={key[1]}: log rate {verb} to {observed:.0f} entries (expected {expected:.1f})"
        return Anomaly(kind, observed, round(expected, 3), band, score.score, summary, explanation)
