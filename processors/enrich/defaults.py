"""The enrichers that need no external data, in the order they run by default.

The processor chain (``processors/chain.py``) uses ``DEFAULT_ENRICHERS`` when
a config has no ``enrichers:`` key (the service and ``logwarden parse``).
GeoIP and ENI look-ups need files or AWS access, so they run only when
configured.

>>> [item["type"] for item in DEFAULT_ENRICHERS]
['network', 'community_id', 'user_agent']
"""

from __future__ import annotations

from typing import Any

DEFAULT_ENRICHERS: list[dict[str, Any]] = [
    {"type": "network"},
    {"type": "community_id"},
    {"type": "user_agent"},
]
