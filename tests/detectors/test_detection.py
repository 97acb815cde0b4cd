"""Each detector finds its injected anomaly in the first anomalous window and stays quiet on clean traffic."""

from __future__ import annotations

import pytest

from detectors.runner import DetectorSet
from streams.core.config import validate_detectors
from streams.core.model import Finding
from tests.detectors import evaluate
from tests.detectors.traffic import T0


def run(configs: list[dict], batches: list) -> list[Finding]:
    ds = DetectorSet(validate_detectors(configs), clock=lambda: 0.0)
    found: list[Finding] = []
    for batch in batches:
        found += ds.observe(batch)
    return found + ds.flush()


@pytest.fixture(scope="module")
def all_findings(anomalous_batches: list) -> list[Finding]:
    return run(evaluate.DETECTOR_CONFIGS, anomalous_batches)


def test_quality_on_generated_traffic(anomalous_traffic, all_findings: list[Finding]) -> None:
    quality = evaluate.score(anomalous_traffic, all_findings)
    assert quality.missed == []
    assert quality.false_alarms == []
    # early: every injection is reported for its first anomalous window
    assert max(quality.detected.values()) == 0.0


def test_quiet_on_clean_traffic(clean_batches: list) -> None:
    assert run(evaluate.DETECTOR_CONFIGS, clean_batches) == []


def by(findings: list[Finding], detector: str, value: str) -> list[Finding]:
    return [f for f in findings if f.detector == detector and value in f.entity.values()]


def test_port_scan_types_and_explanation(all_findings: list[Finding]) -> None:
    outside = by(all_findings, "scan", "198.51.100.200")[0]
    assert outside.finding_type == "Recon:EC2/PortProbeUnprotectedPort"
    assert outside.explanation["scan"] == "vertical"
    assert outside.explanation["accepted_ports"] == [22, 80]
    assert outside.explanation["hosts"] == ["10.0.0.10"]
    assert 280 <= outside.explanation["distinct_ports"] <= 320  # 300 ports, HyperLogLog beyond 256
    assert outside.explanation["ports"][:5] == [1, 2, 3, 4, 5]
    inside = by(all_findings, "scan", "10.1.0.77")[0]
    assert inside.finding_type == "Recon:EC2/Portscan"


def test_reject_spike_explains_sources_and_ports(all_findings: list[Finding]) -> None:
    found = [f for f in by(all_findings, "rejects", "eni-0001") if f.status == "open"][0]
    assert found.finding_type == "reject_spike"
    assert found.first_seen == T0 + 80 * 60
    sources = {item["value"] for item in found.explanation["source.ip"][:3]}
    assert sources == {"203.0.113.0", "203.0.113.1", "203.0.113.2"}
    assert found.explanation["destination.port"][0]["value"] == 3389
    assert found.explanation["destination.port"][0]["baseline"] == 0.0
    assert found.expected is not None and found.observed > 10 * found.expected
    assert found.sample_event_ids and found.band is not None


def test_silence_and_error_burst(all_findings: list[Finding]) -> None:
    silence = by(all_findings, "rate", "eni-0003")
    assert {f.finding_type for f in silence} == {"silence"}
    assert silence[0].observed == 0.0 and silence[0].expected > 30
    burst = by(all_findings, "errors", "app/api/2")[0]
    assert burst.finding_type == "error_ratio" and burst.observed > 0.25
    codes = {item["value"] for item in burst.explanation["http.response.status_code"]}
    assert codes <= {500, 502, 503} and codes


def test_one_finding_id_per_episode(all_findings: list[Finding]) -> None:
    # the 10-minute silence: one id, opened once, resolved once, count = anomalous windows
    silence = by(all_findings, "rate", "eni-0003")
    assert len({f.id for f in silence}) == 1
    statuses = [f.status for f in silence]  # updates may follow while the score rises (series models' raw score)
    assert statuses[0] == "open" and statuses[-1] == "resolved" and set(statuses[1:-1]) <= {"open"}
    assert silence[-1].count == 10
    assert silence[-1].last_seen == T0 + 130 * 60
    # the 3-minute reject burst: one id even though it spans three windows
    rejects = by(all_findings, "rejects", "eni-0001")
    assert len({f.id for f in rejects}) == 1 and rejects[-1].status == "resolved" and rejects[-1].count == 3


def test_dry_run_prints_instead_of_returning(anomalous_batches: list) -> None:
    import io

    import orjson

    out = io.StringIO()
    ds = DetectorSet(validate_detectors([{"type": "port_scan", "name": "scan"}]), dry_run=True, out=out,
                     render="ocsf")
    returned = [f for batch in anomalous_batches[55:65] for f in ds.observe(batch)] + ds.flush()
    assert returned == []
    docs = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert docs and all(d["class_uid"] == 2004 for d in docs)
    assert docs[0]["finding_info"]["types"] == ["Recon:EC2/PortProbeUnprotectedPort"]
