"""Per-block document parts of the CloudTrail fast path: distinct values -> fragments -> per-row indices.

``block_parts`` groups the scanned rows by the distinct values each part
depends on (span codes the scanner interned, ``spantable``), asks the
fragment tables (``processors.fast.trail_frags``) once per distinct value,
and returns ``Parts``: which rows the fast path renders (a part the
reference rejects sends its rows to the reference chain), the packed
fragments with one index per row and part for the renderer, the outcome
flag, the epoch seconds of ``@timestamp`` and what the detectors' columns
need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from processors.fast.jsonscan import ARR, NUM, OBJ, STR, STR_ESC, KeyTable
from processors.fast.spantable import FULL, int_codes
from processors.fast.trail_frags import TrailFragments
from processors.fast.trail_params import TARGETS, render_params
from processors.fast.trail_render import ACCOUNT, EVENT, IDENTITY, PARAMS, RESOURCES, SCALAR0, SERVICE, TAIL, TS
from processors.fast.words import row_codes
from processors.parsers.cloudtrail import PARAMS as PARAM_KEYS
from processors.parsers.cloudtrail import SCALARS

VALUED = np.zeros(16, bool)  # by kind: scalar kinds rendered from a fragment
VALUED[[NUM, OBJ, ARR, STR_ESC]] = True
# keys whose spans the scanner interns (``KeyTable.scan_interned``): key -> only VALUED kinds; userAgent and
# awsRegion for the detectors' columns (``trail_columns``), the parameters that repeat for ``render_params``
# (responseElements are mostly unique: credentials, new resource ids)
INTERNED = {**dict.fromkeys(("eventTime", "eventSource", "eventName", "sourceIPAddress", "userIdentity",
                             "resources", "userAgent", "awsRegion", "requestParameters", "additionalEventData",
                             "serviceEventDetails"), False), **dict.fromkeys(SCALARS, True)}
COLUMN = {name: j for j, name in enumerate(INTERNED)}


@dataclass(slots=True)
class Family:
    """One part over the rows: a code per row and the table's answer per distinct value (None: rejected)."""

    codes: np.ndarray
    answers: list[Any]

    def bad(self) -> np.ndarray:
        rejected = np.array([a is None for a in self.answers] or [False], bool)
        return rejected[self.codes] if len(self.codes) else np.zeros(0, bool)


def distinct(data: np.ndarray, vs: np.ndarray, ve: np.ndarray, keys: list[int],
             extra: tuple[np.ndarray, ...] = ()) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """A code per row for the combination of ``keys``' raw spans (and ``extra`` columns), with each code's values.

    One compiled pass hashes and compares the spans a word at a time (``words.row_codes``); ``Parts`` takes
    the scanner's interned codes instead where it has them.
    """
    if len(vs) == 0:
        return np.zeros(0, np.int64), []
    more = np.stack([np.asarray(e, np.int64) for e in extra], 1) if extra else np.zeros((len(vs), 0), np.int64)
    codes, firsts = row_codes(data, vs, ve, np.array(keys, np.int64), more)
    values = span_values(data, vs, ve, firsts, keys)
    if extra:
        tails = more[firsts].tolist()
        values = [v + tuple(t) for v, t in zip(values, tails, strict=True)]
    return codes, values


def span_values(data: np.ndarray, vs: np.ndarray, ve: np.ndarray, rows: np.ndarray, keys: list[int]
                ) -> list[tuple[bytes, ...]]:
    """The raw bytes of ``keys``' spans in each of ``rows`` (``b""`` for an absent key)."""
    starts, ends = vs[rows][:, keys].tolist(), ve[rows][:, keys].tolist()
    raw = data.data  # a memoryview: slicing it and bytes() are cheaper than numpy scalar indexing
    return [tuple(bytes(raw[a:z]) for a, z in zip(s, e, strict=True)) for s, e in zip(starts, ends, strict=True)]


