"""``python -m streams.cli parse --dataset D FILE`` over the golden fixtures, one file per dataset.

The CLI runs the whole processor chain (decoder, parser, offline enrichers),
so its documents must hold every field of the golden parser output with the
same value (enrichers may add fields) and the same number of documents.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.parsers.compat import flatten

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "parsers"


def _one_file_per_dataset() -> list[Path]:
    chosen: dict[str, Path] = {}
    for log in sorted(DATA.glob("*.log")):
        config = log.with_suffix(".config.json")
        if config.exists() and "_envelope" in json.loads(config.read_text()):
            continue  # needs a CloudWatch envelope the plain file source does not have
        chosen.setdefault(log.stem.split("-")[0], log)
    return sorted(chosen.values())


@pytest.mark.parametrize("log", _one_file_per_dataset(), ids=lambda p: p.name)
def test_cli_parse_matches_golden(log: Path) -> None:
    dataset = log.stem.split("-")[0]
    command = [sys.executable, "-m", "streams.cli", "parse", "--dataset", dataset, str(log)]
    config = log.with_suffix(".config.json")
    if config.exists():
        for key, value in json.loads(config.read_text()).items():
            command += ["-o", f"{key}={json.dumps(value)}"]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    documents = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    golden = json.loads(log.with_suffix(".expected.json").read_text())["events"]
    assert len(documents) == len(golden), run.stderr
    for want, got in zip(golden, documents, strict=True):
        flat_got = flatten(got)
        missing = {k: v for k, v in flatten(want["doc"]).items() if flat_got.get(k) != v}
        assert not missing, f"line {want['line']}: {missing}"
