"""Install templates and ISM policies on a cluster, idempotently, at sink start."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from streams.sinks.opensearch_naming import IndexNaming
from streams.sinks.opensearch_templates import (
    Flavor,
    TemplateBundle,
    bundle_datasets,
    load_bundle,
    render_index_template,
    render_ism_policy,
)

log = logging.getLogger(__name__)


@dataclass
class InstallReport:
    flavor: Flavor
    components: list[str] = field(default_factory=list)
    index_templates: list[str] = field(default_factory=list)
    ism_policies: list[str] = field(default_factory=list)
    ism_skipped: str = ""


async def detect_flavor(client: Any) -> Flavor:
    info = await client.info()
    distribution = (info.get("version") or {}).get("distribution", "")
    return Flavor.OPENSEARCH if distribution == "opensearch" else Flavor.ELASTICSEARCH


async def _ism_available(client: Any) -> str:
    """Empty when the ISM API answers, else the reason it is skipped."""
    try:
        await client.transport.perform_request("GET", "/_plugins/_ism/policies")
    except Exception as err:  # noqa: BLE001 - any failure means "no ISM here"
        return f"{type(err).__name__}: {str(err)[:200]}"
    return ""


async def _put_policy(client: Any, policy_id: str, body: dict[str, Any]) -> None:
    from opensearchpy.exceptions import NotFoundError

    path = f"/_plugins/_ism/policies/{policy_id}"
    try:
        current = await client.transport.perform_request("GET", path)
    except NotFoundError:
        await client.transport.perform_request("PUT", path, body=body)
        return
    params = {"if_seq_no": current["_seq_no"], "if_primary_term": current["_primary_term"]}
    await client.transport.perform_request("PUT", path, params=params, body=body)


async def install(
    client: Any,
    naming: IndexNaming,
    *,
    install_ism: bool = True,
    retention_days: int = 30,
    rollover: dict[str, Any] | None = None,
    bundle: TemplateBundle | None = None,
    only: set[str] | None = None,
) -> InstallReport:
    """PUT the component templates, the index templates (all, or those named in ``only``) and ISM policies."""
    bundle = bundle or load_bundle()
    flavor = await detect_flavor(client)
    report = InstallReport(flavor)
    for name, body in bundle.components.items():
        rendered = render_index_template(body, naming, flavor)
        await client.cluster.put_component_template(name=name, body=rendered)
        report.components.append(name)
    for name, body in bundle.index_templates.items():
        if only is not None and name not in only:
            continue
        await client.indices.put_index_template(name=name, body=render_index_template(body, naming, flavor))
        report.index_templates.append(name)
    if not install_ism:
        report.ism_skipped = "disabled in config"
        return report
    report.ism_skipped = await _ism_available(client)
    if report.ism_skipped:
        log.info("ISM API not available, skipping lifecycle policies: %s", report.ism_skipped)
        return report
    policy_name = "logwarden-logs" if naming.mode == "data_stream" else "logwarden-dated"
    body = render_ism_policy(
        bundle.ism_policies[policy_name],
        naming,
        bundle_datasets(bundle),
        retention_days,
        rollover or {"min_size": "30gb", "min_index_age": "1d"},
    )
    await _put_policy(client, policy_name, body)
    report.ism_policies.append(policy_name)
    return report
