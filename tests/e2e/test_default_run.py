"""End to end: ``logwarden run`` on the generator writes documents, the injected
REJECT-spike finding, and dead letters for malformed input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from streams.core.defaults import default_config
from tests import servers

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _demo_config(out: Path, speed: float) -> dict:
    cfg = default_config(str(out))
    cfg["sources"][0].update({"speed": speed, "duration": "30m", "rate": 40})
    cfg["sources"][0]["anomalies"] = [{"kind": "reject_spike", "start": "20m", "end": "24m"}]
    cfg["metrics"] = {"enabled": False}
    cfg["logging"] = {"format": "json"}
    return cfg


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_run_on_the_generator_finds_the_reject_spike(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cfg_path = tmp_path / "demo.yaml"
    cfg_path.write_text(yaml.safe_dump(_demo_config(out, speed=600)))
    proc = subprocess.run(
        [sys.executable, "-m", "streams.cli", "run", "-c", str(cfg_path), "--summary-json"],
        capture_output=True, text=True, timeout=240, env=_env(), cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["records_in"] > 60_000 and summary["documents"] > 60_000

    docs = _read(out / "documents" / "aws.vpcflow.ndjson")
    assert len(docs) == summary["documents"]
    assert len({d["_id"] for d in docs}) == len(docs)
    assert {"source", "destination", "network", "event", "aws", "cloud"} <= set(docs[0])

    labels = json.loads((out / "labels.json").read_text())
    spike = next(label for label in labels if label["kind"] == "reject_spike")
    findings = _read(out / "findings.ndjson")
    spike_eni = spike["entity"]["eni"]
    hits = [f for f in findings if spike_eni in json.dumps(f) and "reject" in json.dumps(f).lower()]
    assert hits, f"no REJECT finding for {spike_eni}; findings: {[f.get('message') for f in findings][:10]}"
    first = min(h["@timestamp"] for h in hits if "@timestamp" in h) if any("@timestamp" in h for h in hits) else None
    assert first is None or first >= spike["start"][:16]

    dead = _read(out / "deadletter.ndjson")
    assert dead and all(d["reason"] and d["position"]["offset"] for d in dead)
    assert summary["dead_letters"] == len(dead)


def test_sigterm_drains_and_serves_health(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cfg = _demo_config(out, speed=60)
    port = servers.free_port()
    cfg["metrics"] = {"enabled": True, "host": "127.0.0.1", "port": port}
    cfg_path = tmp_path / "demo.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "run", "-c", str(cfg_path), "--summary-json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=tmp_path,
    )
    try:
        servers.wait_for_http(f"http://127.0.0.1:{port}/readyz", timeout=60, proc=proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as resp:
            assert resp.status == 200
        time.sleep(2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as resp:
            text = resp.read().decode()
        assert "logwarden_records_in_total" in text and "logwarden_sink_items_total" in text
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr[-3000:]
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["interrupted"] is True and summary["records_in"] > 0
    docs = _read(out / "documents" / "aws.vpcflow.ndjson")
    # everything read was delivered before exit: documents + dead letters account for every record
    dead = _read(out / "deadletter.ndjson") if (out / "deadletter.ndjson").exists() else []
    assert len(docs) + len(dead) == summary["records_in"]
    assert (out / "detector-state.pickle").exists()
