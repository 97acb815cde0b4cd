"""Render JSON values as Java ``Map.toString()`` text, the way Elastic's CloudTrail pipeline keeps parameters.

Keeping request and response parameters as one text field stops index
mappings from growing a field per parameter name.

>>> java_text({"roleArn": "arn:x", "tags": [{"k": 1}, True, None]})
'{roleArn=arn:x, tags=[{k=1}, true, null]}'
"""

from __future__ import annotations

from typing import Any


def java_text(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
