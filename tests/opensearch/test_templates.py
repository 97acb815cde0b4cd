"""Index templates: packaging, payloads as data, and ECS correctness against Elastic's reference documents."""

from __future__ import annotations

import ipaddress
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from streams.core.model import Event, Outcome, Position, event_id
from streams.sinks.opensearch import OpenSearchSink
from streams.sinks.opensearch_naming import IndexNaming, canonical_dataset
from streams.sinks.opensearch_templates import (
    TEMPLATE_DIR,
    Flavor,
    bundle_datasets,
    load_bundle,
    render_index_template,
    render_ism_policy,
)
from tests.elastic_compat import COMPAT_DIR, DATA_STREAMS
from tests.opensearch.helpers import sink_config

REPO = Path(__file__).resolve().parents[2]
ELASTIC = COMPAT_DIR
ELASTIC_DATASETS = {**DATA_STREAMS, "cloudwatch_logs": "cloudwatch"}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
# ECS defines event.duration as long nanoseconds; Elastic's CloudFront pipeline leaves float noise (1000000.06)
INTEGER_BY_ECS = {"event.duration"}


def test_deploy_copies_match_the_packaged_templates() -> None:
    packaged = {p.name: p.read_bytes() for p in TEMPLATE_DIR.glob("*.json")}
    deployed = {
        p.name: p.read_bytes()
        for sub in ("templates", "ism")
        for p in (REPO / "deploy/opensearch" / sub).glob("*.json")
    }
    assert deployed == packaged


def test_every_dataset_has_a_template() -> None:
    bundle = load_bundle()
    covered = set(bundle_datasets(bundle))
    wanted = {f"aws.{d}" for d in "vpcflow elb_logs cloudfront_logs s3access cloudtrail route53 guardduty waf lambda apigateway".split()}
    assert wanted | {"logwarden.json", "logwarden.text", "logwarden.deadletter"} <= covered
    findings = bundle.index_templates["logwarden-findings"]
    assert "data_stream" not in findings and findings["_meta"]["datasets"] == []  # upserts need a plain index
    for body in bundle.index_templates.values():
        assert body["composed_of"] == ["logwarden-ecs@mappings"]


@pytest.mark.parametrize("mode", ["data_stream", "dated"])
def test_rendered_patterns_match_the_write_targets(mode: str) -> None:
    naming = IndexNaming(mode, namespace="prod")  # type: ignore[arg-type]
    bundle = load_bundle()
    for alias in ("vpcflow", "elb", "cloudfront", "deadletter", "json", "text", "something-new"):
        target = naming.target(alias, {"@timestamp": "2026-11-22T00:00:00Z"})
        matching = []
        for name, body in bundle.index_templates.items():
            rendered = render_index_template(body, naming, Flavor.OPENSEARCH)
            if any(re.fullmatch(p.replace(".", r"\.").replace("*", ".*"), target) for p in rendered["index_patterns"]):
                matching.append(name)
        assert len(matching) == 1, (alias, target, matching)
        assert ("data_stream" in rendered) is (mode == "data_stream") or not rendered["_meta"]["datasets"]


def test_ism_policy_payloads() -> None:
    bundle = load_bundle()
    datasets = bundle_datasets(bundle)
    logs = render_ism_policy(bundle.ism_policies["logwarden-logs"], IndexNaming(), datasets, 14, {"min_size": "10gb"})
    states = {s["name"]: s for s in logs["policy"]["states"]}
    assert states["hot"]["actions"] == [{"rollover": {"min_size": "10gb"}}]
    assert states["hot"]["transitions"] == [{"state_name": "delete", "conditions": {"min_index_age": "14d"}}]
    assert states["delete"]["actions"] == [{"delete": {}}]
    assert ".ds-logs-aws.vpcflow-*" in logs["policy"]["ism_template"][0]["index_patterns"]
    dated = render_ism_policy(bundle.ism_policies["logwarden-dated"], IndexNaming("dated"), datasets, 3, {})
    assert "logwarden-aws.cloudtrail-*" in dated["policy"]["ism_template"][0]["index_patterns"]
    assert all("rollover" not in a for s in dated["policy"]["states"] for a in s["actions"])


