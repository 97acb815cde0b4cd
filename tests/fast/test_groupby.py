"""``group_rows`` / ``field_groups`` against the per-event loop's grouping, written out in Python."""

from __future__ import annotations

import numpy as np
import pytest

from processors.fast.groupby import field_groups, group_rows, misra_gries, select_rows
from processors.fast.groupstats import window_starts


def _reference(starts: np.ndarray, keys: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[int, int, int, list[int]]]:
    """(window start, field, code, rows) per group, groups in the order a row-by-row loop creates them."""
    groups: dict[tuple[int, int, int], list[int]] = {}
    for row, start in enumerate(starts.tolist()):
        for j, (codes, valid) in enumerate(keys):
            code = int(codes[row])
            if valid[code]:
                groups.setdefault((start, j, code), []).append(row)
    return [(s, j, c, rows) for (s, j, c), rows in groups.items()]


def _flat(groups: object) -> list[tuple[int, int, int, list[int]]]:
    rows, bounds = groups.rows.tolist(), groups.bounds.tolist()
    return [(s, j, c, rows[bounds[g]:bounds[g + 1]])
            for g, (s, j, c) in enumerate(zip(groups.starts, groups.fields, groups.codes, strict=True))]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ncodes", [1, 5, 3000])  # 3000 codes over many windows: the hash table, not the direct one
def test_groups_in_creation_order(seed: int, ncodes: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    width = int(rng.choice([1, 7, 60]))
    times = np.sort(rng.integers(1_700_000_000, 1_700_000_000 + 40 * width, n))
    if seed % 2:  # out of order rows too
        times = rng.permutation(times)
    starts = times // width * width
    keys = []
    for _ in range(1 + seed % 3):
        valid = rng.random(ncodes) < 0.8
        keys.append((rng.integers(0, ncodes, n), valid))
    assert _flat(group_rows(starts, width, keys)) == _reference(starts, keys)
    cache: dict = {}
    names = [f"f{j}" for j in range(len(keys))]
    first = _flat(group_rows(starts, width, keys, cache, names))
    assert first == _flat(group_rows(starts, width, keys, cache, names)) == _reference(starts, keys)


def test_no_valid_row_and_empty_input() -> None:
    starts = np.array([0, 0, 60], np.int64)
    none = group_rows(starts, 60, [(np.array([0, 0, 0]), np.array([False]))])
    assert (len(none), none.rows.tolist(), none.bounds.tolist()) == (0, [], [0])
    rows, bounds, first, code, start = field_groups(np.zeros(0, np.int64), 60, np.zeros(0, np.int64),
                                                    np.array([True]))
    assert (rows.tolist(), bounds.tolist(), first.tolist(), code.tolist(), start.tolist()) == ([], [0], [], [], [])


@pytest.mark.parametrize("width", [1, 7, 60, 3600])
def test_window_starts_equal_the_detectors(width: int) -> None:
    """Whole seconds, milliseconds in and out of order, negative times: ``int(t // width) * width``."""
    rng = np.random.default_rng(width)
    millis = rng.integers(1_700_000_000_000, 1_700_000_900_000, 20000) / 1000
    times = np.concatenate([rng.integers(-10**9, 2 * 10**9, 20000).astype(float), millis, np.sort(millis),
                            np.array([-0.5, -60.0, -60.001, 0.0, 59.999, 60.0])])
    assert window_starts(times, width).tolist() == [int(t // width) * width for t in times.tolist()]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("capacity", [1, 3, 32])
def test_misra_gries_equals_top_counters(seed: int, capacity: int) -> None:
    """Each group's filtered values fed to a ``TopCounter``: same counts in the same dict order, same totals."""
    from detectors.sketches import TopCounter

    rng = np.random.default_rng(seed)
    n, nvalues = 4000, int(rng.choice([4, 50, 900]))
    codes = rng.integers(0, nvalues, n)
    starts = rng.integers(0, 3, n) * 60
    groups = group_rows(starts, 60, [(rng.integers(0, 4, n), np.array([True, True, False, True]))])
    keep_value = rng.random(nvalues) < 0.9 if seed % 2 else np.zeros(0, bool)
    keep_row = rng.random(n) < 0.7 if seed > 1 else np.zeros(0, bool)
    rows, bounds = select_rows(groups.rows, groups.bounds, keep_row) if len(keep_row) else (groups.rows, groups.bounds)
    values, counts, offsets, totals = misra_gries(codes, rows, bounds, capacity, nvalues, keep_value)
    rows, bounds = groups.rows.tolist(), groups.bounds.tolist()
    for g in range(len(groups)):
        top = TopCounter(capacity)
        top.update(int(codes[r]) for r in rows[bounds[g]:bounds[g + 1]]
                   if (not len(keep_row) or keep_row[r]) and (not len(keep_value) or keep_value[codes[r]]))
        a, b = offsets[g], offsets[g + 1]
        assert (list(top.counts.items()), top.total) == \
            (list(zip(values[a:b].tolist(), counts[a:b].tolist(), strict=True)), totals[g])


def test_group_times_equal_numpy_reductions() -> None:
    """First and last time per group as ``np.minimum/maximum.reduceat`` give them (a NaN wins), first rows sampled."""
    from processors.fast.groupstats import group_times

    rng = np.random.default_rng(0)
    for trial in range(300):
        n = int(rng.integers(1, 60))
        times = rng.random(n) * 100
        if trial % 3 == 0:
            times[rng.integers(0, n, int(rng.integers(1, 3)))] = np.nan
        rows = rng.permutation(n)
        cuts = np.sort(rng.choice(np.arange(1, n), min(n - 1, int(rng.integers(0, 5))), replace=False)) if n > 1 else []
        bounds = np.r_[0, cuts, n].astype(np.int64)
        firsts, lasts, picks, offsets = group_times(rows, bounds, times, 3)
        assert np.array_equal(firsts, np.minimum.reduceat(times[rows], bounds[:-1]), equal_nan=True)
        assert np.array_equal(lasts, np.maximum.reduceat(times[rows], bounds[:-1]), equal_nan=True)
        assert picks.tolist() == [r for g in range(len(bounds) - 1) for r in rows[bounds[g]:bounds[g + 1]][:3].tolist()]


@pytest.mark.parametrize("shape", ["one window", "ordered windows", "unordered windows", "two codes", "invalid code"])
def test_single_key_runs(shape: str) -> None:
    """A key with one value (``dataset``) over rows in time order takes the runs shortcut: same groups."""
    n = 500
    starts = np.full(n, 120, np.int64)
    codes, valid = np.zeros(n, np.int64), np.array([True, True])
    if shape != "one window":
        starts[200:] = 180
        starts[350:] = 240
    if shape == "unordered windows":
        starts[400] = 120
    if shape == "two codes":
        codes[10] = 1
    if shape == "invalid code":
        valid[0] = False
        codes[10] = 1
    keys = [(codes, valid)]
    assert _flat(group_rows(starts, 60, keys)) == _reference(starts, keys)
