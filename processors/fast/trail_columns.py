"""The detectors' columns of a CloudTrail fast block: a code per row and the distinct values of a field.

Each served field's values are exactly what ``detectors.fields.field_getter``
reads from the rendered document: copied strings are decoded from their
spans (None where ``put`` skips ``""`` and ``-``), the rest comes from the
per-distinct parts the document was rendered from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from processors.fast.jsonscan import KeyTable
from processors.fast.scan import token_codes
from processors.fast.spantable import FULL, int_codes
from processors.fast.trail_frags import ACTOR_FIELDS
from processors.fast.trail_parts import COLUMN, INTERNED
from processors.parsers._javamap import java_text
from processors.parsers.cloudtrail import SCALARS

TOP_LEVEL = {"@timestamp", "aws", "event", "cloud", "user_agent", "source", "related", "service", "user", "network"}
CALL_FIELDS = ("event.action", "event.provider", "cloud.service.name")
PUT_SPANS = {"cloud.region": "awsRegion", "user_agent.original": "userAgent", "event.id": "eventID"}
TRAIL_SPANS = {f"aws.cloudtrail.{target}": key for key, target in SCALARS.items()
               if key in ("eventType", "errorCode", "eventCategory", "recipientAccountId", "eventVersion")}
FIELDS = frozenset((*CALL_FIELDS, *ACTOR_FIELDS, *PUT_SPANS, *TRAIL_SPANS, "cloud.account.id", "event.outcome",
                    "event.kind", "event.dataset", "cloud.provider"))
_CONSTANT = {"event.kind": "event", "event.dataset": "aws.cloudtrail", "cloud.provider": "aws"}


def _remap(codes: np.ndarray, values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Merge codes whose values are equal (a column's distinct values must be distinct)."""
    index: dict[tuple[type, Any], int] = {}
    mapping = np.array([index.setdefault((type(v), v), len(index)) for v in values] or [0], np.int64)
    return mapping[codes] if len(codes) else codes, [v for _, v in index]


class TrailColumns:
    """Columns of the good rows of one block (``values(path)`` as ``BlockBatch.values``)."""

    def __init__(self, keys: KeyTable, data: np.ndarray, vs: np.ndarray, ve: np.ndarray, kinds: np.ndarray,
                 parts: Any):
        self.keys, self.data, self.vs, self.ve, self.kinds = keys, data, vs, ve, kinds
        good = parts.good
        self.call = (parts.call.codes[good], parts.call.answers)
        self.actor = (parts.actor.codes[good], parts.actor.answers)
        self.failed = parts.failed()
        self.codes, self.good = parts.codes, good  # the scanner's codes of the part rows, sliced on demand
        self.n = int(good.sum())

    def values(self, path: str) -> tuple[np.ndarray, list[Any]]:
        if path in _CONSTANT:
            return np.zeros(self.n, np.int64), [_CONSTANT[path]]
        if path in CALL_FIELDS:
            return self._from(self.call, 3, path)
        if path in ACTOR_FIELDS:
            return self._from(self.actor, 3, path)
        if path in PUT_SPANS:
            return self._span(PUT_SPANS[path], put=True)
        if path in TRAIL_SPANS:
            return self._span(TRAIL_SPANS[path], put=False)
        if path == "event.outcome":
            return self.failed.astype(np.int64), ["success", "failure"]
        if path == "cloud.account.id":
            codes, values = self._span("recipientAccountId", put=True)
            fallback, fallback_values = self._from(self.actor, 3, path)
            missing = np.array([v is None for v in values] or [True], bool)[codes] if self.n else codes.astype(bool)
            return _remap(np.where(missing, len(values) + fallback, codes), values + fallback_values)
        raise KeyError(path)

    def _from(self, family: tuple[np.ndarray, list[Any]], slot: int, path: str) -> tuple[np.ndarray, list[Any]]:
        codes, answers = family
        return _remap(codes, [a[slot].get(path) if a else None for a in answers])

    def _span(self, key: str, put: bool) -> tuple[np.ndarray, list[Any]]:
        """The values of a scalar key as the document holds them (``put``: ``""`` and ``-`` are skipped)."""
        k = self.keys.index(key)
        column = None if self.codes is None or INTERNED.get(key) is not False else self.codes[self.good, COLUMN[key]]
        if column is not None and not (column == FULL).any():
            codes, firsts = int_codes(column.reshape(-1, 1))  # the scanner's codes
        else:
            codes, firsts = token_codes(self.data, self.vs[:, k], self.ve[:, k])
        values = []
        for f in firsts.tolist():
            raw = self.data[self.vs[f, k]:self.ve[f, k]].tobytes()
            value = orjson.loads(raw) if raw else None
            if value is not None and not isinstance(value, str | bool | int):
                value = java_text(value)  # the scalar rule of the reference parser
            values.append(None if put and value in ("", "-") else value)
        return _remap(codes, values)
