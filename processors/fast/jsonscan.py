"""Compiled scanning of JSON-object lines: the value span and kind of every known top-level key.

``scan_objects`` walks each line once. A line is ``FAST`` when it is one
JSON object of printable ASCII whose keys are in the key table (no escapes
in keys, no key twice; for other keys see ``KeyTable``); for each key it
records the value's byte span and kind. Strings keep their quotes; ``STR``
strings hold no backslash, so their raw bytes are exactly what
``orjson.dumps`` writes for the decoded value. Nested objects and arrays
are skipped bracket by bracket (strings inside checked the same way); their
syntax, and that of numbers, is left to ``orjson.loads`` of the span, which
the caller runs once per distinct span. Anything else (non-ASCII bytes,
control characters, unknown or repeated keys, stray bytes, nesting deeper
than ``MAX_DEPTH``) is ``SLOW``: the reference chain decides.

>>> import numpy as np
>>> keys = KeyTable(["a", "bb"])
>>> line = b'{"a": "x", "bb": [1, {"c": "}"}]}\\n{"a": 1, "z": 2}'
>>> data = np.frombuffer(line, np.uint8)
>>> status, vs, ve, kinds = keys.scan(data, np.array([0, 34]), np.array([33, 50]))
>>> status.tolist(), kinds.tolist()  # the slow line keeps no spans
([0, 1], [[2, 8], [0, 0]])
>>> bytes(data[vs[0, 1]:ve[0, 1]])
b'[1, {"c": "}"}]'
"""

from __future__ import annotations

import numba as nb
import numpy as np

from processors.fast.jsontext import MAX_KEYS, scratch, transform
from processors.fast.scan import _equals
from processors.fast.spantable import intern, span_table
from processors.fast.words import first_special, load, same, span_hash

FAST, SLOW, BLANK = 0, 1, 2
ABSENT, NULL, STR, STR_ESC, TRUE, FALSE, NUM, OBJ, ARR = range(9)
MAX_DEPTH = 64
WAYS = 8  # remembered values per key (``KeyTable.scan_interned``)
MIN_REMEMBERED = 16  # shorter values are walked: comparing them costs about as much


@nb.njit(cache=True)
def _key_hashes(buf, off):  # noqa: ANN001, ANN202
    return np.array([span_hash(buf, off[i], off[i + 1]) for i in range(len(off) - 1)], np.uint64)


