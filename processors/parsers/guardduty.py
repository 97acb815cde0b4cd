"""GuardDuty findings (EventBridge events or S3 exports) to ECS alert documents.

The finding's own structure is kept under ``aws.guardduty`` with keys in
snake_case; the usual ECS fields (rule, severity, cloud, host, source, dns,
user, related) are filled from it. An EventBridge envelope (``detail``) is
unwrapped.

>>> from streams.core.model import Entry, Position
>>> finding = {"detail-type": "GuardDuty Finding", "detail": {"schemaVersion": "2.0", "accountId": "111122223333",
...     "region": "us-east-1", "id": "f1", "type": "Recon:EC2/PortProbeUnprotectedPort", "severity": 2,
...     "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T01:00:00.000Z", "title": "Port probe",
...     "description": "Unprotected port on EC2 instance i-1 is being probed.",
...     "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-1"}},
...     "service": {"action": {"actionType": "PORT_PROBE", "portProbeAction": {"portProbeDetails": [
...         {"localPortDetails": {"port": 22}, "remoteIpDetails": {"ipAddressV4": "198.51.100.7"}}]}}}}}
>>> doc = GuardDutyParser(GuardDutyConfig(type="guardduty")).parse([Entry(finding, Position("f", "s", "0", "1"))]).events[0].doc
>>> doc["event"]["kind"], doc["rule"]["ruleset"], doc["aws"]["guardduty"]["severity"], doc["related"]["ip"], doc["host"]["id"]
('alert', 'Recon:EC2', {'code': 2, 'value': 'Low'}, ['198.51.100.7'], 'i-1')
"""

from __future__ import annotations

import re
from typing import Any

from processors.parsers._common import (
    BaseParser,
    KeyNames,
    ParseFailure,
    Reason,
    add_related,
    drop_nulls,
    entry_json,
    put,
)
from processors.parsers._time import iso_ms
from processors.parsers.base import ParserConfig
from streams.core.model import Entry
from streams.core.registry import PARSERS

CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


class GuardDutyConfig(ParserConfig):
    type: str = "guardduty"


_snake = KeyNames("guardduty_keys", lambda key: CAMEL.sub(r"_\1", key).lower())


def snake_keys(value: Any) -> Any:
    """Convert every key of a JSON value to snake_case.

    >>> snake_keys({"ipAddressV4": "1", "portProbeDetails": [{"localPortDetails": {"port": 22}}]})
    {'ip_address_v4': '1', 'port_probe_details': [{'local_port_details': {'port': 22}}]}
    """
    if isinstance(value, dict):
        return {_snake(str(k)): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


def severity_label(code: float) -> str:
    if code >= 9:
        return "Critical"
    if code >= 7:
        return "High"
    if code >= 4:
        return "Medium"
    return "Low"


def _walk_ips(value: Any, found: list[str]) -> None:
    """Every ``ip_address_v4`` / ``ip_address_v6`` / ``remote_ip`` value inside the finding."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("ip_address_v4", "ip_address_v6", "public_ip", "private_ip_address") and isinstance(item, str):
                found.append(item)
            else:
                _walk_ips(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk_ips(item, found)


@PARSERS.register("guardduty", GuardDutyConfig)
class GuardDutyParser(BaseParser):
    dataset = "aws.guardduty"
    kind = "alert"

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        rec = entry_json(entry)
        if isinstance(rec.get("detail"), dict):
            rec = rec["detail"]
        if "type" not in rec or "id" not in rec:
            raise ParseFailure(Reason.MISSING_FIELD, "not a GuardDuty finding (no id/type)")
        finding = snake_keys(drop_nulls(rec))
        stamp = iso_ms(str(finding.get("updated_at") or finding.get("created_at") or ""))
        if stamp is None:
            raise ParseFailure(Reason.BAD_TIMESTAMP, "missing or bad updatedAt/createdAt")
        code = finding.get("severity")
        if isinstance(code, int | float) and not isinstance(code, bool):
            finding["severity"] = {"code": code, "value": severity_label(code)}
        doc: dict[str, Any] = {"@timestamp": stamp, "aws": {"guardduty": finding},
                               "event": {"kind": "alert", "category": ["threat"], "type": ["indicator"]},
                               "cloud": {"service": {"name": "guardduty"}}}
        if isinstance(code, int | float) and not isinstance(code, bool):
            doc["event"]["severity"] = int(code)
        put(doc, "event.id", finding.get("id"))
        put(doc, "event.created", iso_ms(str(finding.get("created_at", ""))))
        put(doc, "message", finding.get("description"))
        put(doc, "cloud.account.id", finding.get("account_id"))
        put(doc, "cloud.region", finding.get("region"))
        rule_type = finding.get("type")
        if isinstance(rule_type, str):
            doc["rule"] = {"name": rule_type, "category": rule_type.split(":", 1)[0], "ruleset": rule_type.split("/", 1)[0]}
        self._service(doc, finding.get("service"))
        self._resource(doc, finding.get("resource"))
        ips: list[str] = []
        _walk_ips(finding.get("service"), ips)
        _walk_ips(finding.get("resource"), ips)
        add_related(doc, "ip", *ips)
        return doc

    @staticmethod
    def _service(doc: dict[str, Any], service: Any) -> None:
        if not isinstance(service, dict):
            return
        put(doc, "event.start", iso_ms(str(service.get("event_first_seen", ""))))
        put(doc, "event.end", iso_ms(str(service.get("event_last_seen", ""))))
        action = service.get("action")
        if not isinstance(action, dict):
            return
        put(doc, "event.action", action.get("action_type"))
        dns = action.get("dns_request_action")
        if isinstance(dns, dict):
            put(doc, "dns.question.name", dns.get("domain"))
            add_related(doc, "hosts", dns.get("domain"))
            if isinstance(dns.get("protocol"), str):
                put(doc, "network.transport", dns["protocol"].lower())
        remote: list[str] = []
        for detail in action.values():
            if isinstance(detail, dict):
                _walk_ips({k: v for k, v in detail.items() if "remote" in k or k.endswith("details")}, remote)
        if remote:
            doc["source"] = {"address": remote[0], "ip": remote[0]}

    @staticmethod
    def _resource(doc: dict[str, Any], resource: Any) -> None:
        if not isinstance(resource, dict):
            return
        instance = resource.get("instance_details")
        if isinstance(instance, dict):
            put(doc, "cloud.instance.id", instance.get("instance_id"))
            put(doc, "host.id", instance.get("instance_id"))
            put(doc, "cloud.machine.type", instance.get("instance_type"))
            put(doc, "host.type", instance.get("instance_type"))
        kube = resource.get("kubernetes_details")
        user = kube.get("kubernetes_user_details") if isinstance(kube, dict) else None
        if isinstance(user, dict):
            put(doc, "user.id", user.get("uid"))
            put(doc, "user.name", user.get("username") or user.get("user_name"))
            if isinstance(user.get("groups"), list):
                doc.setdefault("user", {})["roles"] = user["groups"]
            add_related(doc, "user", user.get("uid"), user.get("username") or user.get("user_name"))
        access = resource.get("access_key_details")
        if isinstance(access, dict):
            put(doc, "user.name", access.get("user_name"))
            add_related(doc, "user", access.get("user_name"))
