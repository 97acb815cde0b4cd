"""DNS name helpers.

The registered domain is the last two labels (no public-suffix list is
bundled, so ``example.co.uk`` yields ``co.uk``; see docs/parsers.md).

>>> question_fields("bad.example.com.")
{'name': 'bad.example.com', 'registered_domain': 'example.com', 'top_level_domain': 'com', 'subdomain': 'bad'}
"""

from __future__ import annotations

from typing import Any


def question_fields(name: str) -> dict[str, Any]:
    name = name.rstrip(".")
    out: dict[str, Any] = {"name": name}
    labels = name.split(".")
    if len(labels) >= 2 and all(labels[-2:]):
        out["registered_domain"] = ".".join(labels[-2:])
        out["top_level_domain"] = labels[-1]
        if len(labels) > 2:
            out["subdomain"] = ".".join(labels[:-2])
    return out
