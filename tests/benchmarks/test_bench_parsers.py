"""Benchmark smoke run (``-m benchmark``): every parser goes through the benchmark without errors."""

import pytest

from tests.benchmarks.bench_parsers import main


@pytest.mark.benchmark
def test_parser_benchmark_runs() -> None:
    rows = main(["--entries", "5000"])
    assert rows and all(row["errors"] == 0 and row["parser_per_s"] > 0 for row in rows)
