"""``vpc_rejects``: REJECT count and REJECT ratio per ENI and per source IP.

Each key has two series, the number of REJECTed flows per window and the
share of REJECTs among its flows, each against its own baseline. A finding
``reject_spike`` (count) or ``reject_ratio`` (share) carries the source IPs,
destination ports and destination addresses behind the change.

>>> from streams.core.model import Event, Position
>>> det = VpcRejectsDetector(VpcRejectsConfig(type="vpc_rejects", name="rejects",
...     keys=["aws.vpcflow.interface_id"], model={"warmup": 5}))
>>> def flow(t, action, src="10.0.0.5", port=443):
...     doc = {"@timestamp": t, "source": {"ip": src}, "destination": {"ip": "10.0.1.1", "port": port},
...            "aws": {"vpcflow": {"interface_id": "eni-1", "action": action}}}
...     return Event(doc, "vpcflow", str(t), Position("g", "s", "0", "0"))
>>> found = []
>>> for minute in range(30):
...     batch = [flow(minute * 60 + i, "ACCEPT" if i % 10 else "REJECT") for i in range(50)]
...     if minute == 25:
...         batch += [flow(minute * 60 + 55, "REJECT", "203.0.113.7", p) for p in range(100)]
...     found += det.observe(batch)
>>> f = found[0]; (f.finding_type, f.entity, f.observed)
('reject_spike', {'aws.vpcflow.interface_id': 'eni-1'}, 105.0)
>>> f.explanation["source.ip"][0]["value"]
'203.0.113.7'
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from detectors.fields import field_getter
from detectors.findings import Anomaly
from detectors.windowed import KeyState, WindowedConfig, WindowedDetector
from detectors.windows import Key, Partial
from streams.core.registry import DETECTORS

REJECT_VALUES = frozenset({"REJECT", "reject", "Reject"})
RATIO_MODEL = {"counts": False, "min_value": 2.0}  # the REJECT share, fed in percent: a ratio, not a count


def action_getter() -> Any:
    """Read a flow's action from the fields parsers may produce: ``aws.vpcflow.action`` or ``event.action``."""
    vpc, ecs = field_getter("aws.vpcflow.action"), field_getter("event.action")

    def get(doc: dict[str, Any]) -> Any:
        value = vpc(doc)
        return value if value is not None else ecs(doc)

    return get


class VpcRejectsConfig(WindowedConfig):
    # REJECT counts are Poisson-like and guarded by min_rejects: 15 windows of history suffice
    # (no false alarm on the clean synthetic seeds), so a spike 20 minutes after start is caught.
    MODEL_DEFAULTS: ClassVar[dict[str, Any]] = {"warmup": 15}

    datasets: list[str] | None = Field(default_factory=lambda: ["vpcflow"])
    keys: list[str] = Field(default_factory=lambda: ["aws.vpcflow.interface_id", "source.ip"], min_length=1)
    explain: list[str] = Field(default_factory=lambda: ["source.ip", "destination.port", "destination.ip"])
    min_rejects: int = Field(20, ge=0, description="a finding needs at least this many REJECTs")
    min_spike_ratio: float = Field(2.0, ge=1.0, description="and rejects >= ratio x expected")
    min_flows_for_ratio: int = Field(100, ge=1, description="the ratio is judged only with this many flows")
    min_ratio: float = Field(0.2, ge=0, le=1, description="a ratio finding needs at least this REJECT share")
    min_ratio_increase: float = Field(0.1, ge=0, le=1, description="and this much above the expected share")


@DETECTORS.register("vpc_rejects", VpcRejectsConfig)
class VpcRejectsDetector(WindowedDetector):
    type_name = "vpc_rejects"

    def _configure(self, config: VpcRejectsConfig) -> None:
        self._use_fields(config.keys, config.explain)
        self._action = action_getter()
        self.quiet_count = (config.min_rejects + 1) // 2  # count * 2 < min_rejects: see _evaluate

    def _fold(self, doc: dict[str, Any], partial: Partial) -> None:
        if self._action(doc) in REJECT_VALUES:
            partial.add_sum("rejects", 1)
            self._count_explanations(doc, partial)

    def _evaluate(self, key: Key, state: KeyState, start: int, partial: Partial | None) -> Anomaly | None:
        cfg: VpcRejectsConfig = self.config  # type: ignore[assignment]
        assert partial is not None
        if partial.count * 2 < cfg.min_rejects and not state.models:
            return None  # one-off keys (a flood of sources) get no models: only keys with some volume
        rejects = partial.sums.get("rejects", 0.0)
        count_score, count_warm = self._score(key, state, "rejects", start, rejects)
        ratio = rejects / partial.count
        ratio_score = ratio_warm = None
        if partial.count >= cfg.min_flows_for_ratio:
            ratio_score, ratio_warm = self._score(key, state, "ratio", start, ratio, RATIO_MODEL, scale=100.0)
        anomaly = None
        expected = count_score.expected
        if (count_warm and count_score.anomalous and expected is not None and rejects > expected
                and rejects >= cfg.min_rejects and rejects >= cfg.min_spike_ratio * expected):
            summary = f"{key[0]}={key[1]}: {rejects:.0f} rejected flows (expected {expected:.1f})"
            anomaly = Anomaly("reject_spike", rejects, round(expected, 3), _band(count_score), count_score.score,
                              summary)
        elif ratio_score is not None and ratio_warm and ratio_score.anomalous and ratio_score.expected is not None:
            exp_ratio = ratio_score.expected
            if ratio >= cfg.min_ratio and ratio - exp_ratio >= cfg.min_ratio_increase and rejects >= cfg.min_rejects:
                summary = (f"{key[0]}={key[1]}: {ratio:.0%} of {partial.count} flows rejected "
                           f"(expected {exp_ratio:.0%})")
                anomaly = Anomaly("reject_ratio", round(ratio, 4), round(exp_ratio, 4), _band(ratio_score),
                                  ratio_score.score, summary)
        if anomaly is None:
            self._explain(state, partial, learn=True)
            return None
        anomaly.explanation = self._explain(state, partial, learn=False)
        anomaly.explanation["flows"] = partial.count
        anomaly.explanation["rejects"] = int(rejects)
        return anomaly


def _band(score: Any) -> tuple[float, float] | None:
    if score.lower is None or score.upper is None:
        return None
    return (round(score.lower, 4), round(score.upper, 4))
