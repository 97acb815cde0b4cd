"""Shared helpers for enrichment tests."""

from __future__ import annotations

from typing import Any

from streams.core.model import Event, Position


def events(*docs: dict[str, Any], dataset: str = "vpcflow") -> list[Event]:
    return [Event(doc, dataset, f"id-{i}", Position("test", "s", "0", str(i))) for i, doc in enumerate(docs)]


def flow(src: str, dst: str, sport: int = 51234, dport: int = 443, proto: str | int = "6", **extra: Any) -> dict:
    doc: dict[str, Any] = {
        "source": {"ip": src, "port": sport},
        "destination": {"ip": dst, "port": dport},
        "network": {"iana_number": proto},
    }
    doc.update(extra)
    return doc