def _packed(keys: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bytes, offsets, open-addressing slots on ``words.span_hash``) of a key list, for ``_lookup``."""
    raw = [k.encode() for k in keys]
    buf = np.frombuffer(b"".join(raw) or b"\0", np.uint8).copy()
    off = np.cumsum([0] + [len(k) for k in raw]).astype(np.int64)
    size = 16
    while size < 4 * len(raw):
        size *= 2
    slots = np.full(size, -1, np.int64)
    for index, h in enumerate(_key_hashes(buf, off).tolist() if raw else []):
        slot = h & (size - 1)
        while slots[slot] >= 0:
            slot = (slot + 1) & (size - 1)
        slots[slot] = index
    return buf, off, slots


class KeyTable:
    """The known keys, packed for the kernel.

    ``others``: what to do with any other key. None: the line is ``SLOW``.
    A list: those keys make the line ``SLOW`` and every other key is
    skipped, its value checked strictly (``processors.fast.jsontext``; a
    value it declines makes the line ``SLOW``).
    """

    def __init__(self, keys: list[str], others: list[str] | None = None):
        self.keys = list(keys)
        self.buf, self.off, self.slots = _packed(self.keys)
        self.skip_others = others is not None
        self.other_buf, self.other_off, self.other_slots = _packed(list(others or []))

    def index(self, key: str) -> int:
        return self.keys.index(key)

    def scan(self, data: np.ndarray, starts: np.ndarray, ends: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(status, value starts, value ends, kinds) per line; spans are offsets into ``data``."""
        return self.scan_interned(data, starts, ends, {})[:4]

    def scan_interned(self, data: np.ndarray, starts: np.ndarray, ends: np.ndarray, interned: dict[str, bool],
                      remembered: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``scan`` that also interns the values of the keys ``interned`` names (``processors.fast.spantable``).

        ``interned``: key -> only values of kind NUM, OBJ, ARR or STR_ESC. The fifth array has a column per
        interned key (in the dict's order): the span's code, -1 when not interned (absent key, other kind),
        ``spantable.FULL`` when the table was full. ``remembered``: keys whose long string, object and array
        values repeat (identities, TLS details, user agents): the scanner keeps the last ``WAYS`` distinct
        values of each and takes a value equal to one of them without walking it (see ``_recall``).
        """
        n, k = len(starts), len(self.keys)
        vs = np.zeros((n, k), np.int64)
        ve = np.zeros((n, k), np.int64)
        kinds = np.zeros((n, k), np.int8)
        hcol = np.full(k, -1, np.int64)
        hvalued = np.zeros(k, np.bool_)
        for j, (key, valued) in enumerate(interned.items()):
            hcol[self.index(key)], hvalued[self.index(key)] = j, valued
        codes = np.full((n, len(interned)), -1, np.int64)
        rcol = np.full(k, -1, np.int64)
        for j, key in enumerate(remembered):
            rcol[self.index(key)] = j
        memory = (rcol, np.full((max(len(remembered), 1), WAYS, 4), -1, np.int64), np.zeros(max(len(remembered), 1), np.int64))
        width = int((ends - starts).max(initial=0))
        work = (np.empty(2 * width + 16, np.uint8), np.empty(width + 16, np.uint8), *scratch())
        status = scan_objects(data, starts, ends, self.buf, self.off, self.slots, vs, ve, kinds, self.skip_others,
                              self.other_buf, self.other_off, self.other_slots, work,
                              (hcol, hvalued, codes, span_table(n if len(interned) else 0)), memory)
        return status, vs, ve, kinds, codes


@nb.njit(inline="always")
def _ws(data, p, b):  # noqa: ANN001, ANN202
    while p < b and (data[p] == 32 or data[p] == 9 or data[p] == 10 or data[p] == 13):
        p += 1
    return p


# byte class inside a string: 0 plain, 1 quote, 2 backslash, 3 not allowed (control, non-ASCII)
_CLASS = np.zeros(256, np.uint8)
_CLASS[:32] = 3
_CLASS[127:] = 3
_CLASS[34], _CLASS[92] = 1, 2


@nb.njit(inline="always")
def _string(data, p, b):  # noqa: ANN001, ANN202
    """From the byte after an opening quote: (index after the closing quote or -1, saw a backslash)."""
    esc = False
    while p < b:
        if p + 8 <= b:  # eight bytes at a time to the first quote, backslash or byte not allowed
            k = first_special(load(data, p))
            p += k
            if k == 8:
                continue
        else:
            while p < b and _CLASS[data[p]] == 0:
                p += 1
            if p >= b:
                break
        c = data[p]
        if c == 34:
            return p + 1, esc
        if c == 92:
            esc = True
            p += 2
            continue
        if c < 32 or c >= 127:
            return -1, esc
        p += 1
    return -1, esc


@nb.njit(inline="always")
def _word(data, p, b, word):  # noqa: ANN001, ANN202
    return p + len(word) <= b and _equals(data, p, p + len(word), word)


@nb.njit(inline="always")
def _lookup(data, a, z, buf, off, slots):  # noqa: ANN001, ANN202
    mask = len(slots) - 1
    slot = np.int64(span_hash(data, a, z) & np.uint64(mask))
    while True:
        k = slots[slot]
        if k < 0:
            return -1
        if off[k + 1] - off[k] == z - a and same(buf, off[k], data, a, z - a):
            return k
        slot = (slot + 1) & mask


_TRUE = np.frombuffer(b"true", np.uint8).copy()
_FALSE = np.frombuffer(b"false", np.uint8).copy()
_NULL = np.frombuffer(b"null", np.uint8).copy()


@nb.njit(inline="always")
def _nested(data, p, b):  # noqa: ANN001, ANN202
    """From an opening bracket: the index after its matching closer, or -1."""
    depth = 0
    while p < b:
        c = data[p]
        if c == 34:
            p, _ = _string(data, p + 1, b)
            if p < 0:
                return -1
            continue
        if c == 123 or c == 91:
            depth += 1
            if depth > MAX_DEPTH:
                return -1
        elif c == 125 or c == 93:
            depth -= 1
            if depth == 0:
                return p + 1
        elif c < 32 or c >= 127:
            if c != 10 and c != 13 and c != 9:
                return -1
        p += 1
    return -1


@nb.njit(inline="always")
def _value(data, p, b):  # noqa: ANN001, ANN202
    """(end of the value starting at ``p`` or -1, its kind)."""
    c = data[p]
    if c == 34:
        end, esc = _string(data, p + 1, b)
        return end, STR_ESC if esc else STR
    if c == 123 or c == 91:
        return _nested(data, p, b), OBJ if c == 123 else ARR
    if c == 116:
        return (p + 4, TRUE) if _word(data, p, b, _TRUE) else (-1, 0)
    if c == 102:
        return (p + 5, FALSE) if _word(data, p, b, _FALSE) else (-1, 0)
    if c == 110:
        return (p + 4, NULL) if _word(data, p, b, _NULL) else (-1, 0)
    if c == 45 or (48 <= c <= 57):
        q = p + 1
        while q < b and ((48 <= data[q] <= 57) or data[q] == 46 or data[q] == 101 or data[q] == 69
                         or data[q] == 43 or data[q] == 45):
            q += 1
        return q, NUM
    return -1, 0


@nb.njit(inline="always")
def _recall(data, p, b, ways):  # noqa: ANN001, ANN202
    """The way whose remembered value the bytes at ``p`` repeat, or -1.

    A string, object or array ends where its own bytes say (the closing quote or bracket), so bytes at ``p``
    equal to a value the scanner accepted before are that value, with its end, kind and code. The last word
    is compared first: remembered values of a key often share long prefixes (TLS details, role sessions).
    """
    for w in range(len(ways)):
        a = ways[w, 0]
        length = ways[w, 1] - a
        if a >= 0 and p + length <= b and load(data, a + length - 8) == load(data, p + length - 8) \
                and same(data, a, data, p, length):
            return w
    return -1


@nb.njit(cache=True)
def scan_objects(data, starts, ends, buf, off, slots, vs, ve, kinds, skip_others, obuf, ooff, oslots,  # noqa: ANN001, ANN201, C901
                 scratch, interning, memory):
    n = len(starts)
    rcol, ways, turn = memory
    jbuf, cbuf, kstart, klen, stack = scratch
    hcol, hvalued, codes, table = interning
    status = np.empty(n, np.int8)
    order = np.full(MAX_KEYS, -1, np.int64)  # the key at each position of the previous line: the likely next key
    last = np.full((codes.shape[1], 3), -1, np.int64)  # per interned key: span and code of its previous value
    for r in range(n):
        a, b = starts[r], ends[r]
        at = 0
        p = _ws(data, a, b)
        if p == b:
            status[r] = BLANK
            continue
        status[r] = SLOW
        if data[p] != 123:
            continue
        p = _ws(data, p + 1, b)
        ok = False
        while p < b and data[p] == 34:
            k = order[at] if at < MAX_KEYS else -1
            if k >= 0:  # the key at this position on the previous line: its bytes and a closing quote?
                kend = p + 1 + off[k + 1] - off[k]
                if kend < b and data[kend] == 34 and same(buf, off[k], data, p + 1, kend - p - 1):
                    kend += 1  # a known key's bytes are plain: this is the string _string would find
                else:
                    k = -1
            if k < 0:
                kend, esc = _string(data, p + 1, b)
                if kend < 0 or esc:
                    break
                k = _lookup(data, p + 1, kend - 1, buf, off, slots)
                if at < MAX_KEYS:
                    order[at] = k
            at += 1
            if k < 0 and (not skip_others or _lookup(data, p + 1, kend - 1, obuf, ooff, oslots) >= 0):
                break
            if k >= 0 and kinds[r, k] != ABSENT:
                break
            p = _ws(data, kend, b)
            if p >= b or data[p] != 58:
                break
            p = _ws(data, p + 1, b)
            if p >= b:
                break
            m = rcol[k] if k >= 0 else -1
            w = _recall(data, p, b, ways[m]) if m >= 0 else -1
            if w >= 0:  # equal to a value seen before: same end, kind and code
                end, kind = p + ways[m, w, 1] - ways[m, w, 0], ways[m, w, 2]
            else:
                end, kind = _value(data, p, b)
                if end < 0:
                    break
            if k >= 0:
                vs[r, k], ve[r, k], kinds[r, k] = p, end, kind
                j = hcol[k]
                if w >= 0 and j >= 0:
                    codes[r, j] = ways[m, w, 3]
                elif j >= 0 and (not hvalued[k] or kind == NUM or kind == OBJ or kind == ARR or kind == STR_ESC):
                    # the value's bytes are in cache now; most keys repeat the previous line's value
                    if last[j, 2] >= 0 and last[j, 1] - last[j, 0] == end - p and same(data, last[j, 0], data, p,
                                                                                        end - p):
                        codes[r, j] = last[j, 2]
                    else:
                        codes[r, j] = intern(data, p, end, table)
                        last[j, 0], last[j, 1], last[j, 2] = p, end, codes[r, j]
                if m >= 0 and w < 0 and end - p >= MIN_REMEMBERED and (kind == STR or kind == OBJ or kind == ARR):
                    w = turn[m]
                    turn[m] = (w + 1) % WAYS
                    ways[m, w, 0], ways[m, w, 1], ways[m, w, 2] = p, end, kind
                    ways[m, w, 3] = codes[r, j] if j >= 0 else -1
            elif transform(data, p, end, jbuf, 0, cbuf, 0, kstart, klen, stack)[0] < 0:
                break  # an ignored key's value must still be one the reference reads without error
            p = _ws(data, end, b)
            if p < b and data[p] == 44:
                p = _ws(data, p + 1, b)
                continue
            if p < b and data[p] == 125:
                ok = _ws(data, p + 1, b) == b
            break
        if ok:
            status[r] = FAST
        else:
            for k in range(kinds.shape[1]):
                kinds[r, k] = ABSENT
    return status
