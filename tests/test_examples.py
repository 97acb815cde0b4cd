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
