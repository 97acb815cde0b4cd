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


def render_params(data: np.ndarray, vs: np.ndarray, ve: np.ndarray, kinds: np.ndarray, pkeys: np.ndarray,
                  targets: tuple[np.ndarray, np.ndarray], text: bool, flat: bool, codes: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ok per row, row offsets into the output, output): the parameter members of each row (see the module doc).

    ``codes``: per row and parameter key, a code equal for equal value bytes (the scanner's interned codes;
    negative: none): a value seen before in the block reuses its transform instead of walking it again.
    """
    if codes is None:
        codes = np.full((len(vs), 4), -1, np.int64)
    return _render_params(data, vs, ve, kinds, pkeys, targets, text, flat, codes)


@nb.njit(cache=True)
def _render_params(data, vs, ve, kinds, pkeys, targets, text, flat, codes):  # noqa: ANN001, ANN202, C901, PLR0912, PLR0915
    n = len(vs)
    tbuf, toff = targets
    total = 0
    for r in range(n):
        for p in range(4):
            total += ve[r, pkeys[p]] - vs[r, pkeys[p]]
    out = np.empty(3 * total + 160 * n + 16, np.uint8)
    offsets = np.zeros(n + 1, np.int64)
    ok = np.zeros(n, np.bool_)
    # every transformed value gets its own room in ``work`` (java text at most 2x the JSON, compact JSON at most
    # 1x): a later row with the same code points at it (``memo``: java start and length, compact start and length, good)
    work = np.empty(3 * total + 24 * 4 * n + 16, np.uint8)
    memo = np.full((4, codes.max() + 2 if n else 1, 5), -1, np.int64)
    jstart = np.zeros(4, np.int64)
    jlen = np.zeros(4, np.int64)
    cstart = np.zeros(4, np.int64)
    clen = np.zeros(4, np.int64)
    kstart = np.empty(MAX_KEYS, np.int64)
    klen = np.empty(MAX_KEYS, np.int64)
    stack = np.empty((3, MAX_DEPTH + 1), np.int64)
    pos = 0
    wpos = 0
    for r in range(n):
        good = True
        for p in range(4):
            k = pkeys[p]
            kind = kinds[r, k]
            jlen[p] = -1
            if kind == ABSENT or kind == NULL:
                continue
            code = codes[r, p]
            if code >= 0 and memo[p, code, 0] >= 0:
                if memo[p, code, 4] == 0:
                    good = False
                    break
                jstart[p], jlen[p], cstart[p], clen[p] = memo[p, code, 0], memo[p, code, 1], memo[p, code, 2], memo[p, code, 3]
                continue
            a, b = vs[r, k], ve[r, k]
            js = wpos
            cs = js + 2 * (b - a) + 8
            wpos = cs + (b - a) + 8
            valid = True
            if p == 1:  # the outcome reads responseElements.ConsoleLogin: the tables decide
                valid = not _has_login(data, a, b)
            if kind == STR:  # no backslash (jsonscan): the text is the body
                jl, cl = copy(work, js, data, a + 1, b - 1) - js, 0
            else:
                jl, cl = transform(data, a, b, work, js, work, cs, kstart, klen, stack)
                if jl < 0:
                    valid = False
                else:
                    jl, cl = jl - js, cl - cs
            if code >= 0:
                memo[p, code, 0], memo[p, code, 1], memo[p, code, 2], memo[p, code, 3] = js, jl, cs, cl
                memo[p, code, 4] = valid
            if not valid:
                good = False
                break
            jstart[p], jlen[p], cstart[p], clen[p] = js, jl, cs, cl
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
                pos = copy(out, pos, work, jstart[p], jstart[p] + jlen[p])
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
                        pos = copy(out, pos, work, cstart[q], cstart[q] + clen[q])
                pos = _put(out, pos, 125)
        offsets[r + 1] = pos
    return ok, offsets, out


@nb.njit(inline="always")
def _has_login(data, a, b):  # noqa: ANN001, ANN202
    """Whether ``"ConsoleLogin"`` occurs in ``data[a:b]``."""
    for i in range(a, b - len(_LOGIN) + 1):
        if data[i] == 34 and data[i + 1] == 67:
            found = True
            for j in range(len(_LOGIN)):
                if data[i + j] != _LOGIN[j]:
                    found = False
                    break
            if found:
                return True
    return False
