"""Snapshots restore equal behaviour; reconfiguration and reloads keep model state."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
from pathlib import Path

import pytest

from detectors.reload import DetectorReloader, ReloadOutcome
from detectors.runner import DetectorSet
from detectors.state import StateStore, snapshot_loop
from streams.core.config import validate_detectors
from streams.core.model import Event, Finding, Position
from tests.detectors import evaluate


def feed(ds: DetectorSet, batches: list) -> list[Finding]:
    return [f for batch in batches for f in ds.observe(batch)]


def fresh() -> DetectorSet:
    return DetectorSet(validate_detectors(evaluate.DETECTOR_CONFIGS), clock=lambda: 0.0)


def test_snapshot_restore_round_trip_behaves_the_same(anomalous_batches: list, tmp_path: Path) -> None:
    straight = fresh()
    feed(straight, anomalous_batches[:90])
    expected = feed(straight, anomalous_batches[90:]) + straight.flush()

    first = fresh()
    feed(first, anomalous_batches[:90])
    store = StateStore(tmp_path / "state" / "detectors.pkl")
    assert store.save(first) > 0
    restarted = fresh()
    assert sorted(store.restore(restarted)) == ["errors", "rate", "rejects", "scan"]
    resumed = feed(restarted, anomalous_batches[90:]) + restarted.flush()
    assert resumed == expected
    assert {f.detector for f in resumed} >= {"rate", "errors", "scan"}


def test_without_restore_a_restart_relearns(anomalous_batches: list) -> None:
    cold = fresh()
    found = feed(cold, anomalous_batches[95:105])
    assert not [f for f in found if f.detector == "rate"]  # still warming up: the rate spike at minute 100 is missed


def test_corrupt_or_missing_snapshot_starts_fresh(tmp_path: Path) -> None:
    path = tmp_path / "detectors.pkl"
    store = StateStore(path)
    assert store.restore(fresh()) == []
    path.write_bytes(b"\x80\x05not a pickle")
    assert store.restore(fresh()) == []


def test_snapshot_is_atomic_and_scheduled(tmp_path: Path) -> None:
    now = [1000.0]
    store = StateStore(tmp_path / "s.pkl", interval_seconds=60, clock=lambda: now[0])
    ds = fresh()
    assert store.maybe_save(ds) > 0
    now[0] += 30
    assert store.maybe_save(ds) == 0
    now[0] += 31
    assert store.maybe_save(ds) > 0
    assert [p.name for p in tmp_path.iterdir()] == ["s.pkl"]  # no temporary files left behind
    assert pickle.loads((tmp_path / "s.pkl").read_bytes())["saved_at"] == 1061.0


async def test_snapshot_loop_saves_on_shutdown(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.pkl", interval_seconds=3600)
    stop = asyncio.Event()
    task = asyncio.create_task(snapshot_loop(store, fresh(), stop))
    await asyncio.sleep(0)
    stop.set()
    await task
    assert (tmp_path / "s.pkl").exists()


def test_reconfigure_keeps_models(anomalous_batches: list) -> None:
    ds = fresh()
    feed(ds, anomalous_batches[:79])
    rejects = ds.detectors["rejects"]
    models_before = {k: dict(s.models) for k, s in rejects.keys.items.items()}
    configs = [dict(c) for c in evaluate.DETECTOR_CONFIGS]
    configs[1] = {**configs[1], "min_rejects": 50, "findings": {"resolve_after_windows": 1}}
    report = ds.apply(validate_detectors(configs))
    assert report["reconfigured"] == ["rate", "rejects", "scan", "errors"]
    assert ds.detectors["rejects"] is rejects and rejects.config.min_rejects == 50
    assert all(rejects.keys.get(k).models[m] is model for k, ms in models_before.items() for m, model in ms.items())
    found = [f for f in feed(ds, anomalous_batches[79:86]) if f.detector == "rejects"]
    # warm straight away under the new thresholds, and the new resolve setting applies
    assert [(f.entity["aws.vpcflow.interface_id"], f.status) for f in found] == [
        ("eni-0001", "open"), ("eni-0001", "resolved")]


def test_window_change_rebuilds(anomalous_batches: list) -> None:
    ds = fresh()
    feed(ds, anomalous_batches[:5])
    configs = [{**evaluate.DETECTOR_CONFIGS[2], "window": {"seconds": 300}}]
    assert ds.apply(validate_detectors(configs)) == {
        "reconfigured": [], "added": [], "removed": ["rate", "rejects", "errors"], "rebuilt": ["scan"]}
    assert ds.detectors["scan"].table.window == 300


def write(path: Path, text: str) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a distinct mtime even on coarse clocks


def test_reload_on_file_change_and_rejects_invalid(tmp_path: Path) -> None:
    main = tmp_path / "logwarden.yaml"
    dets = tmp_path / "detectors.yaml"
    write(main, "detectors_file: detectors.yaml\ndetectors:\n  - {type: log_rate, name: rate}\n")
    write(dets, "detectors:\n  - {type: port_scan, name: scan}\n")
    from detectors.reload import load_detector_configs

    ds = DetectorSet(load_detector_configs(main))
    reloader = DetectorReloader(main, ds)
    scan = ds.detectors["scan"]
    write(dets, "detectors:\n  - {type: port_scan, name: scan, min_hosts: 7}\n")
    result = reloader.poll()
    assert result is not None and result.outcome is ReloadOutcome.APPLIED
    assert ds.detectors["scan"] is scan and scan.config.min_hosts == 7
    write(dets, "detectors:\n  - {type: port_scan, name: scan, min_hosts: 1, bogus: 2}\n")
    result = reloader.poll()
    assert result is not None and result.outcome is ReloadOutcome.INVALID
    assert ("detectors[1].min_hosts", "Input should be greater than or equal to 2") in result.problems
    assert ("detectors[1].bogus", "unknown key") in result.problems
    assert scan.config.min_hosts == 7  # the running configuration stays
    assert reloader.poll() is None


async def test_reload_on_sighup(tmp_path: Path) -> None:
    path = tmp_path / "detectors.yaml"
    write(path, "detectors:\n  - {type: error_rate, name: errors}\n")
    from detectors.reload import load_detector_configs

    ds = DetectorSet(load_detector_configs(path))
    reloader = DetectorReloader(path, ds)
    reloader.install_sighup()
    stop = asyncio.Event()
    watcher = asyncio.create_task(reloader.watch(stop, interval_seconds=0.05))
    try:
        path.write_text("detectors:\n  - {type: error_rate, name: errors, max_ratio: 0.9}\n")
        reloader._stamps = reloader._read_stamps()  # pretend the change is invisible to mtime polling
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(100):
            await asyncio.sleep(0.02)
            if ds.detectors["errors"].config.max_ratio == 0.9:
                break
        assert ds.detectors["errors"].config.max_ratio == 0.9
    finally:
        stop.set()
        await watcher
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


def test_late_entries_are_counted_not_merged() -> None:
    ds = DetectorSet(validate_detectors([{"type": "log_rate", "name": "rate", "window": {"seconds": 60,
                                          "allowed_lateness_seconds": 10}}]))
    det = ds.detectors["rate"]
    pos = Position("t", "s", "0", "0")

    def ev(t: float) -> Event:
        return Event({"@timestamp": t}, "vpcflow", str(t), pos)

    ds.observe([ev(1_000_000_000 + i) for i in range(0, 200, 5)])  # watermark at +190: windows before +180 closed
    ds.observe([ev(1_000_000_000 + 30), ev(1_000_000_000 + 175), ev(1_000_000_000 + 185)])
    assert det.table.late_entries == 1  # +30 belongs to a closed window; +175 is within lateness of the open one
    ds.observe([Event({"@timestamp": "garbage"}, "vpcflow", "x", pos), Event({}, "vpcflow", "y", pos)])
    assert det.skipped_events == 2


def test_advance_reports_silence_when_all_input_stops() -> None:
    now = [0.0]
    config = {"type": "log_rate", "name": "rate", "model": {"warmup": 5},
              "window": {"seconds": 60, "idle_timeout_seconds": 120}}
    ds = DetectorSet(validate_detectors([config]), clock=lambda: now[0])
    pos = Position("t", "s", "0", "0")
    t0 = 1_700_000_000 - 1_700_000_000 % 60
    for minute in range(30):
        now[0] = t0 + minute * 60 + 65
        assert ds.observe([Event({"@timestamp": t0 + minute * 60 + i}, "vpcflow", "e", pos) for i in range(50)]) == []
    now[0] += 60
    assert ds.advance() == []  # idle for 60 s only: event time does not move yet
    now[0] += 180
    found = ds.advance()
    assert [(f.finding_type, f.observed) for f in found] == [("silence", 0.0)]


@pytest.mark.parametrize("kind", ["log_rate", "vpc_rejects", "port_scan", "error_rate"])
def test_conformance(kind: str) -> None:
    """Every detector type: builds from a minimal config, protocol methods, pickles, rejects unknown keys."""
    from detectors.base import Detector
    from streams.core.config import ConfigError

    ds = DetectorSet(validate_detectors([{"type": kind, "name": "d"}]))
    det = ds.detectors["d"]
    assert isinstance(det, Detector)
    assert det.observe([]) == [] and det.advance(0.0) == [] and det.flush() == []
    pickle.loads(pickle.dumps(det.snapshot()))
    with pytest.raises(ConfigError):
        validate_detectors([{"type": kind, "name": "d", "no_such_key": 1}])
