"""The replay pipeline writes the same documents, dead letters and findings on the fast and the reference path."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from streams.core.config import validate
from streams.runtime.pipeline import Pipeline
from tests.benchmarks.bench_pipeline import generate, geoip_databases, pipeline_config


def _run(path: Path, out: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list, dict]:
    monkeypatch.setenv("LOGWARDEN_FASTPATH", "1" if fast else "0")
    config = pipeline_config(path, out, *geoip_databases(path.parent))
    data = config.raw.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    for det in data["detectors"]:  # short windows and warm-up so a few minutes of traffic give findings
        det["window"] = {"seconds": 10, "allowed_lateness_seconds": 0}
        det["model"] = {"warmup": 5}
    pipeline = Pipeline(validate(data, "test"))
    summary = asyncio.run(pipeline.run()).as_dict()
    docs = sorted(orjson.loads(line)["_id"] + line.decode()
                  for line in (out / "documents" / "aws.vpcflow.ndjson").read_bytes().splitlines())
    findings_file = out / "findings.ndjson"
    found = [orjson.loads(line) for line in findings_file.read_bytes().splitlines()] if findings_file.exists() else []
    findings = sorted((f["_id"], f["event"]["reason"], f["event"]["start"], f["event"]["end"]) for f in found)
    return docs, findings, summary


def test_fast_and_reference_pipeline_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "vpc.log"
    generate(source, 40_000, rate=60.0)  # 11 simulated minutes: the REJECT spike and the port scan
    # ~18 blocks instead of one: document ids and dead-letter positions carry line numbers, so the fast path's
    # numbering across blocks (the reader takes each block's line count from the path) is checked too
    from processors.fast.vpcflow import VpcFlowFastPath

    monkeypatch.setattr(VpcFlowFastPath, "block_bytes", 256 << 10)
    fast_docs, fast_findings, fast = _run(source, tmp_path / "fast", True, monkeypatch)
    ref_docs, ref_findings, ref = _run(source, tmp_path / "ref", False, monkeypatch)
    assert len(fast_docs) > 39_000 and fast_docs == ref_docs
    assert fast_findings == ref_findings
    assert len(fast_findings) >= 2  # the injected anomalies are found, identically
    for key in ("records_in", "documents", "dead_letters", "findings"):
        assert fast[key] == ref[key], key
