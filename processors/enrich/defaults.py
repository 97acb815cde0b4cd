"""The enrichers that need no external data, in the order they run by default.

The processor chain uses ``DEFAULT_ENRICHERS`` when a config has no
``enrichers:`` key (the service and ``logwarden parse``). GeoIP and ENI
look-ups need files or AWS access, so they run only when configured.

>>> [item["type"] for item in DEFAULT_ENRICHERS]
['network', 'community_id', 'user_agent']
>>> [type(e).__name__ for e in build_enrichers(None)]
['NetworkEnricher', 'CommunityIdEnricher', 'UserAgentEnricher']
"""

from __future__ import annotations

from typing import Any

from streams.core.registry import ENRICHERS, ComponentConfig

DEFAULT_ENRICHERS: list[dict[str, Any]] = [
    {"type": "network"},
    {"type": "community_id"},
    {"type": "user_agent"},
]


def build_enrichers(configs: list[ComponentConfig] | None) -> list[Any]:
    """Enrichers for validated configs; ``None`` (no ``enrichers:`` key) means the defaults."""
    if configs is None:
        configs = [ENRICHERS.get(item["type"]).config(**item) for item in DEFAULT_ENRICHERS]
    return [ENRICHERS.build(config) for config in configs]
