"""Per-block document fragments of the VPC flow fast path that depend on a few repeating tokens only.

Two runs of a VPC flow document depend on nothing but the line's
version, account, interface, action and log status (a block has a few
dozen distinct combinations for ~150k lines):

* head: ``"aws":{"vpcflow":{...}},"event":{"kind":"event",...,"start":"``;
* middle: ``","action":"ACCEPT","outcome":"success",...,"@timestamp":"``.

``Fragments.build`` finds the combinations (the version-account-interface
span and the action-status span are contiguous in a fast line, so two span
dictionaries and one integer dictionary), renders both fragments once per
combination with the same literals as the render kernel, and gives each
row its combination code; the kernel then copies two fragments instead of
nineteen small pieces. The span dictionary also yields the account and
interface columns of the detectors (codes in order of first appearance,
as ``scan.dictionary`` numbers them).

>>> import numpy as np
>>> from processors.fast.scan import scan_v2, split_lines
>>> data = np.frombuffer(b"2 1 eni-1 10.0.0.1 8.8.8.8 5 53 17 1 60 100 160 REJECT OK\\n"
...                      b"2 2 eni-1 10.0.0.1 8.8.8.8 5 53 17 1 60 100 160 ACCEPT OK\\n", np.uint8)
>>> status, fs, fe, ints, ips = scan_v2(data, *split_lines(data))
>>> f = Fragments.build(data, fs, fe)
>>> f.codes.tolist(), f.columns[1], f.columns[2]
([0, 1], (array([0, 1]), ['1', '2']), (array([0, 0]), ['eni-1']))
>>> bytes(f.buf[f.off[0]:f.off[1]])[-40:]
b'"type":["connection","denied"],"start":"'
>>> bytes(f.buf[f.off[1]:f.off[2]])
b'","action":"REJECT","outcome":"failure","dataset":"aws.vpcflow"},"cloud":{"account":{"id":"1"},"provider":"aws"},"@timestamp":"'
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from processors.fast.render import _copy, _lit
from processors.fast.scan import distinct_codes, token_codes
from processors.fast.words import same, span_hash

HEADS, TAILS = 2048, 64  # the kernel's capacity; a block with more distinct spans takes the general dictionaries


@nb.njit(cache=True)
def render_fragments(data, fs, fe, rows_a, rows_b):  # noqa: ANN001, ANN201 - numba kernel
    """Head and middle fragment per combination: fields 0-2 from row ``rows_a[c]``, 12-13 from ``rows_b[c]``."""
    n = len(rows_a)
    size = 0
    for c in range(n):
        a, b = rows_a[c], rows_b[c]
        size += 2 * (fe[a, 2] - fs[a, 0] + fe[b, 13] - fs[b, 12]) + 512
    out = np.empty(size, np.uint8)
    off = np.empty(2 * n + 1, np.int64)
    pos = 0
    off[0] = 0
    for c in range(n):
        a, b = rows_a[c], rows_b[c]
        pos = _lit(out, pos, 3)
        pos = _copy(out, pos, data, fs[a, 0], fe[a, 0])
        pos = _lit(out, pos, 4)
        pos = _copy(out, pos, data, fs[a, 1], fe[a, 1])
        pos = _lit(out, pos, 5)
        pos = _copy(out, pos, data, fs[a, 2], fe[a, 2])
        pos = _lit(out, pos, 6)
        pos = _copy(out, pos, data, fs[b, 12], fe[b, 12])
        pos = _lit(out, pos, 7)
        pos = _copy(out, pos, data, fs[b, 13], fe[b, 13])
        pos = _lit(out, pos, 8)
        reject = data[fs[b, 12]] == 82  # 'R'
        if reject:
            pos = _lit(out, pos, 9)
        pos = _lit(out, pos, 10)
        off[2 * c + 1] = pos
        pos = _lit(out, pos, 29)
        pos = _copy(out, pos, data, fs[b, 12], fe[b, 12])
        pos = _lit(out, pos, 13 if reject else 12)
        pos = _lit(out, pos, 14)
        pos = _copy(out, pos, data, fs[a, 1], fe[a, 1])
        pos = _lit(out, pos, 15)
        off[2 * c + 2] = pos
    return out[:pos], off


@nb.njit(cache=True)
def combo_codes(data, fs, fe):  # noqa: ANN001, ANN201 - numba kernel
    """``token_codes`` of the version-account-interface span and of the action-status span, and the code of
    each row's pair of them, all numbered in order of first appearance, in one pass over small tables.

    Returns ok=False (and garbage) when a block has more than ``HEADS`` or ``TAILS`` distinct spans.
    """
    n = len(fs)
    codes = np.empty((2, n), np.int64)  # head and tail code per row
    combo = np.empty(n, np.int64)
    firsts = np.empty((2, HEADS), np.int64)  # first row of each head (0) and tail (1) span
    tables = np.full((2, 4 * HEADS), -1, np.int64)
    pairs = np.full(HEADS * TAILS, -1, np.int64)
    combos = np.empty(HEADS * TAILS, np.int64)
    counts, count = np.zeros(2, np.int64), 0
    for r in range(n):
        for k in range(2):  # the head span (fields 0-2), then the tail span (12-13)
            lo, hi, cap = (0, 2, HEADS) if k == 0 else (12, 13, TAILS)
            a, b = fs[r, lo], fe[r, hi]
            slot = np.int64(span_hash(data, a, b) & np.uint64(4 * cap - 1))
            while True:
                code = tables[k, slot]
                if code < 0:
                    if counts[k] == cap:
                        return False, codes[0], firsts[0], codes[1], firsts[1], combo, combos
                    code = tables[k, slot] = counts[k]
                    firsts[k, code] = r
                    counts[k] += 1
                    break
                f = firsts[k, code]
                if fe[f, hi] - fs[f, lo] == b - a and same(data, fs[f, lo], data, a, b - a):
                    break
                slot = (slot + 1) & (4 * cap - 1)
            codes[k, r] = code
        c = pairs[codes[0, r] * TAILS + codes[1, r]]
        if c < 0:
            c = pairs[codes[0, r] * TAILS + codes[1, r]] = count
            combos[count] = codes[0, r] * TAILS + codes[1, r]
            count += 1
        combo[r] = c
    return True, codes[0], firsts[0, :counts[0]], codes[1], firsts[1, :counts[1]], combo, combos[:count]


def _split_columns(data: np.ndarray, fs: np.ndarray, fe: np.ndarray, codes: np.ndarray,
                   firsts: np.ndarray) -> dict[int, tuple[np.ndarray, list[str]]]:
    """Account (1) and interface (2) columns from the version-account-interface span dictionary.

    A value's first row is the first row of the first span holding it, so numbering the values
    while walking the spans in code order gives ``scan.dictionary``'s order of first appearance.
    """
    out = {}
    spans = [data[fs[r, 0]:fe[r, 2]].tobytes().decode().split(" ") for r in firsts.tolist()]
    for field in (1, 2):
        numbers: dict[str, int] = {}
        remap = np.array([numbers.setdefault(s[field], len(numbers)) for s in spans], np.int64)
        out[field] = (remap[codes], list(numbers))
    return out


def _action_column(data: np.ndarray, fs: np.ndarray, tail: np.ndarray,
                   tail_rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The action column (``scan.dictionary`` of field 12) from the action-status span codes: each span starts
    with ``ACCEPT`` or ``REJECT``, and the first span is the first row's."""
    if not len(tail):
        return np.zeros(0, np.int64), []
    reject = data[fs[tail_rows, 12]] == 82  # 'R'
    per_span = (reject != reject[0]).astype(np.int64)
    names = ["REJECT", "ACCEPT"] if reject[0] else ["ACCEPT", "REJECT"]
    return per_span[tail], names[: 1 + int(per_span.any())]


@dataclass(slots=True)
class Fragments:
    """A combination code per row, the two fragments per combination (``buf[off[2c]:off[2c+2]]``), columns 1, 2
    (account, interface) and 12 (action)."""

    codes: np.ndarray
    buf: np.ndarray
    off: np.ndarray
    columns: dict[int, tuple[np.ndarray, list[str]]]

    @classmethod
    def build(cls, data: np.ndarray, fs: np.ndarray, fe: np.ndarray, general: bool = False) -> Fragments:
        """``general``: the hash-table dictionaries of any size (taken anyway when the small tables overflow)."""
        ok, head, head_rows, tail, tail_rows, codes, combos = combo_codes(data, fs, fe)
        width = TAILS
        if general or not ok:
            head, head_rows = token_codes(data, fs[:, 0], fe[:, 2])
            tail, tail_rows = token_codes(data, fs[:, 12], fe[:, 13])
            width = max(1, len(tail_rows))
            codes, combos = distinct_codes(head * width + tail)
        buf, off = render_fragments(data, fs, fe, head_rows[combos // width], tail_rows[combos % width])
        columns = _split_columns(data, fs, fe, head, head_rows)
        columns[12] = _action_column(data, fs, tail, tail_rows)
        return cls(codes, buf, off, columns)
