"""Elastic's AWS integration fixtures (reference data outside the repository; tests skip without it).

Looked for next to the checkout (``../shared/compat/elastic-aws``), one level further up (a
worktree under ``wt/``), or where ``LOGWARDEN_COMPAT_DIR`` points.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = [
    Path(os.environ["LOGWARDEN_COMPAT_DIR"]) if os.environ.get("LOGWARDEN_COMPAT_DIR") else None,
    _ROOT / "../shared/compat/elastic-aws",
    _ROOT / "../../shared/compat/elastic-aws",
]


def expected_docs(relative: str) -> list[dict]:
    for base in filter(None, _CANDIDATES):
        path = base / relative
        if path.exists():
            return [doc for doc in json.loads(path.read_text())["expected"] if doc]
    pytest.skip(f"Elastic compat fixture {relative} not present (set LOGWARDEN_COMPAT_DIR)")
