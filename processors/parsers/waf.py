"""AWS WAF (v2) web ACL logs to ECS.

>>> from streams.core.model import Entry, Position
>>> rec = {"timestamp": 1576280412771, "webaclId": "arn:aws:wafv2:ap-southeast-2:123456789012:regional/webacl/t/1",
...        "terminatingRuleId": "Default_Action", "terminatingRuleType": "REGULAR", "action": "ALLOW",
...        "httpSourceName": "ALB", "httpSourceId": "alb", "httpRequest": {"clientIp": "192.0.2.1",
...        "headers": [{"name": "Host", "value": "a.example"}], "uri": "/x", "args": "a=1",
...        "httpVersion": "HTTP/1.1", "httpMethod": "GET", "requestId": "r1"}}
>>> doc = WafParser(WafConfig(type="waf")).parse([Entry(rec, Position("f", "s", "0", "1"))]).events[0].doc
>>> doc["event"]["type"], doc["cloud"]["account"]["id"], doc["url"], doc["aws"]["waf"]["request"]["headers"]
(['access', 'allowed'], '123456789012', {'path': '/x', 'query': 'a=1'}, {'Host': 'a.example'})
"""

from __future__ import annotations

from typing import Any

from processors.parsers._common import BaseParser, ParseFailure, Reason, add_related, drop_nulls, entry_json, put
from processors.parsers._time import epoch_ms_iso
from processors.parsers.base import ParserConfig
from streams.core.model import Entry
from streams.core.registry import PARSERS

LISTS = {
    "terminatingRuleMatchDetails": "terminating_rule_match_details",
    "ruleGroupList": "rule_group_list",
    "rateBasedRuleList": "rate_based_rule_list",
    "nonTerminatingMatchingRules": "non_terminating_matching_rules",
}


class WafConfig(ParserConfig):
    type: str = "waf"


@PARSERS.register("waf", WafConfig)
class WafParser(BaseParser):
    dataset = "aws.waf"

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        rec = entry_json(entry)
        stamp = rec.get("timestamp")
        if not isinstance(stamp, int) or isinstance(stamp, bool):
            raise ParseFailure(Reason.BAD_TIMESTAMP, f"timestamp is not epoch milliseconds: {str(stamp)[:40]!r}")
        action = rec.get("action")
        waf: dict[str, Any] = {}
        doc: dict[str, Any] = {"@timestamp": epoch_ms_iso(stamp), "aws": {"waf": waf},
                               "event": {"kind": "event", "category": ["web"], "type": ["access"]},
                               "cloud": {"service": {"name": "wafv2"}}}
        if isinstance(action, str):
            doc["event"]["action"] = action
            if action in ("ALLOW", "BLOCK"):
                doc["event"]["type"].append("allowed" if action == "ALLOW" else "denied")
        acl = rec.get("webaclId")
        if isinstance(acl, str):
            waf["arn"] = acl
            arn = acl.split(":", 5)
            if len(arn) == 6:
                waf["id"] = arn[5]
                put(doc, "cloud.region", arn[3])
                put(doc, "cloud.account.id", arn[4])
        put(doc, "rule.id", rec.get("terminatingRuleId"))
        put(doc, "rule.ruleset", rec.get("terminatingRuleType"))
        put(waf, "source.id", rec.get("httpSourceId"))
        put(waf, "source.name", rec.get("httpSourceName"))
        for key, name in LISTS.items():
            value = rec.get(key)
            if isinstance(value, list) and value:
                waf[name] = drop_nulls(value)
        labels = rec.get("labels")
        if isinstance(labels, list) and labels:
            waf["labels"] = [lab.get("name") for lab in labels if isinstance(lab, dict) and lab.get("name")]
        request = rec.get("httpRequest")
        if isinstance(request, dict):
            self._request(doc, waf, request)
        return doc

    @staticmethod
    def _request(doc: dict[str, Any], waf: dict[str, Any], request: dict[str, Any]) -> None:
        ip = request.get("clientIp")
        if isinstance(ip, str) and ip:
            doc["source"] = {"address": ip, "ip": ip}
            add_related(doc, "ip", ip)
        headers = request.get("headers")
        if isinstance(headers, list):
            named = {h["name"]: h.get("value") for h in headers if isinstance(h, dict) and isinstance(h.get("name"), str)}
            if named:
                waf["request"] = {"headers": named}
        put(doc, "url.path", request.get("uri"))
        put(doc, "url.query", request.get("args"))
        put(doc, "http.request.id", request.get("requestId"))
        put(doc, "http.request.method", request.get("httpMethod"))
        version = request.get("httpVersion")
        if isinstance(version, str) and version.startswith("HTTP/"):
            doc.setdefault("http", {})["version"] = version[5:]
        put(doc, "source.geo.country_iso_code", request.get("country"))
        doc["network"] = {"protocol": "http", "transport": "tcp"}
