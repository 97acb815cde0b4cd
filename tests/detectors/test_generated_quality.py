"""Precision, recall and time to detect on the traffic generator's labelled VPC flow logs (benchmark)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detectors.backtest import run_logs
from detectors.runner import DetectorSet
from streams.cli import app
from streams.cli.cmd_backtest import DEFAULT_DETECTORS
from streams.core.config import validate_detectors

ANOMALIES = """
- {kind: port_scan, start: 40m, end: 42m}
- {kind: reject_spike, start: 60m, end: 65m}
- {kind: rate_spike, start: 80m, end: 84m, factor: 4}
- {kind: silence, start: 100m, end: 110m}
"""
EXPECTED = {"port_scan": "port_scan", "reject_spike": "vpc_rejects", "rate_spike": "log_rate", "silence": "log_rate"}


def related(label: dict) -> set[str]:
    entity = label["entity"]
    return {entity.get("eni", ""), entity.get("source_ip", ""), "aws.vpcflow", *label["params"].get("source_ips", [])}


@pytest.mark.benchmark
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_traffic_quality(seed: int, tmp_path: Path) -> None:
    anomalies = tmp_path / "a.yaml"
    anomalies.write_text(ANOMALIES)
    logs, labels_path = tmp_path / "vpc.log.gz", tmp_path / "labels.json"
    result = CliRunner().invoke(app, ["generate", str(logs), "-n", "200000", "--rate", "25", "--seed", str(seed),
                                      "--anomalies", str(anomalies), "--labels", str(labels_path)])
    assert result.exit_code == 0, result.output
    labels = json.loads(labels_path.read_text())
    backtest = run_logs(DetectorSet(validate_detectors(DEFAULT_DETECTORS), clock=lambda: 0.0), [str(logs)], None)
    first = {}
    for f in backtest.findings:
        first.setdefault(f.id, f)
    delays, missed = [], []
    for label in labels:
        entity = label["entity"].get("source_ip") or label["entity"]["eni"]
        hits = [f for f in first.values() if f.detector == EXPECTED[label["kind"]] and entity in f.entity.values()
                and label["start_epoch"] <= f.first_seen < label["end_epoch"] + 120]
        if hits:
            delays.append(min(f.first_seen for f in hits) - label["start_epoch"])
        else:
            missed.append(label["kind"])
    false = [f for f in first.values() if not any(
        set(f.entity.values()) & related(label) and label["start_epoch"] <= f.first_seen < label["end_epoch"] + 120
        for label in labels)]
    recall = 1 - len(missed) / len(labels)
    precision = 1 - len(false) / len(first) if first else 1.0
    print(f"seed {seed}: recall {recall:.2f} precision {precision:.2f} findings {len(first)} "
          f"time to detect (window start) {delays} missed {missed} false {[(f.detector, f.entity) for f in false]}")
    assert recall == 1.0 and precision >= 0.8
