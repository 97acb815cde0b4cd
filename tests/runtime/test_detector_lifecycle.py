"""The runtime reloads detector settings from the config file and keeps detector state across restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from streams.core.config import load
from streams.runtime.pipeline import Pipeline


def _write_config(tmp_path: Path, min_ports: int, duration: str = "20m") -> Path:
    (tmp_path / "detectors.yaml").write_text(
        yaml.safe_dump({"detectors": [{"type": "port_scan", "name": "scan", "min_ports": min_ports},
                                      {"type": "vpc_rejects", "name": "rejects"}]})
    )
    cfg = {
        "metrics": {"enabled": False},
        "sources": [{"type": "generator", "seed": 3, "speed": 3000, "duration": duration, "rate": 20}],
        "sinks": [{"type": "ndjson", "directory": str(tmp_path / "docs")}],
        "dead_letter": {"type": "ndjson", "directory": str(tmp_path), "filename": "dlq.ndjson"},
        "detectors_file": "detectors.yaml",
        "state": {"path": str(tmp_path / "state.pickle"), "snapshot_interval_seconds": 3600},
    }
    path = tmp_path / "logwarden.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


async def test_sighup_reload_keeps_state_and_restart_restores_it(tmp_path: Path) -> None:
    # a source that outlasts the test: the reload is applied by the pipeline's 1 s tick, and a source that
    # ended first (20 simulated minutes take ~2 s here) stopped the tick before it could (a timing-dependent failure)
    path = _write_config(tmp_path, min_ports=40, duration="24h")
    pipeline = Pipeline(load(path))
    await pipeline.start()
    scan_before = pipeline.detectors["scan"]
    run = asyncio.create_task(pipeline.run())
    await asyncio.sleep(1.0)
    _write_config(tmp_path, min_ports=12)  # operator edits the detectors file, then sends SIGHUP
    pipeline.request_reload()
    for _ in range(50):
        await asyncio.sleep(0.1)
        if pipeline.detectors["scan"].config.min_ports == 12:
            break
    assert pipeline.detectors["scan"] is scan_before  # reconfigured in place: model state kept
    assert pipeline.detectors["scan"].config.min_ports == 12
    pipeline.stop()  # a graceful stop drains and writes the state snapshot
    await run
    assert (tmp_path / "state.pickle").exists()
    learned = pipeline.detectors["rejects"].snapshot()

    restarted = Pipeline(load(path))
    await restarted.start()
    try:
        # the restarted detector holds the learned state: nothing re-learned from zero
        again = restarted.detectors["rejects"].snapshot()
        assert learned["keys"] and again["keys"].keys() == learned["keys"].keys()
        assert (again["watermark"], again["closed_until"], again["counters"]) == (
            learned["watermark"], learned["closed_until"], learned["counters"])
        models = lambda snap: sum(len(k.models) for k in snap["keys"].values())  # noqa: E731
        assert models(again) == models(learned) > 0
    finally:
        await restarted._close()


async def test_invalid_reload_keeps_the_running_config(tmp_path: Path) -> None:
    path = _write_config(tmp_path, min_ports=40)
    pipeline = Pipeline(load(path))
    await pipeline.start()
    (tmp_path / "detectors.yaml").write_text("detectors:\n  - {type: port_scan, name: scan, min_ports: -5}\n")
    result = pipeline.reloader.reload()
    assert result.problems and any("min_ports" in p for p, _ in result.problems)
    assert pipeline.detectors["scan"].config.min_ports == 40
    await pipeline._close()
