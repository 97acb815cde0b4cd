"""The generic fast-path hook: which chains and detectors a block fast path serves, and why not."""

from __future__ import annotations

from processors.chain import ParserSet, ProcessorChain, build_enrichers
from processors.fast.base import Schema, build_fast_path
from processors.fast.detect import columns_support
from processors.fast.vpcflow import SCHEMA, VpcFlowFastPath
from streams.core.config import validate_detectors
from streams.core.registry import DETECTORS


def _chain(dataset: str) -> ProcessorChain:
    return ProcessorChain("auto", dataset, ParserSet(), build_enrichers(None))


def _detector(spec: dict) -> object:
    return DETECTORS.build(validate_detectors([spec])[0])


def test_build_picks_the_dataset_path_or_says_why_not() -> None:
    assert isinstance(build_fast_path(_chain("vpcflow"), include_id=True, keep_original=False, sample=b"2 1 eni"),
                      VpcFlowFastPath)
    why = build_fast_path(_chain("vpcflow"), include_id=True, keep_original=False, sample=b' {"message": "2 1"}')
    assert why == "the input looks like JSON"
    assert "keep_original" in build_fast_path(_chain("vpcflow"), include_id=True, keep_original=True, sample=b"")
    why = build_fast_path(_chain("route53"), include_id=True, keep_original=False, sample=b"")
    assert isinstance(why, str) and "'route53' has no fast path" in why and "vpcflow" in why


def test_columns_support_follows_the_schema() -> None:
    other = Schema("aws.example", frozenset({"url.domain"}), lambda p: p.startswith("aws.vpcflow"),
                   frozenset({"@timestamp"}))
    # a VPC-only detector skips every row of another dataset: served
    assert columns_support(_detector({"name": "r", "type": "vpc_rejects", "datasets": ["aws.vpcflow"]}), other) is None
    # ... but it cannot read VPC columns from a dataset that lacks them
    why = columns_support(_detector({"name": "r", "type": "vpc_rejects", "datasets": ["aws.example"]}), other)
    assert why == "detector type 'vpc_rejects' on aws.example"
    assert columns_support(_detector({"name": "l", "type": "log_rate", "keys": ["dataset", "url.domain"], "explain": ["url.domain"]}), other) is None
    assert columns_support(_detector({"name": "l", "type": "log_rate", "keys": ["user.name"], "explain": []}), other) == "fields ['user.name']"
    why = columns_support(_detector({"name": "l", "type": "log_rate", "keys": ["dataset"], "explain": [], "time_field": "event.end"}), other)
    assert why == "time field 'event.end'"
    assert columns_support(_detector({"name": "p", "type": "port_scan"}), SCHEMA) is None


def test_runtime_takes_the_fast_path_only_for_a_declared_dataset(tmp_path) -> None:  # noqa: ANN001
    from streams.cli.cmd_replay import replay_config
    from streams.runtime import fastpath
    from streams.runtime.pipeline import Pipeline

    log = tmp_path / "vpc.log"
    log.write_text("2 123456789010 eni-1 10.0.0.1 8.8.8.8 443 5000 6 1 40 100 160 ACCEPT OK\n")
    declared = Pipeline(replay_config(None, [str(log)], "vpcflow", str(tmp_path / "a")))
    declared._build()
    assert isinstance(fastpath._build(declared, declared.sources[0]), VpcFlowFastPath)
    detected = Pipeline(replay_config(None, [str(log)], None, str(tmp_path / "b")))
    detected._build()
    assert "detected per line" in fastpath._build(detected, detected.sources[0])
