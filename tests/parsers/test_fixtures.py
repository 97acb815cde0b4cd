"""Golden tests: lines written from AWS's documented examples, with the expected documents checked in.

``tests/data/parsers/<dataset>-<variant>.log`` is parsed as one batch by the
``<dataset>`` parser (configured by ``<name>.config.json`` when present) and the
result must equal ``<name>.expected.json``: the documents, the dead-letter
reasons and the drop counts. After a deliberate change, regenerate with
``LOGWARDEN_REGEN_FIXTURES=1 pytest tests/parsers/test_fixtures.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from streams.core.model import Entry, Position
from streams.core.registry import PARSERS

DATA = Path(__file__).resolve().parents[1] / "data" / "parsers"
LOGS = sorted(DATA.glob("*.log"))


def run(log: Path) -> dict:
    dataset = log.stem.split("-")[0]
    config_path = log.with_suffix(".config.json")
    settings = json.loads(config_path.read_text()) if config_path.exists() else {}
    envelope = settings.pop("_envelope", {})  # what a CloudWatch Logs decoder would attach
    registration = PARSERS.get(dataset)
    parser = registration.factory(registration.config(type=dataset, keep_original=False, **settings))
    lines = log.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    entries = [
        Entry(line, Position("fixture", log.name, "0", str(n)), context=envelope.get("context"),
              timestamp_ms=envelope.get("timestamp_ms"))
        for n, line in enumerate(lines, 1)
    ]
    result = parser.parse(entries)
    return {
        "events": [{"line": int(e.position.offset), "id": e.id, "doc": e.doc} for e in result.events],
        "errors": [{"line": int(e.position.offset), "reason": e.reason} for e in result.errors],
        "dropped": result.dropped,
    }


@pytest.mark.parametrize("log", LOGS, ids=[p.name for p in LOGS])
def test_fixture(log: Path) -> None:
    expected_path = log.with_suffix(".expected.json")
    actual = json.loads(json.dumps(run(log)))
    if os.environ.get("LOGWARDEN_REGEN_FIXTURES"):
        expected_path.write_text(json.dumps(actual, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual == expected
