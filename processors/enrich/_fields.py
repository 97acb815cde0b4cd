"""Small helpers for reading and writing nested ECS documents.

>>> doc = {"aws": {"vpcflow": {"interface_id": "eni-1"}}}
>>> get_path(doc, ("aws", "vpcflow", "interface_id")), get_path(doc, ("aws", "x"))
('eni-1', None)
>>> section(doc, "network")["transport"] = "tcp"
>>> doc["network"]
{'transport': 'tcp'}
>>> as_int("6"), as_int(6), as_int("x"), as_int(True)
(6, 6, None, None)
"""

from __future__ import annotations

from typing import Any

from processors.enrich._iana import PROTOCOL_NUMBERS


def get_path(doc: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at ``path`` or None when any part is missing or not a dict."""
    value: Any = doc
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
        if value is None:
            return None
    return value


def section(doc: dict[str, Any], key: str) -> dict[str, Any]:
    """``doc[key]`` as a dict, created when missing (a non-dict value is replaced)."""
    value = doc.get(key)
    if not isinstance(value, dict):
        value = doc[key] = {}
    return value


def as_int(value: Any) -> int | None:
    """An int from an int or a decimal string (parsers keep iana_number as text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and 0 < len(value) <= 18 and value.isascii() and value.isdigit():
        return int(value)
    return None


def protocol_number(network: dict[str, Any]) -> int | None:
    """The IP protocol number of ``network`` (from ``iana_number``, else ``transport``), 0..255.

    >>> protocol_number({"iana_number": "17"}), protocol_number({"transport": "tcp"}), protocol_number({"transport": ["x"]})
    (17, 6, None)
    """
    number = as_int(network.get("iana_number"))
    if number is None:
        transport = network.get("transport")
        number = PROTOCOL_NUMBERS.get(transport) if isinstance(transport, str) else None
    return number if number is not None and number <= 255 else None


def split_path(dotted: str) -> tuple[str, ...]:
    """``"aws.vpcflow.interface_id"`` -> its parts."""
    return tuple(part for part in dotted.split(".") if part)


def copy_nested(value: dict[str, Any]) -> dict[str, Any]:
    """A copy of a cached sub-document, so documents never share mutable parts.

    >>> cached = {"name": "x", "os": {"name": "Linux"}, "groups": ["sg-1"]}
    >>> copied = copy_nested(cached)
    >>> copied == cached, copied["os"] is cached["os"], copied["groups"] is cached["groups"]
    (True, False, False)
    """
    out = value.copy()
    for key, item in out.items():
        if type(item) is dict:
            out[key] = copy_nested(item)
        elif type(item) is list:
            out[key] = item.copy()
    return out
