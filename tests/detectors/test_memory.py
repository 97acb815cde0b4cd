"""A million distinct source IPs keep detector memory bounded (tracemalloc).

Two paths: the million goes through ``merge`` as per-key partial aggregates
(what the scaled runtime feeds from other workers) and a flood of raw events
goes through ``observe``; both hold the key bound, keep the heavy-hitter
scanner, and stop growing.
"""

from __future__ import annotations

import gc
import os
import time
import tracemalloc

import pytest

from detectors.port_scan import PortScanConfig, PortScanDetector
from detectors.windowed import Aggregate
from detectors.windows import Partial
from streams.core.model import Event, Position

POS = Position("mem", "vpc", "0", "0")
SCANNER = "198.51.100.66"
T0 = 1_700_000_040


def ip(i: int) -> str:
    return f"{(i >> 24) % 200 + 11}.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def detector() -> PortScanDetector:
    config = PortScanConfig(type="port_scan", name="scan", max_keys=5_000, heavy_hitters=64)
    return PortScanDetector(config, clock=lambda: 0.0)


def partial_chunk(start: int, count: int) -> Aggregate:
    """``count`` one-flow partials of distinct sources plus the scanner's partial, in the minute of ``start``."""
    window = T0 + start // 100_000 * 60
    agg = Aggregate(max_time=window + 59)
    for i in range(start, start + count):
        p = Partial()
        p.count = 1
        agg.partials[(window, ("source.ip", ip(i)))] = p
    scan = Partial()
    for port in range(start % 1000, start % 1000 + 40):
        scan.add_event("s", window, 0)
        scan.add_distinct("ports", port)
        scan.add_distinct("hosts", "10.0.0.1")
    agg.partials[(window, ("source.ip", SCANNER))] = scan
    return agg


def check_bounded(det: PortScanDetector, sizes: list[int], peak: int, found: list) -> None:
    """Keys within bounds, the heavy-hitter scanner kept and found, traced memory flat."""
    assert len(det.keys) <= 5_000
    assert all(len(t) <= 5_000 for t in det.table.windows.values())
    assert any(f.entity == {"source.ip": SCANNER} for f in found)
    assert ("source.ip", SCANNER) in det.keys  # a heavy hitter is never evicted
    assert sizes[-1] < sizes[0] * 1.3 + 1_000_000, sizes  # no growth after the table filled
    assert peak < 100_000_000, peak


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_million_distinct_sources_through_merge() -> None:
    """1M sources; tracemalloc traces the last 100k: at most a key table's worth of it is retained."""
    det = detector()
    found: list = []
    rss = []
    try:
        for start in range(0, 1_000_000, 10_000):
            if start == 900_000:
                gc.collect()
                tracemalloc.start()
            det.merge(partial_chunk(start, 10_000))
            found += det.close_windows()
            if start in (200_000, 990_000):
                rss.append(rss_bytes())
        gc.collect()
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert det.table.evicted_entries >= 900_000
    assert len(det.keys) <= 5_000 and all(len(t) <= 5_000 for t in det.table.windows.values())
    assert ("source.ip", SCANNER) in det.keys  # a heavy hitter is never evicted
    assert any(f.entity == {"source.ip": SCANNER} for f in found)
    # 100k new one-off keys would retain over 30 MB if kept; the bounded tables keep 5,000 of them
    print(f"retained by the last 100k keys: {retained:,} bytes; RSS {rss}")
    assert retained < 10_000_000, retained
    assert rss[-1] - rss[0] < 30_000_000, rss


def flood(start: int, count: int) -> list[Event]:
    out = []
    for i in range(start, start + count):
        src, port = (SCANNER, i % 1000) if i % 10 == 0 else (ip(i), 443)
        doc = {"@timestamp": T0 + i // 10_000 * 60, "source": {"ip": src},
               "destination": {"ip": "10.0.0.1", "port": port}, "aws": {"vpcflow": {"action": "REJECT"}}}
        out.append(Event(doc, "vpcflow", str(i), POS))
    return out


def test_flood_of_distinct_sources_through_observe() -> None:
    det = detector()
    found: list = []
    sizes: list[int] = []
    tracemalloc.start()
    try:
        for start in range(0, 80_000, 10_000):
            found += det.observe(flood(start, 10_000))
            if start in (20_000, 50_000, 70_000):
                gc.collect()
                sizes.append(tracemalloc.get_traced_memory()[0])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    check_bounded(det, sizes, peak, found)


@pytest.mark.benchmark
def test_million_distinct_sources_through_observe_benchmark() -> None:
    """The full million as raw events (slow: excluded from the default run)."""
    det = detector()
    rss = []
    started = time.perf_counter()
    for start in range(0, 1_000_000, 10_000):
        det.observe(flood(start, 10_000))
        if start in (200_000, 990_000):
            rss.append(rss_bytes())
    rate = 1_000_000 / (time.perf_counter() - started)
    print(f"port_scan over 1M events from distinct sources: {rate:,.0f} events/s, RSS {rss}")
    assert len(det.keys) <= 5_000 and ("source.ip", SCANNER) in det.keys
    assert rss[-1] - rss[0] < 30_000_000, rss
