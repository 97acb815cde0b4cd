"""Index templates, the ECS component template and ISM policies, shipped as JSON.

The JSON files beside this module are the single source; ``deploy/opensearch/``
holds identical copies for operators (a test keeps them equal). At sink start
``install`` puts them on the cluster idempotently (PUT overwrites):

* ``component.<name>.json``: composable component templates (ECS common fields);
* ``index.<name>.json``: one index template per dataset; ``_meta.datasets``
  lists the datasets it covers, and ``index_patterns`` / ``data_stream`` are
  rewritten for the sink's layout (see ``streams.sinks.opensearch_naming``);
* ``ism.<name>.json``: ISM policies, installed only where the ISM API answers.

Field types that differ between engines are written the Elasticsearch way
(``flattened``) and translated for OpenSearch (``flat_object``).

>>> b = load_bundle()
>>> sorted(b.components)
['logwarden-ecs@mappings']
>>> len(b.index_templates), "logwarden-aws.vpcflow" in b.index_templates
(13, True)
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from streams.sinks.opensearch_naming import IndexNaming

log = logging.getLogger(__name__)
TEMPLATE_DIR = Path(__file__).parent


class Flavor(StrEnum):
    OPENSEARCH = "opensearch"
    ELASTICSEARCH = "elasticsearch"


@dataclass(frozen=True)
class TemplateBundle:
    components: dict[str, dict[str, Any]]
    index_templates: dict[str, dict[str, Any]]
    ism_policies: dict[str, dict[str, Any]]


def load_bundle(directory: Path = TEMPLATE_DIR) -> TemplateBundle:
    """Read every template file of ``directory`` (names as described above)."""
    groups: dict[str, dict[str, dict[str, Any]]] = {"component": {}, "index": {}, "ism": {}}
    for path in sorted(directory.glob("*.json")):
        kind, _, rest = path.name.partition(".")
        name = rest.removesuffix(".json")
        if kind == "index":
            name = f"logwarden-{name.removeprefix('logwarden.')}"
        groups[kind][name] = json.loads(path.read_text())
    return TemplateBundle(groups["component"], groups["index"], groups["ism"])


def _translate_types(node: Any, flavor: Flavor) -> Any:
    if flavor is Flavor.ELASTICSEARCH:
        return node
    if isinstance(node, dict):
        out = {k: _translate_types(v, flavor) for k, v in node.items()}
        if out.get("type") == "flattened":
            out["type"] = "flat_object"
        return out
    if isinstance(node, list):
        return [_translate_types(v, flavor) for v in node]
    return node


def render_index_template(body: dict[str, Any], naming: IndexNaming, flavor: Flavor) -> dict[str, Any]:
    """Adapt one index template to the sink's layout and the engine.

    >>> b = load_bundle()
    >>> t = render_index_template(b.index_templates["logwarden-aws.waf"], IndexNaming("dated"), Flavor.OPENSEARCH)
    >>> t["index_patterns"], "data_stream" in t
    (['logwarden-aws.waf-*'], False)
    >>> t["template"]["mappings"]["properties"]["aws"]["properties"]["waf"]["properties"]["labels"]
    {'type': 'flat_object'}
    """
    out = _translate_types(copy.deepcopy(body), flavor)
    datasets = out.get("_meta", {}).get("datasets") or []
    if datasets:  # dataset templates follow the layout; the findings template keeps its own pattern
        out["index_patterns"] = [p for d in datasets for p in naming.patterns(d)]
        if naming.mode == "data_stream":
            out["data_stream"] = {}
        else:
            out.pop("data_stream", None)
    return out


def render_ism_policy(
    body: dict[str, Any], naming: IndexNaming, datasets: list[str], retention_days: int, rollover: dict[str, Any]
) -> dict[str, Any]:
    """Fill retention, rollover conditions and the managed index patterns into a policy.

    >>> b = load_bundle()
    >>> p = render_ism_policy(b.ism_policies["logwarden-logs"], IndexNaming(), ["aws.vpcflow"], 7, {"min_size": "1gb"})
    >>> p["policy"]["states"][0]["actions"], p["policy"]["states"][0]["transitions"][0]["conditions"]
    ([{'rollover': {'min_size': '1gb'}}], {'min_index_age': '7d'})
    >>> p["policy"]["ism_template"][0]["index_patterns"]
    ['.ds-logs-aws.vpcflow-*']
    """
    out = copy.deepcopy(body)
    policy = out["policy"]
    for state in policy["states"]:
        for action in state["actions"]:
            if "rollover" in action:
                action["rollover"] = dict(rollover)
        for transition in state["transitions"]:
            if transition.get("state_name") == "delete":
                transition["conditions"] = {"min_index_age": f"{retention_days}d"}
    for tmpl in policy.get("ism_template", []):
        tmpl["index_patterns"] = naming.ism_patterns(datasets)
    return out


def bundle_datasets(bundle: TemplateBundle) -> list[str]:
    """Every dataset some index template covers, in a stable order."""
    return sorted({d for body in bundle.index_templates.values() for d in body.get("_meta", {}).get("datasets", [])})
