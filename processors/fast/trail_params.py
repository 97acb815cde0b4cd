"""Compiled rendering of CloudTrail parameters: JSON spans -> ``java_text`` text and compact flattened JSON.

``render_params`` writes, per row, the ``aws.cloudtrail`` members the
reference ``_params`` builds from requestParameters, responseElements,
additionalEventData and serviceEventDetails: the text form
(``processors.parsers._javamap.java_text``, ``{k=v, k2=[1, true]}``) and
the ``flattened`` object (the values as ``orjson.dumps`` writes them),
ordered as the reference inserts them. Each span is validated as strict
JSON on the way. A row is left to the per-value tables (``ok`` False)
when a value holds what this kernel does not reproduce: a backslash, a
float or exponent, ``-0``, an integer over 18 digits, a repeated key, a
``ConsoleLogin`` key in responseElements (the outcome reads it), more than
``MAX_KEYS`` keys open at once or deep nesting.

>>> import numpy as np
>>> from processors.fast.jsonscan import KeyTable
>>> keys = KeyTable(["requestParameters", "responseElements", "additionalEventData", "serviceEventDetails"])
>>> line = b'{"requestParameters": {"a": [1, true, null], "b": {}}, "responseElements": "x"}'
>>> data = np.frombuffer(line, np.uint8)
>>> status, vs, ve, kinds = keys.scan(data, np.array([0]), np.array([len(line)]))
>>> ok, offsets, out = render_params(data, vs, ve, kinds, np.arange(4), TARGETS, True, True)
>>> ok.tolist(), out[offsets[0]:offsets[1]].tobytes().decode()
([True], ',"request_parameters":"{a=[1, true, null], b={}}","flattened":{"request_parameters":{"a":[1,true,null],"b":{}}},"response_elements":"x"')
"""

from __future__ import annotations

import numba as nb
import numpy as np

from processors.fast.jsonscan import ABSENT, NULL, OBJ, STR
from processors.parsers.cloudtrail import PARAMS

MAX_KEYS = 512
MAX_DEPTH = 32
_NAMES = [t.encode() for t in PARAMS.values()]
TARGETS = (np.frombuffer(b"".join(_NAMES), np.uint8).copy(), np.cumsum([0] + [len(t) for t in _NAMES]).astype(np.int64))
_LOGIN = np.frombuffer(b'"ConsoleLogin"', np.uint8).copy()
_FLAT = np.frombuffer(b',"flattened":{', np.uint8).copy()


@nb.njit(inline="always")
def _put(out, pos, byte):  # noqa: ANN001, ANN202
    out[pos] = byte
    return pos + 1


@nb.njit(inline="always")
def _key(out, pos, tbuf, toff, p):  # noqa: ANN001, ANN202
    """``"<target p>":``"""
    pos = _put(out, pos, 34)
    out[pos:pos + toff[p + 1] - toff[p]] = tbuf[toff[p]:toff[p + 1]]
    pos += toff[p + 1] - toff[p]
    pos = _put(out, pos, 34)
    return _put(out, pos, 58)


@nb.njit(cache=True)
def transform(data, a, b, jout, jpos, cout, cpos, kstart, klen):  # noqa: ANN001, ANN201, C901, PLR0912, PLR0915
    """Validate the JSON value ``data[a:b]``; append its java text to ``jout`` and compact JSON to ``cout``.

    Returns (new jpos, new cpos), or (-1, -1) when the value is not one this kernel reproduces.
    """
    ctype = np.zeros(MAX_DEPTH, np.uint8)  # 1 object, 2 array
    kbase = np.zeros(MAX_DEPTH + 1, np.int64)
    kcount = np.zeros(MAX_DEPTH + 1, np.int64)
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
                while q < b and data[q] != 34:
                    if data[q] == 92 or data[q] < 32 or data[q] >= 127:
                        return -1, -1
                    q += 1
                if q >= b:
                    return -1, -1
                if state != 0:  # a key: no repeats in this object
                    d = depth
                    for i in range(kbase[d], kbase[d] + kcount[d]):
                        if klen[i] == q - p - 1:
                            same = True
                            for j in range(klen[i]):
                                if data[kstart[i] + j] != data[p + 1 + j]:
                                    same = False
                                    break
                            if same:
                                return -1, -1
                    slot = kbase[d] + kcount[d]
                    if slot >= MAX_KEYS:
                        return -1, -1
                    kstart[slot], klen[slot] = p + 1, q - p - 1
                    kcount[d] += 1
                for i in range(p + 1, q):
                    jpos = _put(jout, jpos, data[i])
                cout[cpos:cpos + q + 1 - p] = data[p:q + 1]
                cpos += q + 1 - p
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


