"""Routing by severity and detector in the local finding sinks (NDJSON file, console) and their config keys."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from streams.core.model import Outcome
from streams.core.registry import FINDING_SINKS
from tests.sinks.cases import ROUTE, mixed_findings, routed_ids, skipped


def build(kind: str, **cfg):
    return FINDING_SINKS.build(FINDING_SINKS.get(kind).config.model_validate({"type": kind, **cfg}))


async def test_ndjson_findings_file_holds_only_routed_findings(tmp_path: Path) -> None:
    path = tmp_path / "out" / "findings.ndjson"
    sink = build("ndjson", name="nd-routed", path=str(path), format="raw", **ROUTE)
    findings = mixed_findings()
    before = skipped("nd-routed")
    await sink.start()
    try:
        results = await sink.write(findings)
    finally:
        await sink.close()
    assert [r.outcome for r in results] == [Outcome.OK] * 4  # not routed here = nothing to deliver = OK
    assert [r.reason for r in results] == ["", "not routed to this sink", "", "not routed to this sink"]
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert {d["id"] for d in lines} == routed_ids(findings)
    assert skipped("nd-routed") - before == 2


async def test_ndjson_without_routing_keys_writes_everything(tmp_path: Path) -> None:
    path = tmp_path / "all.ndjson"
    sink = build("ndjson", path=str(path), format="raw")
    await sink.start()
    try:
        await sink.write(mixed_findings())
    finally:
        await sink.close()
    assert len(path.read_bytes().splitlines()) == 4


async def test_console_prints_only_routed_findings(capsys: pytest.CaptureFixture[str]) -> None:
    sink = build("console", name="console-routed", stream="stdout", min_severity="critical")
    before = skipped("console-routed")
    results = await sink.write(mixed_findings())
    out = capsys.readouterr().out.splitlines()
    assert [r.outcome for r in results] == [Outcome.OK] * 4
    assert len(out) == 1 and "rejects on eni-1" in out[0]
    assert skipped("console-routed") - before == 3


def test_every_finding_sink_takes_the_routing_keys_and_networked_ones_a_rate_limit() -> None:
    required = {"kafka": {}, "kinesis": {"stream": "s"}, "ndjson": {}, "console": {}, "sns": {"topic_arn": "a"},
                "webhook": {"url": "http://x"}, "opensearch": {}}  # fmt: skip
    remote = {"kafka", "kinesis", "sns", "webhook", "opensearch"}
    for kind, extra in required.items():
        config = FINDING_SINKS.get(kind).config
        routed = config.model_validate({"type": kind, **extra, **ROUTE})
        assert (routed.min_severity.value, routed.detectors) == ("high", ["rejects", "port_scan"]), kind
        assert config.model_validate({"type": kind, **extra}).accepts(mixed_findings()[3]), kind  # default: all
        with_limit = {"type": kind, **extra, "rate_limit": {"per_second": 2, "burst": 1}}
        if kind in remote:
            assert config.model_validate(with_limit).rate_limit.per_second == 2, kind
        else:
            with pytest.raises(ValueError):  # a local file or terminal has no rate limit to respect
                config.model_validate(with_limit)
    with pytest.raises(ValueError):
        FINDING_SINKS.get("kafka").config.model_validate({"type": "kafka", "min_severity": "urgent"})
