"""``logwarden score-series``: output format, prequential scoring, bad rows, settings."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from detectors.models import model_for
from streams.cli import app

runner = CliRunner()


def write_series(path: Path, header: bool = True) -> list[tuple[str, str]]:
    rows = [(f"2014-02-14 {h:02d}:{m:02d}:00", str(40 + (h * 7 + m) % 5)) for h in range(6) for m in range(0, 60, 5)]
    rows[50] = (rows[50][0], "400")
    with path.open("w") as handle:
        if header:
            handle.write("timestamp,value\n")
        for stamp, value in rows:
            handle.write(f"{stamp},{value}\n")
    return rows


def parse(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def test_scores_every_row_echoing_timestamps_and_finds_the_spike(tmp_path: Path) -> None:
    path = tmp_path / "nab.csv"
    rows = write_series(path)
    result = runner.invoke(app, ["score-series", "--detector", "log_rate", str(path)])
    assert result.exit_code == 0, result.output
    out = parse(result.stdout)
    assert [(r["timestamp"], r["value"]) for r in out] == rows
    scores = [float(r["anomaly_score"]) for r in out]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[50] >= 0.5 and max(scores[:50]) < 0.5


def test_output_is_exactly_the_service_model_prequential(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    write_series(path, header=False)
    result = runner.invoke(app, ["score-series", "-d", "vpc_rejects", "--set", "warmup=10", str(path)])
    assert result.exit_code == 0, result.output
    model = model_for("vpc_rejects", {"warmup": 10})
    from detectors.models.series_io import read_series

    expected = []
    for point in read_series(path.read_text().splitlines()):
        expected.append(f"{model.score_one(point.t, point.x).score:.6f}")
        model.learn_one(point.t, point.x)
    assert [r["anomaly_score"] for r in parse(result.stdout)] == expected


def test_bad_rows_are_reported_with_line_numbers_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,value\n1700000000,1\nyesterday,2\n1700000060,lots\n1700000120\n1700000180,nan\n1700000240000,3\n")
    result = runner.invoke(app, ["score-series", "-d", "log_rate", str(path)])
    assert result.exit_code == 0
    assert [r["timestamp"] for r in parse(result.stdout)] == ["1700000000", "1700000180", "1700000240000"]
    for line in (":3:", ":4:", ":5:"):
        assert line in result.stderr
    assert "3 bad row(s) skipped" in result.stderr


def test_unknown_set_key_and_unknown_detector_fail_naming_them(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    write_series(path)
    result = runner.invoke(app, ["score-series", "-d", "log_rate", "--set", "treshold=0.4", str(path)])
    assert result.exit_code != 0 and "treshold" in result.output
    result = runner.invoke(app, ["score-series", "-d", "log_rate", "--set", "warmup=-3", str(path)])
    assert result.exit_code != 0 and "warmup" in result.output
    result = runner.invoke(app, ["score-series", "-d", "no_such", str(path)])
    assert result.exit_code != 0 and "no_such" in result.output


def test_detector_from_a_config_uses_its_model_settings(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    write_series(path)
    config = tmp_path / "logwarden.yaml"
    config.write_text("detectors:\n  - type: log_rate\n    name: calm\n    model: {params: {direction: down, warmup: 5}}\n")
    result = runner.invoke(app, ["score-series", "-d", "calm", "-c", str(config), str(path)])
    assert result.exit_code == 0, result.output
    assert float(parse(result.stdout)[50]["anomaly_score"]) == 0.0  # a spike up, and only drops count
    result = runner.invoke(app, ["score-series", "-d", "other", "-c", str(config), str(path)])
    assert result.exit_code != 0 and "calm" in result.output
    config.write_text("detectors:\n  - type: log_rate\n    name: calm\n    model: {params: {colour: red}}\n")
    result = runner.invoke(app, ["score-series", "-d", "calm", "-c", str(config), str(path)])
    assert result.exit_code != 0 and "colour" in result.output