@nb.njit(cache=True)
def render_params(data, vs, ve, kinds, pkeys, targets, text, flat):  # noqa: ANN001, ANN201, C901
    """(ok per row, row offsets into the output, output): the parameter members of each row (see the module doc)."""
    n = len(vs)
    tbuf, toff = targets
    total = 0
    for r in range(n):
        for p in range(4):
            total += ve[r, pkeys[p]] - vs[r, pkeys[p]]
    out = np.empty(3 * total + 160 * n + 16, np.uint8)
    offsets = np.zeros(n + 1, np.int64)
    ok = np.zeros(n, np.bool_)
    width = 1
    for r in range(n):
        for p in range(4):
            width = max(width, ve[r, pkeys[p]] - vs[r, pkeys[p]])
    jbuf = np.empty((4, 2 * width + 8), np.uint8)  # ", " for "," makes java text at most 1.5x the JSON
    cbuf = np.empty((4, width + 8), np.uint8)
    jlen = np.zeros(4, np.int64)
    clen = np.zeros(4, np.int64)
    kstart = np.empty(MAX_KEYS, np.int64)
    klen = np.empty(MAX_KEYS, np.int64)
    pos = 0
    for r in range(n):
        good = True
        dicts = 0
        for p in range(4):
            k = pkeys[p]
            kind = kinds[r, k]
            jlen[p] = -1
            if kind == ABSENT or kind == NULL:
                continue
            a, b = vs[r, k], ve[r, k]
            if p == 1:  # the outcome reads responseElements.ConsoleLogin: the tables decide
                for i in range(a, b - len(_LOGIN) + 1):
                    if data[i] == 34 and data[i + 1] == 67:
                        same = True
                        for j in range(len(_LOGIN)):
                            if data[i + j] != _LOGIN[j]:
                                same = False
                                break
                        if same:
                            good = False
            if kind == STR:
                jl, cl = 0, 0
                for i in range(a + 1, b - 1):
                    if data[i] == 92:
                        good = False
                    jbuf[p, jl] = data[i]
                    jl += 1
            else:
                jl, cl = transform(data, a, b, jbuf[p], 0, cbuf[p], 0, kstart, klen)
                if jl < 0:
                    good = False
            if not good:
                break
            jlen[p], clen[p] = jl, cl
            if kind == OBJ and cl > 2:
                dicts += 1
        if not good:
            offsets[r + 1] = pos
            continue
        ok[r] = True
        flat_done = False
        for p in range(4):
            if jlen[p] < 0:
                continue
            if text:
                pos = _key(out, _put(out, pos, 44), tbuf, toff, p)
                pos = _put(out, pos, 34)
                out[pos:pos + jlen[p]] = jbuf[p, :jlen[p]]
                pos += jlen[p]
                pos = _put(out, pos, 34)
            if flat and not flat_done and kinds[r, pkeys[p]] == OBJ and clen[p] > 2:
                flat_done = True
                out[pos:pos + len(_FLAT)] = _FLAT
                pos += len(_FLAT)
                first = True
                for q in range(p, 4):
                    if jlen[q] >= 0 and kinds[r, pkeys[q]] == OBJ and clen[q] > 2:
                        if not first:
                            pos = _put(out, pos, 44)
                        first = False
                        pos = _key(out, pos, tbuf, toff, q)
                        out[pos:pos + clen[q]] = cbuf[q, :clen[q]]
                        pos += clen[q]
                pos = _put(out, pos, 125)
        offsets[r + 1] = pos
    return ok, offsets, out
