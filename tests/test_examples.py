"""Every shipped example config validates (the way `logwarden check-config` does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.core.config import load

EXAMPLES = sorted(p for p in (Path(__file__).resolve().parents[1] / "examples").glob("*.yaml") if p.name != "detectors.yaml")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates(path: Path) -> None:
    assert load(path, environ={}).sources


def test_embedded_default_validates() -> None:
    cfg = load(None, environ={})
    assert [s.type for s in cfg.sources] == ["generator"] and cfg.detectors


def test_relative_files_in_component_sections_resolve_against_the_config_file(tmp_path, monkeypatch) -> None:
    import yaml

    (tmp_path / "det.yaml").write_text("detectors:\n  - {type: port_scan, name: scan}\n")
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({
        "sources": [{"type": "file", "paths": ["x.log"]}],
        "sinks": [{"type": "detector_partials", "bootstrap_servers": "127.0.0.1:9", "detectors_file": "det.yaml"}],
    }))
    monkeypatch.chdir("/")
    cfg = load(tmp_path / "c.yaml", environ={})
    assert [c.name for c in cfg.sinks[0].detector_configs()] == ["scan"]