class Parts:
    """The parts of one block's scanned rows (see the module docstring)."""

    def __init__(self, frags: TrailFragments, keys: KeyTable, data: np.ndarray, vs: np.ndarray, ve: np.ndarray,
                 kinds: np.ndarray, codes: np.ndarray | None = None):
        self.keys, self.data, self.vs, self.ve, self.kinds = keys, data, vs, ve, kinds
        self.codes = codes  # the scanner's span codes, a column per ``INTERNED`` key
        k = keys.index
        self.ts = self._family(frags.timestamp, [k("eventTime")])
        self.call = self._family(frags.call, [k("eventSource"), k("eventName")])
        self.actor = self._family(frags.actor, [k("sourceIPAddress"), k("userIdentity")])
        login = np.array([bool(a and a[2]) for a in self.call.answers] or [False], bool)
        login = login[self.call.codes] if len(vs) else np.zeros(0, bool)
        mode = frags.parser.config.params_mode
        pkeys = np.array([k(p) for p in PARAM_KEYS], np.int64)
        compiled, self.param_offsets, self.param_bytes = render_params(data, vs, ve, kinds, pkeys, TARGETS,
                                                                       mode != "flattened", mode != "text",
                                                                       self._param_codes())
        self.compiled = compiled & ~login  # console logins read additionalEventData: the tables decide
        self.param_rows = np.flatnonzero(~self.compiled)
        self.params = Family(*self._answers(frags.params, list(pkeys), (login[self.param_rows],), self.param_rows))
        self.resources = self._family(frags.resources, [k("resources")])
        bad = self.ts.bad() | self.call.bad() | self.actor.bad() | self.resources.bad()
        bad[self.param_rows] |= self.params.bad()
        self.scalars: dict[int, tuple[np.ndarray, Family]] = {}
        valued = VALUED[kinds[:, [k(name) for name in SCALARS]]]
        for j in np.flatnonzero(valued.any(axis=0)).tolist():
            rows = np.flatnonzero(valued[:, j])
            family = Family(*self._answers(frags.scalar, [k(list(SCALARS)[j])], (), rows))
            self.scalars[j] = (rows, family)
            bad[rows] |= family.bad()
        self.good = ~bad
        self._failed: np.ndarray | None = None
        frags.publish()

    def _param_codes(self) -> np.ndarray | None:
        """The scanner's codes of the parameter keys, a column per ``PARAM_KEYS`` (-1: not interned)."""
        if self.codes is None:
            return None
        codes = np.full((len(self.codes), len(PARAM_KEYS)), -1, np.int64)
        for p, name in enumerate(PARAM_KEYS):
            if name in COLUMN:
                codes[:, p] = self.codes[:, COLUMN[name]]
        return codes

    def _answers(self, table: Any, keys: list[int], extra: tuple[np.ndarray, ...], rows: np.ndarray | None = None
                 ) -> tuple[np.ndarray, list[Any]]:
        names = [self.keys.keys[key] for key in keys]
        if self.codes is not None and not extra and all(name in INTERNED for name in names):
            columns = np.array([COLUMN[name] for name in names], np.int64)
            interned = self.codes[:, columns] if rows is None else self.codes[rows[:, None], columns]
            if not (interned == FULL).any():  # the scanner's table had room for all of them
                codes, firsts = int_codes(interned)
                picked = firsts if rows is None else rows[firsts]
                return codes, [table(*v) for v in span_values(self.data, self.vs, self.ve, picked, keys)]
        vs, ve = (self.vs, self.ve) if rows is None else (self.vs[rows], self.ve[rows])
        codes, values = distinct(self.data, vs, ve, keys, extra)
        return codes, [table(*v) for v in values]

    def _family(self, table: Any, keys: list[int], extra: tuple[np.ndarray, ...] = ()) -> Family:
        return Family(*self._answers(table, keys, extra))

    def render_inputs(self, literals: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(fragment index per good row and slot, outcome failed per good row, packed fragments, offsets, literals)."""
        good = self.good
        frags: list[bytes] = [b""]
        fr = np.zeros((int(good.sum()), SCALAR0 + len(SCALARS)), np.int64)

        def place(slot: int, family: Family, pick: Any) -> None:
            base = len(frags)
            frags.extend(b"" if a is None else pick(a) for a in family.answers)
            fr[:, slot] = base + family.codes[good]

        place(TS, self.ts, lambda a: a[0])
        place(EVENT, self.call, lambda a: a[0])
        place(SERVICE, self.call, lambda a: a[1])
        place(IDENTITY, self.actor, lambda a: a[0])
        place(ACCOUNT, self.actor, lambda a: a[1])
        place(TAIL, self.actor, lambda a: a[2])
        place(RESOURCES, self.resources, lambda a: a)
        positions = np.cumsum(good) - 1  # row -> index among the good rows
        keep = good[self.param_rows]
        base = len(frags)
        frags.extend(b"" if a is None else a[0] for a in self.params.answers)
        fr[positions[self.param_rows[keep]], PARAMS] = base + self.params.codes[keep]
        for j, (rows, family) in self.scalars.items():
            keep = good[rows]
            base = len(frags)
            frags.extend(b"" if a is None else a for a in family.answers)
            fr[positions[rows[keep]], SCALAR0 + j] = base + family.codes[keep]
        lit = np.arange(len(frags), len(frags) + len(literals), dtype=np.int64)
        frags.extend(literals)
        offsets = np.cumsum([0] + [len(f) for f in frags]).astype(np.int64)
        buf = np.frombuffer(b"".join(frags) or b"\0", np.uint8).copy()
        return fr, self.failed(), buf, offsets, lit

    def failed(self) -> np.ndarray:
        """``event.outcome`` is failure: a non-empty errorCode string, or a failed console login."""
        if self._failed is not None:
            return self._failed
        k = self.keys.index("errorCode")
        error = (self.kinds[:, k] == STR) & (self.ve[:, k] - self.vs[:, k] > 2)
        login = np.array([bool(a and a[1]) for a in self.params.answers] or [False], bool)
        failed = error.copy()
        failed[self.param_rows] |= login[self.params.codes] if len(self.params.codes) else False
        self._failed = failed[self.good]
        return self._failed

    def compiled_params(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rendered by the kernel, start, end into ``param_bytes``) per good row."""
        good = self.good
        return self.compiled[good], self.param_offsets[:-1][good], self.param_offsets[1:][good]

    @property
    def epochs(self) -> np.ndarray:
        table = np.array([a[1] if a else 0.0 for a in self.ts.answers] or [0.0], np.float64)
        return table[self.ts.codes[self.good]] if len(self.ts.codes) else np.zeros(0, np.float64)


def block_parts(frags: TrailFragments, keys: KeyTable, data: np.ndarray, vs: np.ndarray, ve: np.ndarray,
                kinds: np.ndarray, codes: np.ndarray | None = None) -> Parts:
    return Parts(frags, keys, data, vs, ve, kinds, codes)
