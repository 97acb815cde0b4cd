"""Comparison of logwarden documents with Elastic's expected ECS documents.

Documents are flattened to dotted keys and compared value by value, with the
normalisations ECS itself allows: timestamps compare as instants, a scalar
equals a one-element list (older pipeline revisions wrote ``event.category``
as a string), ``related.*`` compare as sets (ECS asks for de-duplicated
values; some pipeline revisions keep duplicates) and numbers compare by value.
"""

from __future__ import annotations

import fnmatch
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.elastic_compat import COMPAT_DIR  # noqa: F401 - re-exported for the parser tests

# Excluded by the compat README: they depend on Elastic's GeoIP test databases or the ingest run.
EXCLUDED = (
    "source.geo.*", "destination.geo.*", "client.geo.*", "geo.*", "*.as.*", "ecs.version", "tags", "tags.*",
    "event.ingested", "event.created", "event.original",
)


def flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted keys of a nested document; empty objects vanish.

    >>> flatten({"a": {"b": 1, "c": {}}, "d": [1]})
    {'a.b': 1, 'd': [1]}
    """
    out: dict[str, Any] = {}
    if isinstance(doc, dict):
        for key, value in doc.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                out.update(flatten(value, path + "."))
            else:
                out[path] = value
    return out


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 19 or value[4] != "-" or value[10] != "T":
        return None
    text = value.replace("Z", "+00:00")
    if "." in text:  # Python 3.11 reads at most 6 fractional digits
        head, _, tail = text.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        text = f"{head}.{digits[:6]}{tail[len(digits):]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def same(key: str, expected: Any, actual: Any) -> bool:
    if expected == actual and type(expected) is type(actual):
        return True
    if isinstance(expected, list) and not isinstance(actual, list) and len(expected) == 1:
        return same(key, expected[0], actual)
    if isinstance(actual, list) and not isinstance(expected, list) and len(actual) == 1:
        return same(key, expected, actual[0])
    if key.startswith("related.") and isinstance(expected, list) and isinstance(actual, list):
        return set(map(str, expected)) == set(map(str, actual))
    if isinstance(expected, int | float) and isinstance(actual, int | float) and not isinstance(expected, bool):
        return float(expected) == float(actual)
    a, b = _instant(expected), _instant(actual)
    return a is not None and b is not None and a == b


def matches(key: str, patterns: tuple[str, ...] | set[str]) -> bool:
    return any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns)


def compare(
    expected: dict[str, Any], actual: dict[str, Any], allowed: dict[str, str], extra_ok: dict[str, str]
) -> list[str]:
    """Differences between two documents, skipping excluded and allow-listed fields.

    ``allowed`` patterns may be missing or differ; ``extra_ok`` patterns may be present
    in ours only (fields a newer revision or logwarden adds).
    """
    problems = []
    exp, act = flatten(expected), flatten(actual)
    for key, value in exp.items():
        if matches(key, EXCLUDED) or matches(key, set(allowed)):
            continue
        if key not in act:
            problems.append(f"missing {key} = {value!r}")
        elif not same(key, value, act[key]):
            problems.append(f"differs {key}: expected {value!r}, got {act[key]!r}")
    for key, value in act.items():
        if key in exp or matches(key, EXCLUDED) or matches(key, set(allowed)) or matches(key, set(extra_ok)):
            continue
        problems.append(f"extra {key} = {value!r}")
    return problems


def load_expected(path: Path) -> list[dict[str, Any] | None]:
    return json.loads(path.read_text())["expected"]
