"""``user_agent.*`` parsed from ``user_agent.original`` (ELB, ALB, CloudFront, API Gateway logs).

Uses ``ua-parser`` (the uap-core regexes, matched by its Rust ``regex``
backend) behind a bounded LRU cache keyed by the user agent text, since a
service sees few distinct agents. Field names and values follow Elastic's
``user_agent`` ingest processor: ``user_agent.name`` (``Other`` when
unknown), ``user_agent.version``, ``user_agent.os.name``,
``user_agent.os.version``, ``user_agent.os.full`` and
``user_agent.device.name`` (``Other`` when unknown).

>>> from streams.core.model import Event, Position
>>> doc = {"user_agent": {"original": "curl/7.46.0"}}
>>> _ = UserAgentEnricher(UserAgentConfig(type="user_agent")).enrich([Event(doc, "elb", "id", Position("s", "t", "0", "1"))])
>>> doc["user_agent"]
{'original': 'curl/7.46.0', 'name': 'curl', 'version': '7.46.0', 'device': {'name': 'Other'}}
"""

from __future__ import annotations

import functools
from typing import Any

import ua_parser
from pydantic import Field

from processors.enrich._cache import LruFunction
from processors.enrich._fields import copy_nested
from processors.enrich._lifecycle import NoBackgroundWork
from streams.core.model import Event
from streams.core.registry import ENRICHERS, ComponentConfig


class UserAgentConfig(ComponentConfig):
    cache_size: int = Field(10_000, ge=1, le=1_000_000, description="distinct user agents remembered")
    max_length: int = Field(1024, ge=16, le=65_536, description="longer user agents are parsed by their prefix")


@functools.cache
def _parser() -> ua_parser.Parser:
    """One uncached parser (the enricher's own LRU is the cache), Rust regex backend when installed."""
    try:
        from ua_parser.regex import Resolver

        return ua_parser.Parser(Resolver(ua_parser.load_lazy_builtins()))
    except ImportError:  # pragma: no cover - the regex extra is a declared dependency
        return ua_parser.Parser(ua_parser.BasicResolver(ua_parser.load_builtins()))


def _version(*parts: str | None) -> str | None:
    present = []
    for part in parts:
        if part is None:
            break
        present.append(part)
    return ".".join(present) or None


def parse_user_agent(text: str) -> dict[str, Any]:
    """The ``user_agent`` fields for one user agent string.

    >>> parse_user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    ...                  "Chrome/78.0.3904.108 Safari/537.36")["os"]
    {'name': 'Windows', 'version': '10', 'full': 'Windows 10'}
    """
    result = _parser().parse(text)
    fields: dict[str, Any] = {}
    agent = result.user_agent
    fields["name"] = agent.family if agent is not None else "Other"
    version = _version(agent.major, agent.minor, agent.patch, agent.patch_minor) if agent is not None else None
    if version:
        fields["version"] = version
    os = result.os
    if os is not None and os.family != "Other":
        os_fields = {"name": os.family}
        os_version = _version(os.major, os.minor, os.patch, os.patch_minor)
        if os_version:
            os_fields["version"] = os_version
            os_fields["full"] = f"{os.family} {os_version}"
        fields["os"] = os_fields
    device = result.device
    fields["device"] = {"name": device.family if device is not None else "Other"}
    return fields


@ENRICHERS.register("user_agent", UserAgentConfig)
class UserAgentEnricher(NoBackgroundWork):
    """Parses ``user_agent.original`` into name, version, OS and device."""

    def __init__(self, config: UserAgentConfig):
        self.name = config.type
        self.max_length = config.max_length
        self._parse = LruFunction(parse_user_agent, config.cache_size, "user_agent")

    def enrich(self, events: list[Event]) -> list[Event]:
        parse = self._parse.get
        limit = self.max_length
        for event in events:
            agent = event.doc.get("user_agent")
            if not isinstance(agent, dict) or "name" in agent:
                continue
            original = agent.get("original")
            if not isinstance(original, str) or not original:
                continue
            for key, value in parse(original[:limit]).items():
                if key not in agent:
                    agent[key] = copy_nested(value) if isinstance(value, dict) else value
        self._parse.publish()
        return events
