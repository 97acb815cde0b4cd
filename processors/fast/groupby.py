"""Group-by on columns for the detectors' aggregation: segments, heavy hitters and distinct values per group.

Rows are grouped by (window, key) with one stable sort per key field; the
groups are then put in the order the per-event loop creates them (by first
row, then key field). Every group's rows stay in row order, so the
order-dependent parts of the detectors' sketches come out the same:

* ``misra_gries``: the ``TopCounter`` of each group's values, fed in row
  order, with its counters in the dict order the Python summary leaves;
* ``first_seen``: each group's distinct values in order of first
  occurrence (the exact set and the sample of a ``Distinct``).

>>> vals = np.array([1, 1, 2, 3, 1, 4, 4, 4, 5], np.int64)
>>> bounds = np.array([0, 5, 9], np.int64)
>>> v, c, b, t = misra_gries(vals, bounds, 2, 6)
>>> v.tolist(), c.tolist(), b.tolist(), t.tolist()
([1, 4, 5], [2, 3, 1], [0, 1, 3], [5, 4])
>>> v, b = first_seen(vals, bounds, 6)
>>> v.tolist(), b.tolist()
([1, 2, 3, 4, 5], [0, 3, 5])
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np


@nb.njit(cache=True)
def misra_gries(vals, bounds, capacity, nvalues):  # noqa: ANN001, ANN201 - numba kernel
    """(values, counts, offsets, totals): each group's ``TopCounter(capacity).update(values)``, in dict order."""
    groups = len(bounds) - 1
    slot = np.full(nvalues, -1, np.int64)
    keys = np.empty(capacity, np.int64)
    counts = np.empty(capacity, np.int64)
    out_v = np.empty(len(vals), np.int64)
    out_c = np.empty(len(vals), np.int64)
    offsets = np.zeros(groups + 1, np.int64)
    totals = np.zeros(groups, np.int64)
    pos = 0
    for g in range(groups):
        used = 0
        for i in range(bounds[g], bounds[g + 1]):
            v = vals[i]
            k = slot[v]
            if k >= 0:
                counts[k] += 1
            elif used < capacity:
                keys[used], counts[used], slot[v] = v, 1, used
                used += 1
            else:  # full: every counter loses one, those at one leave (surviving order kept)
                j = 0
                for k2 in range(used):
                    if counts[k2] <= 1:
                        slot[keys[k2]] = -1
                    else:
                        keys[j], counts[j], slot[keys[k2]] = keys[k2], counts[k2] - 1, j
                        j += 1
                used = j
        totals[g] = bounds[g + 1] - bounds[g]
        for k in range(used):
            out_v[pos], out_c[pos] = keys[k], counts[k]
            slot[keys[k]] = -1
            pos += 1
        offsets[g + 1] = pos
    return out_v[:pos], out_c[:pos], offsets, totals


@nb.njit(cache=True)
def first_seen(vals, bounds, nvalues):  # noqa: ANN001, ANN201 - numba kernel
    """(values, offsets): each group's distinct values in order of first occurrence."""
    groups = len(bounds) - 1
    stamp = np.full(nvalues, -1, np.int64)
    out = np.empty(len(vals), np.int64)
    offsets = np.zeros(groups + 1, np.int64)
    pos = 0
    for g in range(groups):
        for i in range(bounds[g], bounds[g + 1]):
            v = vals[i]
            if stamp[v] != g:
                stamp[v] = g
                out[pos] = v
                pos += 1
        offsets[g + 1] = pos
    return out[:pos], offsets


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

    def select(self, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, bounds) of the rows where ``keep[row]``, same groups (some may become empty)."""
        mask = keep[self.rows]
        counts = np.add.reduceat(mask.astype(np.int64), self.bounds[:-1]) if len(self) else np.zeros(0, np.int64)
        bounds = np.zeros(len(self) + 1, np.int64)
        np.cumsum(counts, out=bounds[1:])
        return self.rows[mask], bounds


def group_rows(starts: np.ndarray, width: int, keys: list[tuple[np.ndarray, np.ndarray]]) -> Groups:
    """Group rows by window start and key code, one key field after another.

    ``starts`` holds each row's window start; ``keys`` one ``(codes,
    valid)`` pair per key field (a row joins field j's group only where
    ``valid[codes[row]]``).

    >>> starts = np.array([0, 60, 0, 0], np.int64)
    >>> g = group_rows(starts, 60, [(np.array([1, 1, 0, 1]), np.array([True, True]))])
    >>> g.rows.tolist(), g.bounds.tolist(), g.starts, g.codes
    ([0, 3, 1, 2], [0, 2, 3, 4], [0, 60, 0], [1, 1, 0])
    """
    n = len(starts)
    base = int(starts.min()) if n else 0
    window = (starts - base) // width
    parts_rows, parts_first, parts_field, parts_code, parts_window, parts_len = [], [], [], [], [], []
    for j, (codes, valid) in enumerate(keys):
        rows = np.flatnonzero(valid[codes]) if not valid.all() else np.arange(n)
        if not len(rows):
            continue
        ncodes = max(1, len(valid))
        gid = window[rows] * ncodes + codes[rows]
        order = np.argsort(gid, kind="stable")
        sorted_rows, sorted_gid = rows[order], gid[order]
        heads = np.flatnonzero(np.r_[True, sorted_gid[1:] != sorted_gid[:-1]])
        parts_rows.append(sorted_rows)
        parts_first.append(sorted_rows[heads])
        parts_field.append(np.full(len(heads), j, np.int64))
        parts_code.append(sorted_gid[heads] % ncodes)
        parts_window.append(sorted_gid[heads] // ncodes)
        parts_len.append(np.diff(np.r_[heads, len(sorted_rows)]))
    if not parts_rows:
        return Groups(np.zeros(0, np.int64), np.zeros(1, np.int64), [], [], [])
    all_rows = np.concatenate(parts_rows)
    first, field = np.concatenate(parts_first), np.concatenate(parts_field)
    lengths = np.concatenate(parts_len)
    src = np.zeros(len(lengths), np.int64)
    np.cumsum(lengths[:-1], out=src[1:])
    order = np.lexsort((field, first))  # creation order: first row, then key field
    lengths, src = lengths[order], src[order]
    bounds = np.zeros(len(order) + 1, np.int64)
    np.cumsum(lengths, out=bounds[1:])
    index = np.repeat(src - bounds[:-1], lengths) + np.arange(int(bounds[-1]))
    win = np.concatenate(parts_window)[order]
    return Groups(all_rows[index], bounds, (win * width + base).tolist(), field[order].tolist(),
                  np.concatenate(parts_code)[order].tolist())
