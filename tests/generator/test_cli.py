"""``logwarden generate``."""

from __future__ import annotations

import gzip
import json

from typer.testing import CliRunner

from processors.decode.detect import sniff
from streams.cli import app


def test_generate_writes_gzip_lines_with_anomalies_and_labels(tmp_path):
    anomalies = tmp_path / "anomalies.yaml"
    anomalies.write_text("anomalies:\n  - {kind: port_scan, start: 2s, end: 8s, rate: 50}\n")
    out, labels = tmp_path / "flows.log.gz", tmp_path / "labels.json"
    result = CliRunner().invoke(app, ["generate", "--dataset", "vpcflow", "--count", "20000", "--seed", "3",
                                      "--anomalies", str(anomalies), "--labels", str(labels), str(out)])
    assert result.exit_code == 0, result.output
    lines = gzip.decompress(out.read_bytes()).decode().splitlines()
    assert len(lines) == 20000 and all(sniff(line) == "vpcflow" for line in lines[:500])
    (label,) = json.loads(labels.read_text())
    scanner = label["entity"]["source_ip"]
    assert len({line.split()[6] for line in lines if line.split()[3] == scanner}) > 200


def test_generate_plain_file_is_deterministic(tmp_path):
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    for path in (a, b):
        assert CliRunner().invoke(app, ["generate", "-n", "5000", "--seed", "8", "-d", "vpcflow", "-d", "alb", str(path)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes() and len(a.read_text().splitlines()) == 5000


def test_generate_rejects_bad_settings(tmp_path):
    result = CliRunner().invoke(app, ["generate", "-n", "10", "-d", "netflow", str(tmp_path / "x.log")])
    assert result.exit_code != 0 and "netflow" in result.output
