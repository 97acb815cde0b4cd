"""Detector aggregation on columns: a fast batch to the same ``Aggregate`` the detector builds from events.

``aggregate_columns(detector, batch)`` groups rows by (window start, key)
with numpy and builds each ``Partial`` once per group: counts, first/last
time, samples (first ids in row order), sums, top values (Misra-Gries) and
distinct sets. Groups are created in the order the per-event loop creates
them (first row, then key order) and values are counted in row order, so
the result equals ``detector.aggregate(events)``; a top counter or distinct
set that overflows its capacity is filled value by value in row order, as
the detector does. ``columns_support`` says which detectors it can serve.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detectors.sketches import Distinct, TopCounter
from detectors.vpc_rejects import REJECT_VALUES
from detectors.windowed import Aggregate, dataset_matches
from detectors.windows import Partial

DATASET = "aws.vpcflow"
TOP_LEVEL = {"aws", "event", "cloud", "@timestamp", "source", "destination", "network", "related"}
# field -> (kind, index): str = token column, ip = address column, int = ints column
FIELDS: dict[str, tuple[str, int]] = {
    "aws.vpcflow.interface_id": ("str", 2), "aws.vpcflow.account_id": ("str", 1), "cloud.account.id": ("str", 1),
    "aws.vpcflow.action": ("str", 12), "event.action": ("str", 12), "source.ip": ("ip", 0),
    "source.address": ("ip", 0), "destination.ip": ("ip", 1), "destination.address": ("ip", 1),
    "source.port": ("int", 0), "destination.port": ("int", 1), "dataset": ("dataset", 0),
}


def _absent(path: str) -> bool:
    parts = path.split(".")
    return parts[0] not in TOP_LEVEL or (parts[0] == "aws" and parts[1:2] != ["vpcflow"])


def _needed(detector: Any) -> list[str]:
    cfg = detector.config
    names = list(getattr(cfg, "keys", []) or []) + list(getattr(cfg, "explain", []) or [])
    if detector.type_name == "port_scan":
        names += [cfg.source_field, "destination.ip", "destination.port", "source.port"]
    if detector.type_name == "error_rate":
        names.append(cfg.condition.field)
    return names


def columns_support(detector: Any) -> str | None:
    """None when ``aggregate_columns`` reproduces this detector's aggregation, else why not."""
    if detector.type_name not in ("vpc_rejects", "port_scan", "log_rate", "error_rate"):
        return f"detector type {detector.type_name!r}"
    if detector.config.time_field not in ("@timestamp", "event.end"):
        return f"time field {detector.config.time_field!r}"
    missing = [f for f in _needed(detector) if f not in FIELDS and not _absent(f)]
    return f"fields {missing}" if missing else None


def column(batch: Any, path: str) -> tuple[np.ndarray, list[Any]]:
    """(codes per row, distinct values) of a document field over the batch's fast rows."""
    n = batch.documents
    if path not in FIELDS:
        return np.zeros(n, np.int64), [None]
    kind, index = FIELDS[path]
    if kind == "dataset":
        return np.zeros(n, np.int64), [DATASET]
    if kind == "ip":
        return batch.codes[:, index], batch.addresses
    if kind == "str":
        return batch.strings[index]
    values, inverse = np.unique(batch.ints[:, index], return_inverse=True)
    return inverse.astype(np.int64), values.tolist()


def _key_codes(batch: Any, path: str) -> tuple[np.ndarray, list[str | None]]:
    codes, values = column(batch, path)
    return codes, [None if v is None or v == "" else str(v) for v in values]


def _top(values: list[Any], capacity: int) -> TopCounter:
    counter = TopCounter(capacity)
    distinct = dict.fromkeys(values)
    if len(distinct) <= counter.capacity:
        for v in values:
            distinct[v] = (distinct[v] or 0) + 1
        counter.counts, counter.total = distinct, len(values)  # type: ignore[assignment]
    else:
        counter.update(values)
    return counter


def _distinct(values: list[Any], limit: int) -> Distinct:
    sketch = Distinct(limit)
    ordered = list(dict.fromkeys(values))
    if len(ordered) <= limit:
        sketch.items, sketch.sample = set(ordered), ordered
    else:
        sketch.update(values)
    return sketch


