"""One check for every fast path: column aggregates equal the detector's own, partial by partial."""

from __future__ import annotations

from typing import Any


def assert_same_aggregates(ref: Any, got: Any) -> None:
    """``got`` (``aggregate_columns``) equals ``ref`` (``detector.aggregate``): keys in order, counts, times,
    samples, sums, top values with their dict order (it decides later Misra-Gries merges), distinct sets."""
    assert list(ref.partials) == list(got.partials) and (ref.max_time, ref.skipped) == (got.max_time, got.skipped)
    for key, partial in ref.partials.items():
        other = got.partials[key]
        assert (partial.count, partial.first, partial.last, partial.samples, partial.sums) == \
            (other.count, other.first, other.last, other.samples, other.sums)
        assert {k: (v.counts, v.total) for k, v in partial.tops.items()} == {k: (v.counts, v.total) for k, v in other.tops.items()}
        assert {k: (v.items, v.sample, v.registers) for k, v in partial.distinct.items()} == \
            {k: (v.items, v.sample, v.registers) for k, v in other.distinct.items()}
        for name, counter in partial.tops.items():
            assert list(counter.counts) == list(other.tops[name].counts)
