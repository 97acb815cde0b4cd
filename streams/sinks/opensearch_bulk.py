"""Bulk request encoding, chunking and per-item status classification.

A bulk response can be HTTP 200 with failed items, so every item's status is
read: 2xx is OK; 409 on ``create`` is OK (the document is already there, a
replay); 429 and 5xx are RETRY; any other 4xx (a mapping error) is FAILED with
the error type and reason.

>>> classify({"create": {"status": 409, "error": {"type": "version_conflict_engine_exception"}}}).outcome
<Outcome.OK: 'ok'>
>>> classify({"create": {"status": 429, "error": {"type": "es_rejected_execution_exception", "reason": "queue full"}}})
ItemResult(outcome=<Outcome.RETRY: 'retry'>, reason='429 es_rejected_execution_exception: queue full')
>>> classify({"update": {"status": 409, "error": {"type": "version_conflict_engine_exception"}}}).outcome
<Outcome.RETRY: 'retry'>
>>> classify({"index": {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "bad"}}}).outcome
<Outcome.FAILED: 'failed'>
>>> items = [BulkItem(i, b"a" * 10) for i in range(5)]
>>> [[it.slot for it in c] for c in chunk(items, max_bytes=25, max_docs=10)]
[[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from streams.core.model import ItemResult, Outcome


@dataclass(slots=True)
class BulkItem:
    """One encoded action + source pair; ``slot`` is its index in the write call."""

    slot: int
    payload: bytes


def encode(slot: int, op: str, index: str, doc_id: str | None, doc: dict[str, Any]) -> BulkItem:
    """Encode one bulk action; raises TypeError/ValueError for unserialisable documents.

    >>> encode(0, "create", "logs-x-default", "abc", {"a": 1}).payload
    b'{"create":{"_index":"logs-x-default","_id":"abc"}}\\n{"a":1}\\n'
    """
    meta: dict[str, Any] = {"_index": index}
    if doc_id is not None:
        meta["_id"] = doc_id
    head = orjson.dumps({op: meta})
    body = orjson.dumps(doc, default=_fallback, option=orjson.OPT_NON_STR_KEYS)
    return BulkItem(slot, head + b"\n" + body + b"\n")


def _fallback(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def chunk(items: list[BulkItem], max_bytes: int, max_docs: int) -> Iterator[list[BulkItem]]:
    """Split items into requests of at most ``max_docs`` and about ``max_bytes``.

    A single item larger than ``max_bytes`` travels alone.
    """
    current: list[BulkItem] = []
    size = 0
    for item in items:
        n = len(item.payload)
        if current and (size + n > max_bytes or len(current) >= max_docs):
            yield current
            current, size = [], 0
        current.append(item)
        size += n
    if current:
        yield current


def classify(response_item: dict[str, Any]) -> ItemResult:
    """Outcome of one item of a bulk response."""
    op, body = next(iter(response_item.items()))
    status = int(body.get("status", 0))
    if 200 <= status < 300:
        return ItemResult(Outcome.OK)
    error = body.get("error") or {}
    if isinstance(error, dict):
        reason = f"{status} {error.get('type', 'error')}: {error.get('reason', '')}".rstrip(": ")
    else:
        reason = f"{status} {error}"
    if status == 409 and op == "create":
        return ItemResult(Outcome.OK, "already indexed")
    if status in (409, 429) or status >= 500 or status == 0:  # 409 on update: a concurrent change, try again
        return ItemResult(Outcome.RETRY, reason)
    return ItemResult(Outcome.FAILED, reason)
