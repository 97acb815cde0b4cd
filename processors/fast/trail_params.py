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
from processors.fast.jsontext import MAX_DEPTH, MAX_KEYS, _put, transform
from processors.fast.words import copy
from processors.parsers.cloudtrail import PARAMS

_NAMES = [t.encode() for t in PARAMS.values()]
TARGETS = (np.frombuffer(b"".join(_NAMES), np.uint8).copy(), np.cumsum([0] + [len(t) for t in _NAMES]).astype(np.int64))
_LOGIN = np.frombuffer(b'"ConsoleLogin"', np.uint8).copy()
_FLAT = np.frombuffer(b',"flattened":{', np.uint8).copy()


@nb.njit(inline="always")
def _key(out, pos, tbuf, toff, p):  # noqa: ANN001, ANN202
    """``"<target p>":``"""
    pos = _put(out, pos, 34)
    pos = copy(out, pos, tbuf, toff[p], toff[p + 1])
    pos = _put(out, pos, 34)
    return _put(out, pos, 58)


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
    stack = np.empty((3, MAX_DEPTH + 1), np.int64)
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
            if kind == STR:  # no backslash (jsonscan): the text is the body
                jl, cl = copy(jbuf[p], 0, data, a + 1, b - 1), 0
            else:
                jl, cl = transform(data, a, b, jbuf[p], 0, cbuf[p], 0, kstart, klen, stack)
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
                pos = copy(out, pos, jbuf[p], 0, jlen[p])
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
                        pos = copy(out, pos, cbuf[q], 0, clen[q])
                pos = _put(out, pos, 125)
        offsets[r + 1] = pos
    return ok, offsets, out
