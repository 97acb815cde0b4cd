"""Group-by on columns for the detectors' aggregation: segments, heavy hitters and distinct values per group.

Rows are grouped by (window, key) with one stable sort per key field; the
groups are then put in the order the per-event loop creates them (by first
row, then key field). Every group's rows stay in row order, so the
order-dependent parts of the detectors' sketches come out the same:

* ``misra_gries``: the ``TopCounter`` of each group's values, fed in row
  order, with its counters in the dict order the Python summary leaves.
  (Each group's distinct values in order of first occurrence, for the
  ``Distinct`` sketches, come from ``probes.probe_fold`` since round 7a.)

>>> vals = np.array([1, 1, 2, 3, 1, 4, 4, 4, 5], np.int64)
>>> rows, bounds, every = np.arange(9), np.array([0, 5, 9], np.int64), np.zeros(0, bool)
>>> v, c, b, t = misra_gries(vals, rows, bounds, 2, 6, every)
>>> v.tolist(), c.tolist(), b.tolist(), t.tolist()
([1, 4, 5], [2, 3, 1], [0, 1, 3], [5, 4])

Rows are chosen by ``select_rows`` (a detector's row mask), values filtered on the way (those present):

>>> rows, bounds = select_rows(rows, bounds, np.array([True] * 8 + [False]))
>>> keep_value = np.array([True, False, True, True, True, True])
>>> v, c, b, t = misra_gries(vals, rows, bounds, 2, 6, keep_value)
>>> v.tolist(), c.tolist(), b.tolist(), t.tolist()
([2, 3, 4], [1, 1, 3], [0, 2, 3], [2, 3])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np


@nb.njit(cache=True)
def misra_gries(codes, rows, bounds, capacity, nvalues, keep_value):  # noqa: ANN001, ANN201 - numba kernel
    """(values, counts, offsets, totals): each group's ``TopCounter(capacity).update(values)``, in dict order.

    Group g feeds ``codes[r]`` for its rows ``r = rows[bounds[g]:bounds[g + 1]]`` in order, skipping codes
    with ``keep_value[code]`` false (an empty ``keep_value`` keeps every code); ``totals`` counts what each
    group fed. The codes are first gathered into one contiguous array without branches (the rows are
    scattered over the block: the loads overlap), then summarised.
    """
    groups = len(bounds) - 1
    vals = np.empty(len(rows), np.int64)
    ends = np.empty(groups, np.int64)
    k = 0
    if len(keep_value) == 0:
        for i in range(len(rows)):
            vals[i] = codes[rows[i]]
        ends[:] = bounds[1:]
        k = len(rows)
    else:
        for g in range(groups):
            for i in range(bounds[g], bounds[g + 1]):
                v = codes[rows[i]]
                vals[k] = v
                k += 1 if keep_value[v] else 0
            ends[g] = k
    slot = np.full(nvalues, -1, np.int64)
    keys = np.empty(capacity, np.int64)
    counts = np.empty(capacity, np.int64)
    out_v = np.empty(k, np.int64)
    out_c = np.empty(k, np.int64)
    offsets = np.zeros(groups + 1, np.int64)
    totals = np.zeros(groups, np.int64)
    pos = a = 0
    for g in range(groups):
        used = 0
        for i in range(a, ends[g]):
            v = vals[i]
            c = slot[v]
            if c >= 0:
                counts[c] += 1
            elif used < capacity:
                keys[used], counts[used], slot[v] = v, 1, used
                used += 1
            else:  # full: every counter loses one, those at one leave (surviving order kept)
                j = 0
                for c2 in range(used):
                    if counts[c2] <= 1:
                        slot[keys[c2]] = -1
                    else:
                        keys[j], counts[j], slot[keys[c2]] = keys[c2], counts[c2] - 1, j
                        j += 1
                used = j
        totals[g], a = ends[g] - a, ends[g]
        for c in range(used):
            out_v[pos], out_c[pos] = keys[c], counts[c]
            slot[keys[c]] = -1
            pos += 1
        offsets[g + 1] = pos
    return out_v[:pos], out_c[:pos], offsets, totals


@nb.njit(cache=True)
def select_rows(rows, bounds, keep):  # noqa: ANN001, ANN201 - numba kernel
    """(rows, bounds) of the rows where ``keep[row]``, same groups (some may become empty).

    >>> r, b = select_rows(np.array([2, 0, 1, 3]), np.array([0, 3, 4]), np.array([True, False, True, False]))
    >>> r.tolist(), b.tolist()
    ([2, 0], [0, 2, 2])
    """
    groups = len(bounds) - 1
    out = np.empty(len(rows), np.int64)
    out_bounds = np.zeros(groups + 1, np.int64)
    k = 0
    for g in range(groups):
        for i in range(bounds[g], bounds[g + 1]):
            r = rows[i]
            out[k] = r
            k += 1 if keep[r] else 0
        out_bounds[g + 1] = k
    return out[:k], out_bounds


@dataclass(slots=True)
class Groups:
    """Rows grouped by (window start, key), groups in creation order, rows in row order within a group."""

    rows: np.ndarray  # row indices, group after group
    bounds: np.ndarray  # group g holds rows[bounds[g]:bounds[g + 1]]
    starts: list[int]  # window start of each group
    fields: list[int]  # key field index of each group
    codes: list[int]  # key code (within its field's values) of each group

    def __len__(self) -> int:
        return len(self.starts)


def group_rows(starts: np.ndarray, width: int, keys: list[tuple[np.ndarray, np.ndarray]],
               cache: dict[Any, Any] | None = None, names: list[str] | None = None) -> Groups:
    """Group rows by window start and key code, one key field after another.

    ``starts`` holds each row's window start; ``keys`` one ``(codes,
    valid)`` pair per key field (a row joins field j's group only where
    ``valid[codes[row]]``). With a ``cache`` (one per block) and the key
    fields' ``names``, each field's groups are shared by the detectors that
    group by the same field and window width.

    >>> starts = np.array([0, 60, 0, 0], np.int64)
    >>> g = group_rows(starts, 60, [(np.array([1, 1, 0, 1]), np.array([True, True]))])
    >>> g.rows.tolist(), g.bounds.tolist(), g.starts, g.codes
    ([0, 3, 1, 2], [0, 2, 3, 4], [0, 60, 0], [1, 1, 0])
    >>> g = group_rows(starts, 60, [(np.array([1, 1, 0, 1]), np.array([False, True])), (np.zeros(4, np.int64),
    ...                                                                                 np.array([True]))])
    >>> g.rows.tolist(), g.bounds.tolist(), g.starts, g.fields, g.codes
    ([0, 3, 0, 2, 3, 1, 1], [0, 2, 5, 6, 7], [0, 0, 60, 60], [0, 1, 0, 1], [1, 0, 1, 0])
    """
    parts = []
    for j, (codes, valid) in enumerate(keys):
        key = ("groups", width, names[j]) if cache is not None and names is not None else None
        part = cache.get(key) if key is not None else None
        if part is None:
            part = field_groups(starts, width, codes, valid)
            if key is not None:
                cache[key] = part
        if len(part[2]):
            parts.append((j, part))
    if not parts:
        return Groups(np.zeros(0, np.int64), np.zeros(1, np.int64), [], [], [])
    if len(parts) == 1:  # one key field: its groups are already in creation order
        j, (rows, bounds, _, codes, wins) = parts[0]
        return Groups(rows, bounds, wins.tolist(), [j] * len(wins), codes.tolist())
    all_rows = np.concatenate([p[0] for _, p in parts])
    first = np.concatenate([p[2] for _, p in parts])
    field = np.concatenate([np.full(len(p[2]), j, np.int64) for j, p in parts])
    lengths = np.concatenate([np.diff(p[1]) for _, p in parts])
    src = np.zeros(len(lengths), np.int64)
    np.cumsum(lengths[:-1], out=src[1:])
    order = np.lexsort((field, first))  # creation order: first row, then key field
    lengths, src = lengths[order], src[order]
    bounds = np.zeros(len(order) + 1, np.int64)
    np.cumsum(lengths, out=bounds[1:])
    index = np.repeat(src - bounds[:-1], lengths) + np.arange(int(bounds[-1]))
    return Groups(all_rows[index], bounds, np.concatenate([p[4] for _, p in parts])[order].tolist(),
                  field[order].tolist(), np.concatenate([p[3] for _, p in parts])[order].tolist())


@nb.njit(cache=True)
def field_groups(starts, width, codes, valid):  # noqa: ANN001, ANN201 - numba kernel
    """One key field's groups in creation order: (rows, bounds, first row, key code, window start) per group.

    Group g holds ``rows[bounds[g]:bounds[g + 1]]`` in row order: the rows with
    ``valid[codes[row]]`` of one (window start, code), groups numbered by
    their first row. Group ids come from a direct table when the
    (window, code) space is small (a block spans a few windows), else from
    an open-addressing hash table.

    >>> rows, bounds, first, code, start = field_groups(np.array([60, 0, 60, 0]), 60, np.array([1, 0, 1, 1]),
    ...                                                 np.array([True, True]))
    >>> rows.tolist(), bounds.tolist(), first.tolist(), code.tolist(), start.tolist()
    ([0, 2, 1, 3], [0, 2, 3, 4], [0, 1, 3], [1, 0, 1], [60, 0, 0])
    """
    n = len(codes)
    ncodes = max(1, len(valid))
    lo = hi = starts[0] if n else 0
    one = ordered = n > 0  # every row valid with one code (a ``dataset`` key); rows in time order
    for i in range(n):
        lo, hi = min(lo, starts[i]), max(hi, starts[i])
        one &= codes[i] == codes[0] and valid[codes[i]]
        ordered &= i == 0 or starts[i] >= starts[i - 1]
    if one and ordered:  # one group per window, each a run of rows
        return _runs(starts, codes[0])
    size = ((hi - lo) // width + 1) * ncodes  # (window, code) pairs
    dense = size <= 2 * n + 4096
    mask = 1
    while mask < 2 * n:
        mask <<= 1
    slot = np.full(size if dense else mask, -1, np.int64)
    hkeys = np.empty(0 if dense else mask, np.int64)
    mask -= 1
    group_of = np.empty(n, np.int64)
    first = np.empty(n, np.int64)
    counts = np.empty(n, np.int64)
    groups, last, window = 0, lo, 0
    for i in range(n):
        c = codes[i]
        if not valid[c]:
            group_of[i] = -1
            continue
        if starts[i] != last:  # rows come mostly in time order: one division per change of window
            last = starts[i]
            window = (last - lo) // width
        gid = window * ncodes + c
        if dense:
            g = slot[gid]
        else:
            h = (gid * -7046029254386353131) >> 29 & mask  # multiplicative hashing: middle bits of the product
            while slot[h] >= 0 and hkeys[h] != gid:
                h = (h + 1) & mask
            g = slot[h]
        if g < 0:
            g = groups
            groups += 1
            if dense:
                slot[gid] = g
            else:
                slot[h], hkeys[h] = g, gid
            first[g], counts[g] = i, 0
        counts[g] += 1
        group_of[i] = g
    bounds = np.zeros(groups + 1, np.int64)
    for g in range(groups):
        bounds[g + 1] = bounds[g] + counts[g]
    rows = np.empty(bounds[groups], np.int64)
    pos = bounds[:groups].copy()
    for i in range(n):
        g = group_of[i]
        if g >= 0:
            rows[pos[g]] = i
            pos[g] += 1
    firsts = first[:groups].copy()
    group_codes = np.empty(groups, np.int64)
    group_starts = np.empty(groups, np.int64)
    for g in range(groups):
        group_codes[g], group_starts[g] = codes[firsts[g]], starts[firsts[g]]
    return rows, bounds, firsts, group_codes, group_starts


@nb.njit(cache=True)
def _runs(starts, code):  # noqa: ANN001, ANN201 - numba kernel
    """``field_groups`` of rows in time order with one valid code: a group per run of equal window starts."""
    n = len(starts)
    heads = [0]
    for i in range(1, n):
        if starts[i] != starts[i - 1]:
            heads.append(i)
    firsts = np.array(heads, np.int64)
    bounds = np.empty(len(firsts) + 1, np.int64)
    bounds[:-1] = firsts
    bounds[-1] = n
    return np.arange(n), bounds, firsts, np.full(len(firsts), code, np.int64), starts[firsts]
