"""OpenSearch Dashboards saved objects: every field a visualization or saved search uses is defined, with a
usable type, by the index templates the OpenSearch sink installs (deploy/opensearch/templates/)."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import pytest

from tests.deploy.shipped import DEPLOY

DASHBOARDS = DEPLOY / "dashboards"
TEMPLATES = DEPLOY / "opensearch" / "templates"
NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long"}
AGGREGATABLE = NUMERIC | {"keyword", "ip", "date", "boolean", "constant_keyword"}
FIELD_TYPES = {  # aggregation type -> field types it accepts
    "terms": AGGREGATABLE,
    "date_histogram": {"date"},
    "geohash_grid": {"geo_point"},
    "sum": NUMERIC,
    "avg": NUMERIC,
    "max": NUMERIC,
    "min": NUMERIC,
    "percentiles": NUMERIC,
    "cardinality": AGGREGATABLE,
}
KUERY_FIELD = re.compile(r"([A-Za-z_@][\w.@]*)\s*(?::|>=|<=|>|<)")


def _flatten(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for name, spec in properties.items():
        if "properties" in spec:
            out.update(_flatten(spec["properties"], f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = spec.get("type", "object")
    return out


def _templates() -> list[tuple[list[str], dict[str, str]]]:
    """(index patterns, field -> type) of every index template, with its component templates merged in."""
    if not TEMPLATES.is_dir() or not any(TEMPLATES.glob("index.*.json")):
        pytest.skip("no index templates under deploy/opensearch/templates/ (they come from the opensearch branch)")
    components = {
        p.name.removeprefix("component.").removesuffix(".json"): json.loads(p.read_text())
        for p in TEMPLATES.glob("component.*.json")
    }
    out = []
    for path in sorted(TEMPLATES.glob("index.*.json")):
        template = json.loads(path.read_text())
        fields: dict[str, str] = {}
        for name in template.get("composed_of", []):
            fields.update(_flatten(components[name]["template"]["mappings"]["properties"]))
        fields.update(_flatten(template.get("template", {}).get("mappings", {}).get("properties", {})))
        out.append((template["index_patterns"], fields))
    return out


def _fields_for(title: str) -> dict[str, str]:
    """Fields of the template(s) whose patterns cover the index pattern ``title``."""
    probe = title.replace("*", "x")
    matched = [fields for patterns, fields in _templates() if any(fnmatch.fnmatch(probe, p) for p in patterns)]
    assert matched, f"no index template covers the index pattern {title!r}"
    merged: dict[str, str] = {}
    for fields in matched:
        merged.update(fields)
    return merged


def _objects() -> list[dict[str, Any]]:
    objects = []
    for path in sorted(DASHBOARDS.glob("*.ndjson")):
        for line in path.read_text().splitlines():
            if line.strip():
                objects.append(json.loads(line))
    return objects


def _index_of(obj: dict[str, Any], patterns: dict[str, dict[str, Any]]) -> str:
    ref = next(r for r in obj["references"] if r["name"] == "kibanaSavedObjectMeta.searchSourceJSON.index")
    return patterns[ref["id"]]["attributes"]["title"]


def _query_fields(obj: dict[str, Any]) -> list[str]:
    source = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    return KUERY_FIELD.findall(source.get("query", {}).get("query", ""))


def _uses(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, how it is used) pairs of a visualization or saved search."""
    uses = [(f, "query") for f in _query_fields(obj)]
    if obj["type"] == "visualization":
        for agg in json.loads(obj["attributes"]["visState"])["aggs"]:
            if "field" in agg.get("params", {}):
                uses.append((agg["params"]["field"], agg["type"]))
    else:
        uses += [(c, "column") for c in obj["attributes"]["columns"]]
        uses += [(field, "sort") for field, _ in obj["attributes"]["sort"]]
    return uses


def test_the_three_dashboards_exist() -> None:
    titles = {o["attributes"]["title"] for o in _objects() if o["type"] == "dashboard"}
    assert titles == {"logwarden: VPC Flow Logs", "logwarden: load balancers", "logwarden: findings"}


def test_every_reference_resolves() -> None:
    objects = _objects()
    ids = {(o["type"], o["id"]) for o in objects}
    assert len(ids) == len(objects), "duplicate saved object ids"
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in ids, f"{obj['id']} refers to missing {ref}"
        if obj["type"] == "dashboard":
            panels = json.loads(obj["attributes"]["panelsJSON"])
            assert {p["panelRefName"] for p in panels} == {r["name"] for r in obj["references"]}


def test_visualizations_use_fields_the_index_templates_define() -> None:
    objects = _objects()
    patterns = {o["id"]: o for o in objects if o["type"] == "index-pattern"}
    checked = 0
    for pattern in patterns.values():
        fields = _fields_for(pattern["attributes"]["title"])
        assert fields.get(pattern["attributes"]["timeFieldName"]) == "date"
    for obj in (o for o in objects if o["type"] in ("visualization", "search")):
        fields = _fields_for(_index_of(obj, patterns))
        for field, use in _uses(obj):
            assert field in fields, f"{obj['id']}: {field!r} ({use}) is not in the index template"
            allowed = FIELD_TYPES.get(use)
            assert allowed is None or fields[field] in allowed, f"{obj['id']}: {use} on {field} ({fields[field]})"
            checked += 1
    assert checked >= 30


def test_vpcflow_dashboard_has_the_requested_panels() -> None:
    objects = {o["id"]: o for o in _objects()}
    dashboard = objects["logwarden-vpcflow-dashboard"]
    panels = [objects[r["id"]] for r in dashboard["references"]]
    uses = {(f, u) for p in panels for f, u in _uses(p)}
    assert ("source.ip", "terms") in uses and ("event.action", "query") in uses  # top sources by REJECTs
    assert ("destination.port", "terms") in uses
    assert ("source.geo.location", "geohash_grid") in uses
    assert ("@timestamp", "date_histogram") in uses and ("event.action", "terms") in uses  # accepted vs rejected


def test_the_field_check_knows_types_and_unknown_fields() -> None:
    fields = _fields_for("logs-aws.vpcflow-*")
    assert "source.ip" in fields and "source.ipaddress" not in fields
    assert fields["source.geo.location"] == "geo_point"
