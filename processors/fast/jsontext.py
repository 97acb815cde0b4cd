"""A compiled, validating JSON transformer: one value's span -> ``java_text`` text and compact JSON.

``transform`` checks a JSON value strictly (the grammar, no repeated key in
an object) while it writes the text ``processors.parsers._javamap.java_text``
makes of the decoded value and the compact JSON ``orjson.dumps`` writes. It
declines (returns -1) what it does not reproduce exactly: a backslash in a
string, a float or exponent, ``-0``, an integer over 18 digits, more than
``MAX_KEYS`` keys open at once, nesting deeper than ``MAX_DEPTH``. Declining
never means the value is invalid, only that the reference decides.

>>> import numpy as np
>>> data = np.frombuffer(b'{"a": [1, true, null], "b": {"c": "d"}}', np.uint8)
>>> j, c = np.empty(64, np.uint8), np.empty(64, np.uint8)
>>> jl, cl = transform(data, 0, len(data), j, 0, c, 0, *scratch())
>>> j[:jl].tobytes(), c[:cl].tobytes()
(b'{a=[1, true, null], b={c=d}}', b'{"a":[1,true,null],"b":{"c":"d"}}')
>>> bad = np.frombuffer(b'{"a": 1, "a": 2}', np.uint8)
>>> transform(bad, 0, len(bad), j, 0, c, 0, *scratch())
(-1, -1)
"""

from __future__ import annotations

import numba as nb
import numpy as np

from processors.fast.words import copy, first_special, load, same

MAX_KEYS = 512
MAX_DEPTH = 32


def scratch() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The work arrays ``transform`` takes (key starts, key lengths, the nesting stack): allocate once, reuse."""
    return np.empty(MAX_KEYS, np.int64), np.empty(MAX_KEYS, np.int64), np.empty((3, MAX_DEPTH + 1), np.int64)


@nb.njit(inline="always")
def _put(out, pos, byte):  # noqa: ANN001, ANN202
    out[pos] = byte
    return pos + 1



@nb.njit(cache=True)
def transform(data, a, b, jout, jpos, cout, cpos, kstart, klen, stack):  # noqa: ANN001, ANN201, C901, PLR0912, PLR0915
    """Validate the JSON value ``data[a:b]``; append its java text to ``jout`` and compact JSON to ``cout``.

    Returns (new jpos, new cpos), or (-1, -1) when the value is not one this kernel reproduces.
    ``kstart``, ``klen``, ``stack``: work arrays from ``scratch()`` (no allocation per value).
    """
    ctype, kbase, kcount = stack[0], stack[1], stack[2]  # 1 object, 2 array; keys of each open object
    kbase[0], kcount[0] = 0, 0
    depth = 0
    state = 0  # 0 expect value, 1 after value, 2 expect key (or close), 3 expect colon, 4 expect key (after comma)
    p = a
    while p < b:
        c = data[p]
        if c == 32 or c == 9 or c == 10 or c == 13:
            p += 1
            continue
        if state == 0 or state == 2 or state == 4:
            if state != 0 and c != 34:
                if state == 2 and c == 125:  # empty object
                    depth -= 1
                    jpos = _put(jout, jpos, 125)
                    cpos = _put(cout, cpos, 125)
                    p += 1
                    state = 1
                    continue
                return -1, -1
            if c == 34:
                q = p + 1
                while q + 8 <= b:  # eight bytes at a time to the first quote or byte not allowed
                    k = first_special(load(data, q))
                    q += k
                    if k < 8:
                        break
                while q < b and data[q] != 34:
                    if data[q] == 92 or data[q] < 32 or data[q] >= 127:
                        return -1, -1
                    q += 1
                if q >= b:
                    return -1, -1
                if state != 0:  # a key: no repeats in this object
                    d = depth
                    for i in range(kbase[d], kbase[d] + kcount[d]):
                        if klen[i] == q - p - 1 and same(data, kstart[i], data, p + 1, klen[i]):
                            return -1, -1
                    slot = kbase[d] + kcount[d]
                    if slot >= MAX_KEYS:
                        return -1, -1
                    kstart[slot], klen[slot] = p + 1, q - p - 1
                    kcount[d] += 1
                jpos = copy(jout, jpos, data, p + 1, q)
                cpos = copy(cout, cpos, data, p, q + 1)
                p = q + 1
                state = 3 if state != 0 else 1
                continue
            if c == 123 or c == 91:
                if depth >= MAX_DEPTH - 1:
                    return -1, -1
                depth += 1
                ctype[depth] = 1 if c == 123 else 2
                kbase[depth] = kbase[depth - 1] + kcount[depth - 1]
                kcount[depth] = 0
                jpos = _put(jout, jpos, c)
                cpos = _put(cout, cpos, c)
                p += 1
                state = 2 if c == 123 else 0
                if c == 91:  # an empty array closes at once
                    q = p
                    while q < b and (data[q] == 32 or data[q] == 9 or data[q] == 10 or data[q] == 13):
                        q += 1
                    if q < b and data[q] == 93:
                        depth -= 1
                        jpos = _put(jout, jpos, 93)
                        cpos = _put(cout, cpos, 93)
                        p = q + 1
                        state = 1
                continue
            if c == 116 or c == 102 or c == 110:
                n = 4 if c != 102 else 5
                if p + n > b:
                    return -1, -1
                word = (116, 114, 117, 101, 0) if c == 116 else ((102, 97, 108, 115, 101) if c == 102 else
                                                                 (110, 117, 108, 108, 0))
                for i in range(n):
                    if data[p + i] != word[i]:
                        return -1, -1
                    jpos = _put(jout, jpos, data[p + i])
                    cpos = _put(cout, cpos, data[p + i])
                p += n
                state = 1
                continue
            if c == 45 or (48 <= c <= 57):
                q = p + 1 if c == 45 else p
                start = q
                while q < b and 48 <= data[q] <= 57:
                    q += 1
                digits = q - start
                if digits == 0 or digits > 18 or (digits > 1 and data[start] == 48) or (c == 45 and data[start] == 48):
                    return -1, -1
                if q < b and (data[q] == 46 or data[q] == 101 or data[q] == 69):
                    return -1, -1
                for i in range(p, q):
                    jpos = _put(jout, jpos, data[i])
                    cpos = _put(cout, cpos, data[i])
                p = q
                state = 1
                continue
            return -1, -1
        if state == 3:
            if c != 58:
                return -1, -1
            jpos = _put(jout, jpos, 61)
            cpos = _put(cout, cpos, 58)
            p += 1
            state = 0
            continue
        # state 1: after a value
        if depth == 0:
            return -1, -1
        if c == 44:
            jpos = _put(jout, jpos, 44)
            jpos = _put(jout, jpos, 32)
            cpos = _put(cout, cpos, 44)
            p += 1
            state = 4 if ctype[depth] == 1 else 0
            continue
        if (c == 125 and ctype[depth] == 1) or (c == 93 and ctype[depth] == 2):
            depth -= 1
            jpos = _put(jout, jpos, c)
            cpos = _put(cout, cpos, c)
            p += 1
            continue
        return -1, -1
    if depth != 0 or state != 1:
        return -1, -1
    return jpos, cpos
