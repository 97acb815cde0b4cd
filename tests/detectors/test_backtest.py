"""``logwarden backtest`` over generated recorded logs, ECS documents and a series: findings and one panel per key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from streams.cli import app
from tests.detectors.traffic import Traffic, standard_injections

runner = CliRunner()


@pytest.fixture(scope="module")
def recorded_logs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    base = tmp_path_factory.mktemp("backtest")
    anomalies = base / "anomalies.yaml"
    anomalies.write_text("- {kind: port_scan, start: 20m, end: 21m}\n")
    logs, labels = base / "vpc.log.gz", base / "labels.json"
    result = runner.invoke(app, ["generate", str(logs), "-n", "30000", "--rate", "20", "--seed", "5",
                                 "--anomalies", str(anomalies), "--labels", str(labels)])
    assert result.exit_code == 0, result.output
    return logs, json.loads(labels.read_text())


def panels(html: str) -> list[str]:
    return re.findall(r"<div class='panel'><b>([^<]+)</b> &mdash; ([^<]+) = <b>([^<]+)</b>", html)


def test_backtest_recorded_logs(recorded_logs: tuple[Path, list[dict]], tmp_path: Path) -> None:
    logs, labels = recorded_logs
    report, findings = tmp_path / "report.html", tmp_path / "findings.ndjson"
    result = runner.invoke(app, ["backtest", str(logs), "-o", str(report), "--findings", str(findings),
                                 "--max-panels", "500"])
    assert result.exit_code == 0, result.output
    docs = [orjson.loads(line) for line in findings.read_text().splitlines()]
    scanner = labels[0]["entity"]["source_ip"]
    scans = [d for d in docs if d["logwarden"]["finding"]["entity"] == {"source.ip": scanner}]
    assert scans and scans[0]["logwarden"]["finding"]["type"] == "Recon:EC2/PortProbeUnprotectedPort"
    assert scans[0]["event"]["start"] == labels[0]["start"].replace("Z", ".000Z")  # the first anomalous window
    assert {d["rule"]["name"] for d in docs} <= {"port_scan", "vpc_rejects", "log_rate"}
    html = report.read_text()
    drawn = panels(html)
    assert len(drawn) == len(set(drawn))  # one panel per key
    assert ("port_scan", "source.ip", scanner) in drawn
    assert ("log_rate", "dataset", "aws.vpcflow") in drawn
    assert "<script" not in html and "http://" not in html.split("</style>")[0]


def test_backtest_ecs_documents_with_ocsf_print(tmp_path: Path) -> None:
    traffic = Traffic(minutes=70, injections=standard_injections()[:1])
    docs = tmp_path / "docs.ndjson"
    with docs.open("wb") as handle:
        for batch in traffic.batches():
            for event in batch:
                handle.write(orjson.dumps({"_id": event.id, "data_stream": {"dataset": event.dataset}, **event.doc}) + b"\n")
    report = tmp_path / "r.html"
    result = runner.invoke(app, ["backtest", str(docs), "--format", "ecs", "-o", str(report), "--print",
                                 "--render", "ocsf"])
    assert result.exit_code == 0, result.output
    printed = [orjson.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert printed and all(p["class_uid"] == 2004 for p in printed)
    assert any(p["finding_info"]["types"] == ["Recon:EC2/PortProbeUnprotectedPort"] for p in printed)
    assert ("port_scan", "source.ip", "198.51.100.200") in panels(report.read_text())


def test_backtest_series(tmp_path: Path) -> None:
    series = tmp_path / "requests.csv"
    rows = ["timestamp,value"] + [f"{1_700_000_040 + 60 * i},{900 if i == 50 else 100 + i % 7}" for i in range(80)]
    series.write_text("\n".join(rows) + "\nnot,a,row\n")
    report = tmp_path / "s.html"
    result = runner.invoke(app, ["backtest", str(series), "--format", "series", "-o", str(report), "--print"])
    assert result.exit_code == 0, result.output
    printed = [orjson.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    opened = [p for p in printed if p["logwarden"]["finding"]["status"] == "open"]
    assert [(p["logwarden"]["finding"]["type"], p["logwarden"]["finding"]["observed"]) for p in opened] == [
        ("rate_spike", 900.0)]
    assert panels(report.read_text()) == [("series", "series", "requests")]
    assert "skipped 1 malformed" in result.stderr
