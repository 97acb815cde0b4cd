"""Elastic's AWS integration fixtures (reference data outside the repository; tests skip without it).

Looked for next to the checkout (``../shared/compat/elastic-aws``), one level further up (a
worktree under ``wt/``), or where ``LOGWARDEN_COMPAT_DIR`` points.
"""

from __future__ import annotations

import json

import pytest

from tests.elastic_compat import COMPAT_DIR


def expected_docs(relative: str) -> list[dict]:
    path = COMPAT_DIR / relative
    if path.exists():
        return [doc for doc in json.loads(path.read_text())["expected"] if doc]
    pytest.skip(f"Elastic compat fixture {relative} not present (set LOGWARDEN_COMPAT_DIR)")
