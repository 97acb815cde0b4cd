"""Generator throughput (``pytest -m benchmark tests/generator/test_bench.py -s``)."""

from __future__ import annotations

import time

import pytest

from streams.generator import generate_vpcflow_lines

pytestmark = pytest.mark.benchmark


def test_vpcflow_lines_per_second():
    began = time.perf_counter()
    count = sum(1 for _ in generate_vpcflow_lines(1_000_000, seed=1, start="2024-01-01T00:00:00Z", rate=1000))
    rate = count / (time.perf_counter() - began)
    print(f"\ngenerate_vpcflow_lines: {rate:,.0f} lines/s")
    assert count == 1_000_000 and rate > 100_000
