"""The compiled renderer of CloudTrail documents: record spans and fragments -> NDJSON lines.

One pass writes every fast row's document in the reference chain's key
order (``processors.parsers.cloudtrail`` + ``finish`` + network/GeoIP):
``_id``, ``@timestamp``, ``aws.cloudtrail`` (scalars copied from the record
in ``SCALARS`` order, then the parameter, identity and resource
fragments), ``event``, ``cloud``, ``user_agent``, then the actor's tail
(``source``, ``related``, ``service``, ``user``, ``network``). Fragments
(``processors.fast.trail_frags``) start with a comma; the first member of
an object is written without it. Bytes are copied a word at a time
(``processors.fast.words.copy_ahead``: ``out`` is written in order and the
caller leaves it 8 bytes of slack).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from processors.fast.jsonscan import ABSENT, FALSE, NULL, STR, TRUE
from processors.fast.words import copy_ahead

# Slots of the per-row fragment matrix.
TS, EVENT, SERVICE, IDENTITY, ACCOUNT, TAIL, PARAMS, RESOURCES, SCALAR0 = range(9)
# Literal fragments (their indices come after the per-block fragments).
LITERALS = (b'{"_id":"', b"{", b',"aws":{"cloudtrail":{', b'}},"event":{"kind":"event"', b',"id":',
            b',"outcome":"success","dataset":"aws.cloudtrail"},"cloud":{"region":',
            b',"outcome":"failure","dataset":"aws.cloudtrail"},"cloud":{"region":',
            b',"account":{"id":', b',"provider":"aws"}', b',"user_agent":{"original":', b"}", b"}\n", b'",')
L_ID, L_OPEN, L_AWS, L_EVENT, L_EVENT_ID, L_SUCCESS, L_FAILURE, L_ACCOUNT, L_PROVIDER, L_AGENT, L_CLOSE, L_END, \
    L_ID_END = range(len(LITERALS))
L_SCALARS = len(LITERALS)  # then one ``,"target":`` literal per scalar


@nb.njit(inline="always")
def _frag(out, pos, buf, off, f, skip):  # noqa: ANN001, ANN202
    return copy_ahead(out, pos, buf, off[f] + skip, off[f + 1])


@nb.njit(inline="always")
def _span(out, pos, data, a, b):  # noqa: ANN001, ANN202
    return copy_ahead(out, pos, data, a, b)


@nb.njit(inline="always")
def usable(data, a, b):  # noqa: ANN001, ANN202
    """A quoted string span ``put`` keeps: not ``""`` and not ``"-"``."""
    return b - a > 2 and not (b - a == 3 and data[a + 1] == 45)


@nb.njit(cache=True)
def render_bounds(fr, off, lit, vs, ve, pstart, pend):  # noqa: ANN001, ANN201
    """Cumulative bytes ``render_trail`` may write at most for the rows before each row (n + 1 offsets): every
    fragment and literal of a row, its record spans twice (each is copied at most once, the scalars' targets
    are literals), its parameters and 64 bytes of slack; rows ``a:b`` need ``bounds[b] - bounds[a] + 8``."""
    n = len(fr)
    per_row = 64
    for f in lit:
        per_row += off[f + 1] - off[f]
    bounds = np.empty(n + 1, np.int64)
    bounds[0] = 0
    for r in range(n):
        total = per_row + pend[r] - pstart[r]
        for j in range(fr.shape[1]):
            total += off[fr[r, j] + 1] - off[fr[r, j]]
        for k in range(vs.shape[1]):
            total += 2 * (ve[r, k] - vs[r, k])
        bounds[r + 1] = bounds[r] + total
    return bounds


@nb.njit(cache=True)
def render_trail(data, vs, ve, kinds, ids, include_id, fr, fail, buf, off, lit, skeys, keys, compiled, pstart, pend,
                 pbytes, out):  # noqa: ANN001, ANN201, C901
    """NDJSON of every row into ``out``; returns each line's end offset.

    ``keys``: the key indices of awsRegion, eventID, userAgent, recipientAccountId. ``compiled``: rows
    whose parameter members are ``pbytes[pstart:pend]`` (``processors.fast.trail_params``), else a fragment.
    """
    n = len(fr)
    ends = np.empty(n, np.int64)
    k_region, k_id, k_agent, k_account = keys[0], keys[1], keys[2], keys[3]
    pos = 0
    for r in range(n):
        if include_id:
            pos = _frag(out, pos, buf, off, lit[L_ID], 0)
            pos = copy_ahead(out, pos, ids[r], 0, 32)
            pos = _frag(out, pos, buf, off, lit[L_ID_END], 0)
        else:
            pos = _frag(out, pos, buf, off, lit[L_OPEN], 0)
        pos = _frag(out, pos, buf, off, fr[r, TS], 0)
        pos = _frag(out, pos, buf, off, lit[L_AWS], 0)
        skip = 1
        for j in range(len(skeys)):
            k = skeys[j]
            kind = kinds[r, k]
            if kind == ABSENT or kind == NULL:
                continue
            pos = _frag(out, pos, buf, off, lit[L_SCALARS + j], skip)
            skip = 0
            if kind == STR or kind == TRUE or kind == FALSE:
                pos = _span(out, pos, data, vs[r, k], ve[r, k])
            else:
                pos = _frag(out, pos, buf, off, fr[r, SCALAR0 + j], 0)
        if compiled[r]:
            if pend[r] > pstart[r]:
                pos = copy_ahead(out, pos, pbytes, pstart[r] + skip, pend[r])
                skip = 0
        for slot in (PARAMS, IDENTITY, RESOURCES):
            f = fr[r, slot]
            if off[f + 1] > off[f]:
                pos = _frag(out, pos, buf, off, f, skip)
                skip = 0
        pos = _frag(out, pos, buf, off, lit[L_EVENT], 0)
        pos = _frag(out, pos, buf, off, fr[r, EVENT], 0)
        if kinds[r, k_id] == STR and usable(data, vs[r, k_id], ve[r, k_id]):
            pos = _frag(out, pos, buf, off, lit[L_EVENT_ID], 0)
            pos = _span(out, pos, data, vs[r, k_id], ve[r, k_id])
        pos = _frag(out, pos, buf, off, lit[L_FAILURE if fail[r] else L_SUCCESS], 0)
        pos = _span(out, pos, data, vs[r, k_region], ve[r, k_region])
        pos = _frag(out, pos, buf, off, fr[r, SERVICE], 0)
        if kinds[r, k_account] == STR and usable(data, vs[r, k_account], ve[r, k_account]):
            pos = _frag(out, pos, buf, off, lit[L_ACCOUNT], 0)
            pos = _span(out, pos, data, vs[r, k_account], ve[r, k_account])
            pos = _frag(out, pos, buf, off, lit[L_CLOSE], 0)
        else:
            pos = _frag(out, pos, buf, off, fr[r, ACCOUNT], 0)
        pos = _frag(out, pos, buf, off, lit[L_PROVIDER], 0)
        if kinds[r, k_agent] == STR and usable(data, vs[r, k_agent], ve[r, k_agent]):
            pos = _frag(out, pos, buf, off, lit[L_AGENT], 0)
            pos = _span(out, pos, data, vs[r, k_agent], ve[r, k_agent])
            pos = _frag(out, pos, buf, off, lit[L_CLOSE], 0)
        pos = _frag(out, pos, buf, off, fr[r, TAIL], 0)
        pos = _frag(out, pos, buf, off, lit[L_END], 0)
        ends[r] = pos
    return ends
