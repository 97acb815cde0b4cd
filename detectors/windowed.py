"""The shared machinery of the windowed detectors.

A ``WindowedDetector`` subclass says which keys an event belongs to
(``_keys``), what it adds to a key's window aggregate (``_fold``) and how a
closed window of one key is judged (``_evaluate``). This base class does the
rest, identically for every detector: event time, aggregation into mergeable
``Partial``s, the watermark, bounded key state, per-key series models
(score before learn), explanations against per-key baselines, episodes and
findings, snapshots and reconfiguration.

The three public halves used by the scaled runtime (partials from several
workers merged before scoring):

* ``aggregate(events) -> Aggregate``: pure, no detector state changes;
* ``merge(aggregate)``: folds partials into the open windows, moves the watermark;
* ``close_windows() -> list[Finding]``: scores every window the watermark closed.

``observe(events)`` is exactly ``merge(aggregate(events))`` then ``close_windows()``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from detectors.fields import EventClock, field_getter
from detectors.findings import Anomaly, EpisodeTracker
from detectors.metrics import publish
from detectors.models import ModelParams
from detectors.models.base import ZERO, Score
from detectors.scoring import SeriesModel, build_model, metric_params
from detectors.settings import WindowedConfig, WindowSettings, dataset_matches
from detectors.windows import BoundedTable, Key, Partial, WindowTable
from streams.core.model import Event, Finding

log = logging.getLogger(__name__)
Trace = Callable[[Key, int, str, float, Any], None]
__all__ = ["Aggregate", "KeyState", "WindowSettings", "WindowedConfig", "WindowedDetector", "dataset_matches"]


@dataclass(slots=True)
class Aggregate:
    """Partial aggregates of one batch: what a worker publishes in the scaled runtime."""

    partials: dict[tuple[int, Key], Partial] = field(default_factory=dict)
    max_time: float | None = None
    skipped: int = 0


@dataclass(slots=True)
class KeyState:
    """Long-lived state of one key: its models, warm-up and explanation baselines."""

    models: dict[str, SeriesModel] = field(default_factory=dict)
    scored: dict[str, int] = field(default_factory=dict)
    baseline: dict[str, dict[Any, float]] = field(default_factory=dict)
    last_active: int = -1


class WindowedDetector:
    type_name: ClassVar[str] = ""
    scores_empty_windows: ClassVar[bool] = False
    explain_fields: tuple[str, ...] = ()
    # a key without models whose window has fewer entries is dismissed by ``_evaluate`` without a change
    # (set by ``_configure`` of detectors that dismiss one-off keys; 0: none is): ``_close`` skips the call
    quiet_count: int = 0

    def __init__(self, config: WindowedConfig, clock: Callable[[], float] = time.time):
        self.config = config
        self._warmup = config.model_params.warmup  # read per scored window: pydantic private attributes are slow
        self.name = config.name
        self._clock = clock
        self._time = EventClock(config.time_field)
        self.table = WindowTable(
            config.window.seconds,
            config.window.allowed_lateness_seconds,
            config.max_keys,
            config.heavy_hitters,
            config.window.max_gap_windows,
            config.findings.sample_events,
        )
        self.keys: BoundedTable[KeyState] = BoundedTable(config.max_keys, self.table.hot.__contains__)
        self.episodes = EpisodeTracker(config.name, self.type_name, config.findings, config.window.seconds)
        self.skipped_events = 0
        self.trace: Trace | None = None
        self._params: dict[str, ModelParams] = {}
        self._dataset_wanted: dict[str, bool] | None = None if config.datasets is None else {}
        self.closing_partial = False  # True while flush() scores a window the input ended inside
        self._last_input_wall = clock()
        self._last_event_time: float | None = None
        self._configure(config)

    # -- subclass hooks -------------------------------------------------------------
    def _configure(self, config: Any) -> None:
        """Precompute getters from the config (called at start and on reconfigure)."""

    def _use_fields(self, keys: list[str], explain: list[str]) -> None:
        """Getters for the key fields (``dataset`` is the event's dataset) and the explanation fields."""
        self._key_getters: list[tuple[str, Any]] = [
            (name, None if name == "dataset" else field_getter(name)) for name in keys
        ]
        self.explain_fields = tuple(explain)
        self._explain_getters = [(name, field_getter(name)) for name in explain]

    def _keys(self, event: Event) -> list[Key]:
        """One key per configured key field the event has (set up by ``_use_fields``)."""
        out = []
        for name, get in self._key_getters:
            value = event.dataset if get is None else get(event.doc)
            if value is not None and value != "":
                out.append((name, str(value)))
        return out

    def _count_explanations(self, doc: dict[str, Any], partial: Partial) -> None:
        """Count the explanation fields' values of one contributing entry (bounded top counters)."""
        cap = self.config.explain_capacity
        for name, get in self._explain_getters:
            value = get(doc)
            if value is not None:
                partial.add_top(name, value, cap)

    def _fold(self, doc: dict[str, Any], partial: Partial) -> None:
        raise NotImplementedError

    def _evaluate(self, key: Key, state: KeyState, start: int, partial: Partial | None) -> Anomaly | None:
        raise NotImplementedError

    # -- aggregation ----------------------------------------------------------------
    def aggregate(self, events: list[Event]) -> Aggregate:
        """Events to per-(window, key) partials. Pure: no detector state changes."""
        out = Aggregate()
        partials = out.partials
        width = self.config.window.seconds
        wanted = self._dataset_wanted
        samples = self.config.findings.sample_events
        epoch, keys_of, fold = self._time.epoch, self._keys, self._fold
        max_time = -math.inf
        for event in events:
            if wanted is not None:
                ok = wanted.get(event.dataset)
                if ok is None:
                    ok = wanted[event.dataset] = dataset_matches(event.dataset, self.config.datasets or [])
                if not ok:
                    continue
            t = epoch(event.doc)
            keys = keys_of(event) if t is not None else None
            if t is None or not keys:
                out.skipped += 1
                continue
            start = int(t // width) * width
            if t > max_time:
                max_time = t
            for key in keys:
                partial = partials.get((start, key))
                if partial is None:
                    partial = partials[(start, key)] = Partial()
                partial.add_event(event.id, t, samples)
                fold(event.doc, partial)
        if max_time > -math.inf:
            out.max_time = max_time
        return out

    def merge(self, aggregate: Aggregate) -> None:
        """Fold partials (from this or other workers) into the open windows."""
        self.skipped_events += aggregate.skipped
        self.table.merge(aggregate.partials, aggregate.max_time)
        if aggregate.max_time is not None:
            self._last_event_time = max(self._last_event_time or -math.inf, aggregate.max_time)

    def close_windows(self, flush: bool = False) -> list[Finding]:
        """Score every window the watermark closed (all open windows when ``flush``)."""
        out: list[Finding] = []
        last_time = self._last_event_time if self._last_event_time is not None else math.inf
        for start in self.table.due_windows(flush):
            self.closing_partial = flush and start + self.config.window.seconds > last_time + 1
            out.extend(self._close(start, self.table.pop(start)))
        self.closing_partial = False
        publish(self)
        return out

    # -- the Detector protocol ------------------------------------------------------
    def observe(self, events: list[Event]) -> list[Finding]:
        if events:
            self._last_input_wall = self._clock()
        self.merge(self.aggregate(events))
        return self.close_windows()

    def advance(self, now: float) -> list[Finding]:
        """Idle input: after ``idle_timeout_seconds`` let event time follow the clock."""
        idle = now - self._last_input_wall
        if self._last_event_time is None or idle < self.config.window.idle_timeout_seconds:
            return []
        self.table.advance_to(self._last_event_time + idle - self.config.window.allowed_lateness_seconds)
        return self.close_windows()

    def flush(self) -> list[Finding]:
        return self.close_windows(flush=True)

    def tracked_keys(self) -> int:
        """Keys with long-lived state (what ``logwarden_detector_keys`` reports)."""
        return len(self.keys)

    def snapshot(self) -> dict[str, Any]:
        table = self.table
        return {
            "version": 1,
            "type": self.type_name,
            "window_seconds": table.window,
            "windows": {start: dict(t.items) for start, t in table.windows.items()},
            "watermark": table.watermark,
            "closed_until": table.closed_until,
            "hot": table.hot,
            "counters": (table.late_entries, table.evicted_entries, table.skipped_windows, self.skipped_events),
            "keys": dict(self.keys.items),
            "episodes": self.episodes.episodes,
            "last_event_time": self._last_event_time,
        }

    def restore(self, state: dict[str, Any]) -> None:
        if state.get("type") != self.type_name or state.get("window_seconds") != self.table.window:
            log.warning("detector %s: snapshot does not match the configuration (type or window); starting fresh",
                        self.name)
            return
        table = self.table
        table.hot = state["hot"]
        table.windows = {}
        for start, items in state["windows"].items():
            bounded: BoundedTable[Partial] = BoundedTable(self.config.max_keys, table.hot.__contains__)
            bounded.items.update(items)
            table.windows[start] = bounded
        table.watermark, table.closed_until = state["watermark"], state["closed_until"]
        table.late_entries, table.evicted_entries, table.skipped_windows, self.skipped_events = state["counters"]
        self.keys = BoundedTable(self.config.max_keys, table.hot.__contains__)
        self.keys.items.update(state["keys"])
        self.episodes.episodes = state["episodes"]
        self._last_event_time = state["last_event_time"]

    def reconfigure(self, config: WindowedConfig) -> None:
        """Apply new thresholds keeping models, windows and episodes.

        A new window length invalidates every model and open window, so that
        change (only) starts the detector over, with a warning.
        """
        if config.window.seconds != self.config.window.seconds:
            log.warning("detector %s: window.seconds changed on reload; its state starts over", self.name)
            self.__init__(config, self._clock)  # type: ignore[misc]
            return
        self.config = config
        self._warmup = config.model_params.warmup
        self._time = EventClock(config.time_field)
        table = self.table
        table.lateness = config.window.allowed_lateness_seconds
        table.max_gap_windows = config.window.max_gap_windows
        table.max_keys = self.keys.max_keys = config.max_keys
        for bounded in table.windows.values():
            bounded.max_keys = config.max_keys
        table.hot.capacity = config.heavy_hitters
        self.episodes.settings = config.findings
        self._params = {}  # new keys' models use the new parameters; existing models keep theirs
        self._dataset_wanted = None if config.datasets is None else {}
        self._configure(config)

    # -- scoring helpers ------------------------------------------------------------
    def _close(self, start: int, partials: dict[Key, Partial]) -> list[Finding]:
        end = start + self.config.window.seconds
        out: list[Finding] = []
        table, evaluate, quiet = self.keys, self._evaluate, self.quiet_count
        items, limit = table.items, table.max_keys
        lookup, to_end = items.get, items.move_to_end
        # ~55k key windows close per 1M VPC flow lines: each key's state found (or made) with one lookup,
        # ``BoundedTable.get_or_create`` inline, a new state built without the dataclass init
        for key, partial in partials.items():
            state = lookup(key)
            if state is None:
                if len(items) >= limit:
                    table._evict_one()
                state = items[key] = _new_state()
            else:
                to_end(key)
            state.last_active = start
            if partial.count < quiet and not state.models:
                continue
            anomaly = evaluate(key, state, start, partial)
            if anomaly is not None:
                out.extend(self.episodes.update(key, start, end, anomaly, partial.samples))
        if self.scores_empty_windows:  # known keys without entries in this window, after the active ones
            for key in [k for k in items if k not in partials]:
                state = lookup(key)
                if state is None:  # forgotten by an earlier key's evaluation
                    continue
                anomaly = evaluate(key, state, start, None)
                if anomaly is not None:
                    out.extend(self.episodes.update(key, start, end, anomaly, []))
        out.extend(self.episodes.end_window(end))
        return out

    def _score(
        self,
        key: Key,
        state: KeyState,
        metric: str,
        start: int,
        x: float,
        overrides: dict[str, Any] | None = None,
        scale: float = 1.0,
    ) -> tuple[Any, bool]:
        """Score then learn one window value; returns (score, warm).

        ``overrides`` adapt the model of this metric (a ratio next to a count);
        they apply when the key's model is created. ``scale`` multiplies what
        the model sees (ratios are fed in percent, as the models' presets
        expect); expected value and band come back in the caller's units.
        """
        value = float(x) * scale
        model = state.models.get(metric)
        if model is None:
            params = self._params.get(metric)
            if params is None:
                params = self._params[metric] = metric_params(self.config.model_params, overrides)
            model = state.models[metric] = build_model(params)
        t = float(start)
        score = model.score_one(t, value)
        model.learn_one(t, value)
        if score is ZERO:  # warming up (most scored windows): nothing to adjust
            return self._count(key, state, metric, start, x, score)
        raw = getattr(score, "raw", None)
        exact = type(score) is Score  # built directly: dataclasses.replace introspects the fields on every call
        if raw is not None and raw != score.score:  # findings do their own episodes: take the undamped score
            score = Score(raw, score.expected, score.lower, score.upper, score.anomalous, raw) if exact else \
                dataclasses.replace(score, score=raw)
        if scale != 1.0:
            expected, lower, upper = _div(score.expected, scale), _div(score.lower, scale), _div(score.upper, scale)
            score = Score(score.score, expected, lower, upper, score.anomalous, score.raw) if exact else \
                dataclasses.replace(score, expected=expected, lower=lower, upper=upper)
        return self._count(key, state, metric, start, x, score)

    def _count(self, key: Key, state: KeyState, metric: str, start: int, x: float, score: Any) -> tuple[Any, bool]:
        """Count a scored window of ``metric`` (trace it if asked); returns (score, warm)."""
        scored = state.scored
        seen = scored.get(metric, 0)
        scored[metric] = seen + 1
        if self.trace is not None:
            self.trace(key, start, metric, x, score)
        return score, seen >= self._warmup

    def _explain(self, state: KeyState, partial: Partial | None, learn: bool, rising: bool = True) -> dict[str, Any]:
        """Values per explanation field whose counts moved most against the key's baseline.

        ``learn=True`` (an ordinary window: nothing to explain) only moves the
        baselines towards this window's counts and returns ``{}``.
        """
        if learn:
            self._learn_baselines(state.baseline, partial.tops if partial is not None else {})
            return {}
        top_n = self.config.findings.explain_top
        out: dict[str, Any] = {}
        for name in self.explain_fields:
            counter = partial.tops.get(name) if partial is not None else None
            base = state.baseline.setdefault(name, {})
            current = dict(counter.counts) if counter is not None else {}
            values = set(current) | (set(base) if not rising else set())
            moved = []
            for value in values:
                delta = current.get(value, 0) - base.get(value, 0.0)
                if (delta > 0) == rising and delta != 0:
                    moved.append((abs(delta), value))
            moved.sort(key=lambda item: (-item[0], str(item[1])))
            if moved:
                out[name] = [
                    {"value": value, "count": current.get(value, 0), "baseline": round(base.get(value, 0.0), 2)}
                    for _, value in moved[:top_n]
                ]
        return out

    def _learn_baselines(self, baseline: dict[str, dict[Any, float]], tops: dict[str, Any]) -> None:
        """Every explanation field's baseline moved towards this window's top counts (``_learn_baseline``).

        The common cases in one comprehension each: no counts (decay only), no baseline yet (the counts
        weighted), and no pruning needed; the counter's pairs are read without building its dict.

        >>> from detectors.sketches import TopCounter
        >>> det = WindowedDetector.__new__(WindowedDetector)
        >>> det.config, det.explain_fields = WindowedConfig(type="log_rate", name="x"), ("a", "b", "c")
        >>> baseline, top = {"c": {"x": 5.0}}, TopCounter(4)
        >>> top.update(["y", "y", "x"])
        >>> det._learn_baselines(baseline, {"a": top}); baseline
        {'c': {'x': 4.0}, 'a': {'y': 0.4, 'x': 0.2}, 'b': {}}
        """
        cap = self.config.explain_capacity
        for name in self.explain_fields:
            counter = tops.get(name)
            base = baseline.get(name)
            if counter is None:
                if base is None:
                    baseline[name] = {}
                elif len(base) > cap:  # (a capacity lowered on reload)
                    baseline[name] = self._learn_baseline(base, (), _ALPHA)
                elif base:
                    baseline[name] = {value: weight * _KEEP for value, weight in base.items()}
            elif base or counter.capacity > cap:
                baseline[name] = self._learn_baseline(base or {}, counter.pairs(), _ALPHA)
            else:  # at most ``cap`` values; 0.0 + alpha * count is alpha * count: counts are positive
                baseline[name] = {value: _ALPHA * count for value, count in counter.pairs()}

    def _learn_baseline(self, base: dict[Any, float], current: Iterable[tuple[Any, int]],
                        alpha: float = 0.2) -> dict[Any, float]:
        """``base`` decayed and moved towards ``current``'s (value, count) pairs: a new dict, the same items in the
        same order as an in-place update (the smallest weights beyond ``explain_capacity`` leave, ties in
        insertion order).

        >>> det = WindowedDetector.__new__(WindowedDetector)
        >>> det.config = WindowedConfig(type="log_rate", name="x", explain_capacity=2)
        >>> det._learn_baseline({"a": 10.0, "b": 1.0}, [("c", 5), ("b", 1)])
        {'a': 8.0, 'c': 1.0}
        """
        keep = 1 - alpha
        base = {value: weight * keep for value, weight in base.items()}  # one comprehension, not item assignments
        get = base.get
        for value, count in current:
            base[value] = get(value, 0.0) + alpha * count
        cap = self.config.explain_capacity
        if len(base) > cap:  # the smallest weights leave, ties in insertion order (a stable sort, no key lambda)
            for value in sorted(base, key=base.__getitem__)[: len(base) - cap]:
                del base[value]
        return base


_ALPHA = 0.2  # how far a baseline moves towards a window's counts
_KEEP = 1 - _ALPHA


def _new_state() -> KeyState:
    """``KeyState()`` with its slots set inline (the dataclass ``__init__`` calls three default factories).

    >>> _new_state() == KeyState()
    True
    """
    state = KeyState.__new__(KeyState)
    state.models, state.scored, state.baseline, state.last_active = {}, {}, {}, -1
    return state


def _div(value: float | None, scale: float) -> float | None:
    return None if value is None else value / scale