def _leaves(node: Any, path: str = "") -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            for k, v in _leaves(value, f"{path}.{key}" if path else key).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(node, list):
        for value in node:
            for k, v in _leaves(value, path).items():
                out.setdefault(k, []).extend(v)
    else:
        out[path] = [node]
    return out


def _field_type(mapping: dict[str, Any], path: str) -> str | None:
    node: dict[str, Any] = mapping
    for part in path.split("."):
        child = (node.get("properties") or {}).get(part)
        if child is None:
            return None
        if child.get("type") in ("geo_point", "flattened", "flat_object"):
            return child["type"]
        node = child
    return node.get("type")


def _reference_documents() -> dict[str, list[dict[str, Any]]]:
    if not ELASTIC.is_dir():
        pytest.skip(f"Elastic reference fixtures not found at {ELASTIC}")
    docs: dict[str, list[dict[str, Any]]] = {}
    for folder, dataset in ELASTIC_DATASETS.items():
        for path in sorted((ELASTIC / folder).glob("*-expected.json")):
            docs.setdefault(dataset, []).extend(d for d in json.loads(path.read_text())["expected"] if d)
    return docs


@pytest.mark.integration
async def test_reference_documents_index_with_ecs_types(opensearch_url: str) -> None:
    """Every document Elastic's AWS pipelines produce indexes without a mapping error, and typed fields are typed."""
    docs = _reference_documents()
    sink = OpenSearchSink(sink_config(opensearch_url))
    await sink.start()
    try:
        events = []
        for dataset, items in docs.items():
            for i, doc in enumerate(items):
                pos = Position("elastic", dataset, "0", str(i))
                events.append(Event(doc, dataset, event_id(pos), pos))
        results = await sink.write(events)
        failures = [(e.dataset, r.reason) for e, r in zip(events, results, strict=True) if r.outcome is not Outcome.OK]
        assert failures == []
        problems: list[str] = []
        for dataset, items in docs.items():
            index = sink.naming.target(dataset, {})
            mapping = next(iter((await sink.client.indices.get_mapping(index=index)).values()))["mappings"]
            for path, values in _leaves(items).items():
                problems += _check_field(dataset, path, values, _field_type(mapping, path))
        assert problems == [], "\n".join(problems)
        assert Counter(canonical_dataset(d) for d in docs)["logwarden.generic"] == 0
    finally:
        await sink.close()


def _check_field(dataset: str, path: str, values: list[Any], mapped: str | None) -> list[str]:
    if mapped in ("flattened", "flat_object"):
        return []
    where = f"{dataset}: {path} -> {mapped}"
    last = path.rsplit(".", 1)[-1]
    if re.search(r"(^|\.)geo(_location|\.location)\.(lat|lon)$", path):
        return [] if mapped == "geo_point" else [where + " (want geo_point)"]
    if last == "ip" or path in ("related.ip", "network.forwarded_ip"):
        return [] if mapped == "ip" else [where + " (want ip)"]
    strings = [v for v in values if isinstance(v, str)]
    if strings and all(ISO_DATE.fullmatch(v) for v in strings):
        return [] if mapped == "date" else [where + " (ISO timestamps, want date)"]
    if strings and mapped == "ip":
        return [where + f" ({v!r} is not an IP)" for v in strings if not _is_ip(v)]
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if numbers and mapped not in ("long", "integer", "float", "double", "scaled_float"):
        return [where + " (numbers, want an explicit numeric type)"]
    if any(isinstance(v, float) for v in numbers) and mapped in ("long", "integer") and path not in INTEGER_BY_ECS:
        return [where + " (fractions in an integer field)"]
    if path in ("message", "error.message") and mapped != "text":
        return [where + " (want text)"]
    if mapped is None:
        return [where + " (not mapped)"]
    return []


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
