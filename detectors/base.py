"""The Detector contract.

A detector consumes batches of parsed events on *event time* and emits
findings. Internally it is two halves, kept apart so the scaled runtime can
merge partial aggregates from several workers before scoring:

1. aggregation: events -> per-key, per-window partial aggregates (counts,
   sums, small sketches) that merge associatively;
2. scoring: a closed window's complete aggregate per key -> an online model
   per key (river conventions: ``score_one`` before ``learn_one``, explicit
   warm-up, no learning from points judged anomalous) -> findings.

Guarantees:

* ``observe`` and ``advance`` are synchronous, never raise on odd events
  (an event without the fields a detector needs is skipped and counted),
  and keep memory bounded (a maximum of tracked keys per detector).
* A finding keeps its ``id`` for the whole anomaly episode; while the episode
  lasts the detector re-emits the same id with an updated ``last_seen`` and
  ``count`` at most once per window, and once with ``status="resolved"`` when
  it ends. Sinks treat a repeated id as an update.
* ``snapshot()`` returns picklable state; ``restore(state)`` resumes it, so a
  restart does not learn from zero. ``reconfigure(config)`` applies new
  thresholds without losing model state.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from streams.core.model import Event, Finding


@runtime_checkable
class Detector(Protocol):
    name: str

    def observe(self, events: list[Event]) -> list[Finding]:
        """Aggregate a batch; return findings for windows the watermark closed."""
        ...

    def advance(self, now: float) -> list[Finding]:
        """Move the watermark by the clock (idle input, silence detection)."""
        ...

    def flush(self) -> list[Finding]:
        """End of a finite input: close every open window and score it."""
        ...

    def snapshot(self) -> Any: ...

    def restore(self, state: Any) -> None: ...

    def reconfigure(self, config: Any) -> None: ...


from streams.core.config import DetectorConfig  # noqa: E402,F401  (re-exported: the base of every detector config)