class _Fold:
    """The per-type fold of one detector, on value lists of a group's rows."""

    def __init__(self, detector: Any, batch: Any):
        self.det, cfg = detector, detector.config
        self.kind = detector.type_name
        self.cap = cfg.explain_capacity
        fields = list(getattr(cfg, "explain", []) or [])
        if self.kind == "port_scan":
            fields = ["destination.port", "destination.ip", "source.port"]
        self.fields = [(name, *column(batch, name)) for name in fields]
        codes, values = column(batch, "aws.vpcflow.action")
        reject = np.array([v in REJECT_VALUES for v in values], bool)[codes]
        if self.kind == "error_rate":
            c_codes, c_values = column(batch, cfg.condition.field)
            table = np.array([bool(detector._match(_doc(cfg.condition.field, v))) for v in c_values], bool)
            self.mask: np.ndarray | None = table[c_codes]
        elif self.kind in ("vpc_rejects", "port_scan"):
            self.mask = reject
        else:
            self.mask = None

    def fold(self, partial: Partial, rows: np.ndarray) -> None:
        mask = self.mask
        selected = rows if mask is None else rows[mask[rows]]
        if self.kind == "port_scan":
            self._scan(partial, rows, selected)
            return
        if mask is not None and len(selected):
            partial.sums["rejects" if self.kind == "vpc_rejects" else "matches"] = float(len(selected))
        if len(selected):
            for name, codes, values in self.fields:
                picked = [values[c] for c in codes[selected].tolist()]
                picked = [v for v in picked if v is not None]
                if picked:
                    partial.tops[name] = _top(picked, self.cap)

    def _scan(self, partial: Partial, rows: np.ndarray, rejected: np.ndarray) -> None:
        cfg = self.det.config
        limit = cfg.exact_limit
        (_, pcodes, pvalues), (_, hcodes, hvalues), (_, scodes, svalues) = self.fields
        if cfg.skip_responses:  # replies (service port -> ephemeral port) are not probes, as in PortScanDetector
            dst = np.asarray(pvalues, np.int64)[pcodes[rows]]
            src = np.asarray(svalues, np.int64)[scodes[rows]]
            reply = (src < cfg.ephemeral_from) & (dst >= cfg.ephemeral_from)
            if reply.any():
                partial.sums["replies"] = float(reply.sum())
                rows = rows[~reply]
        if not len(rows):
            return
        assert self.mask is not None
        is_rejected = self.mask[rows]
        partial.distinct["ports"] = _distinct([pvalues[c] for c in pcodes[rows].tolist()], limit)
        host_rows = rows[is_rejected] if cfg.hosts_rejected_only else rows
        if len(host_rows):
            partial.distinct["hosts"] = _distinct([hvalues[c] for c in hcodes[host_rows].tolist()], limit)
        if is_rejected.any():
            partial.sums["rejects"] = float(is_rejected.sum())
        accepted = rows[~is_rejected]
        if len(accepted):
            partial.distinct["accepted_ports"] = _distinct([pvalues[c] for c in pcodes[accepted].tolist()], limit)


def _doc(path: str, value: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    node = doc
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return doc


def _key_fields(detector: Any) -> list[str]:
    return [detector.config.source_field] if detector.type_name == "port_scan" else list(detector.config.keys)


def aggregate_columns(detector: Any, batch: Any) -> Aggregate:
    """The ``Aggregate`` ``detector.aggregate(events)`` returns for the batch's fast rows."""
    out = Aggregate()
    n = batch.documents
    datasets = detector.config.datasets
    if n == 0:
        return out
    if datasets is not None and not dataset_matches(DATASET, datasets):
        out.skipped = n
        return out
    ends = batch.ints[:, 6]
    width = detector.config.window.seconds
    starts = (ends // width) * width
    samples = detector.config.findings.sample_events
    fold = _Fold(detector, batch)
    groups: list[tuple[int, int, int, str, np.ndarray]] = []
    any_key = np.zeros(n, bool)
    for j, name in enumerate(_key_fields(detector)):
        codes, keys = _key_codes(batch, name)
        valid = np.array([k is not None for k in keys], bool)[codes]
        any_key |= valid
        rows = np.flatnonzero(valid)
        gid = (starts[rows] - starts.min()) // width * max(1, len(keys)) + codes[rows]
        order = np.argsort(gid, kind="stable")
        sorted_gid = gid[order]
        cuts = np.flatnonzero(np.diff(sorted_gid)) + 1
        for seg in np.split(rows[order], cuts) if len(rows) else []:
            groups.append((int(seg[0]), j, int(starts[seg[0]]), keys[codes[seg[0]]], seg))  # type: ignore[arg-type]
    groups.sort(key=lambda g: (g[0], g[1]))
    ids = batch.ids
    key_names = _key_fields(detector)
    for _, j, start, key, seg in groups:
        partial = Partial()
        partial.count = len(seg)
        t = ends[seg]
        partial.first, partial.last = float(t.min()), float(t.max())
        partial.samples = [ids[r].tobytes().decode() for r in seg[:samples].tolist()]
        fold.fold(partial, seg)
        out.partials[(start, (key_names[j], key))] = partial
    out.skipped = int(n - any_key.sum())
    if any_key.any():
        out.max_time = float(ends[any_key].max())
    return out
