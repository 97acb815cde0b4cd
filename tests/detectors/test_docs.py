"""Every YAML example in docs/detectors.md validates as detector configuration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from streams.core.config import validate_detectors

DOC = Path(__file__).parents[2] / "docs" / "detectors.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)


def test_the_guide_has_examples() -> None:
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example{i}" for i in range(len(BLOCKS))])
def test_example_validates(block: str) -> None:
    data = yaml.safe_load(block)
    items = data["detectors"] if isinstance(data, dict) else data
    built = validate_detectors(items)
    assert built and all(b.name for b in built)
