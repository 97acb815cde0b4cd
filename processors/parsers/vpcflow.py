"""VPC and Transit Gateway flow logs (versions 2 to 8) to ECS.

A line is split once on spaces and zipped with the format's field names;
``-`` means absent. The format is the configured field list, else the header
line of the file (``version account-id ...``), else the decoder's ``fields``
context, else the default version 2 format; when a line's field count does
not fit the default, the well-known all-fields layouts of versions 3 to 8 and
Transit Gateway are tried by count.

>>> from streams.core.model import Entry, Position
>>> p = VpcFlowParser(VpcFlowConfig(type="vpcflow"))
>>> line = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
>>> doc = p.parse([Entry(line, Position("f", "s", "0", "1"))]).events[0].doc
>>> doc["source"], doc["destination"]["port"], doc["event"]["outcome"], doc["@timestamp"]
({'address': '172.31.16.139', 'ip': '172.31.16.139', 'port': 20641, 'packets': 20, 'bytes': 4249}, 22, 'success', '2014-12-14T04:07:50.000Z')
>>> nodata = "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"
>>> doc = p.parse([Entry(nodata, Position("f", "s", "0", "2"))]).events[0].doc
>>> doc["event"]["action"], doc["aws"]["vpcflow"]["log_status"], "source" in doc
('NODATA', 'NODATA', False)
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from pydantic import Field

from processors.parsers._common import BaseParser, ParseFailure, Reason, Skip, entry_text, to_int
from processors.parsers._network import TRANSPORTS, community_id, ip_type, tcp_flags_array
from processors.parsers._time import epoch_iso
from processors.parsers.base import ParserConfig
from streams.core.metrics import CACHE_SIZE
from streams.core.model import Entry
from streams.core.registry import PARSERS

V2 = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
V3 = "vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr"
V4 = "region az-id sublocation-type sublocation-id"
V5 = "pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"
V7 = (
    "ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id ecs-container-id "
    "ecs-second-container-id ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id"
)
V8 = "reject-reason"
TGW = (
    "version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id "
    "tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id "
    "tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
    "log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded "
    "packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service"
)
# The layout AWS documents for NAT gateway traffic, used by Elastic for 21-field lines.
NAT_V3 = (
    "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport "
    "pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status"
)
KNOWN_FIELDS = frozenset(" ".join((V2, V3, V4, V5, V7, V8, TGW)).split())
# Field count -> layout, tried when a line does not fit the configured/default format.
BY_COUNT: dict[int, tuple[str, ...]] = {
    len(f.split()): tuple(f.split())
    for f in (V2, NAT_V3, " ".join((V2, V3, V4)), " ".join((V2, V3, V4, V5)),
              " ".join((V2, V3, V4, V5, V7)), " ".join((V2, V3, V4, V5, V7, V8)), TGW)
}
DEFAULT = tuple(V2.split())

# Simple one-to-one fields: name -> (section of aws.vpcflow, or ECS path)
AWS_KEYWORDS = {
    "version": "version", "interface-id": "interface_id", "vpc-id": "vpc_id", "subnet-id": "subnet_id",
    "instance-id": "instance_id", "type": "type", "pkt-srcaddr": "pkt_srcaddr", "pkt-dstaddr": "pkt_dstaddr",
    "pkt-src-aws-service": "pkt_src_service", "pkt-dst-aws-service": "pkt_dst_service",
    "traffic-path": "traffic_path", "ecs-container-id": "ecs_container_id",
    "ecs-second-container-id": "ecs_second_container_id", "ecs-task-definition-arn": "ecs_task_definition_arn",
    "ecs-task-arn": "ecs_task_arn", "ecs-task-id": "ecs_task_id", "resource-type": "resource_type",
    "log-status": "log_status", "action": "action", "account-id": "account_id", "tcp-flags": "tcp_flags",
}
AWS_KEYWORDS.update({n: n.replace("-", "_") for n in TGW.split() if n.startswith("tgw-")})
AWS_COUNTS = {n: n.replace("-", "_") for n in TGW.split() if n.startswith("packets-lost-")}
ECS_PATHS: dict[str, tuple[str, ...]] = {
    "region": ("cloud", "region"),
    "az-id": ("cloud", "availability_zone"),
    "flow-direction": ("network", "direction"),
    "ecs-cluster-arn": ("orchestrator", "cluster", "id"),
    "ecs-cluster-name": ("orchestrator", "cluster", "name"),
    "ecs-container-instance-arn": ("orchestrator", "resource", "name"),
    "ecs-container-instance-id": ("orchestrator", "resource", "id"),
    "ecs-service-name": ("service", "name"),
    "reject-reason": ("event", "reason"),
    "instance-id": ("cloud", "instance", "id"),
    "account-id": ("cloud", "account", "id"),
}


class VpcFlowConfig(ParserConfig):
    type: str = "vpcflow"
    format: str | None = Field(None, description="space-separated field list; None = default v2 (or header line)")
    community_id: bool = Field(True, description="compute network.community_id")
    drop_nodata: bool = Field(False, description="drop NODATA/SKIPDATA records (counted) instead of indexing them")
    max_tracked_headers: int = Field(1024, ge=1, description="files whose header line is remembered")


def _set(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = doc
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


@PARSERS.register("vpcflow", VpcFlowConfig)
class VpcFlowParser(BaseParser):
    dataset = "aws.vpcflow"

    def __init__(self, config: VpcFlowConfig):
        super().__init__(config)
        self.format = tuple(config.format.split()) if config.format else DEFAULT
        unknown = [name for name in self.format if name not in KNOWN_FIELDS]
        if unknown:
            raise ValueError(f"unknown VPC flow log fields: {', '.join(unknown)}")
        self.explicit = config.format is not None
        self.headers: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self.plans: dict[tuple[str, ...], tuple[Any, ...]] = {}

    def _fields_for(self, entry: Entry, parts: list[str]) -> tuple[str, ...]:
        context = entry.context or {}
        if not self.explicit:
            fields = context.get("fields")
            if isinstance(fields, list | tuple) and fields and all(f in KNOWN_FIELDS for f in fields):
                return tuple(fields)
            header = self.headers.get(self._file_key(entry))
            if header is not None:
                return header
        if len(parts) == len(self.format) or self.explicit:
            return self.format
        return BY_COUNT.get(len(parts), self.format)

    @staticmethod
    def _file_key(entry: Entry) -> str:
        context = entry.context or {}
        key = context.get("key") or context.get("log_stream")
        if isinstance(key, str):
            return key
        pos = entry.position
        return f"{pos.source}/{pos.stream}/{pos.partition}"

    def _remember_header(self, entry: Entry, parts: list[str]) -> None:
        unknown = [name for name in parts if name not in KNOWN_FIELDS]
        if unknown:
            raise ParseFailure(Reason.UNKNOWN_FORMAT, f"header names unknown fields: {', '.join(unknown[:5])}")
        key = self._file_key(entry)
        self.headers[key] = tuple(parts)
        self.headers.move_to_end(key)
        while len(self.headers) > self.config.max_tracked_headers:
            self.headers.popitem(last=False)
        CACHE_SIZE.labels(cache="vpcflow_headers").set(len(self.headers))

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        text = entry_text(entry)
        parts = text.split()
        if parts[0] == "version":
            self._remember_header(entry, parts)
            raise Skip("header")
        fields = self._fields_for(entry, parts)
        if len(parts) < len(fields):
            raise ParseFailure(Reason.FIELD_COUNT, f"expected {len(fields)} fields, got {len(parts)}")
        rec = dict(zip(fields, parts, strict=False))
        return self.build(rec, fields)

    def _plan(self, fields: tuple[str, ...]) -> tuple[tuple[str, str | None, tuple[str, ...] | None, str | None], ...]:
        """Per format, the simple fields with their targets: computed once, not per line."""
        plan = self.plans.get(fields)
        if plan is None:
            if len(self.plans) >= 64:
                self.plans.clear()
            plan = self.plans[fields] = tuple(
                (name, AWS_KEYWORDS.get(name), ECS_PATHS.get(name), AWS_COUNTS.get(name))
                for name in fields
                if name in AWS_KEYWORDS or name in ECS_PATHS or name in AWS_COUNTS
            )
        return plan

    def build(self, rec: dict[str, str], fields: tuple[str, ...] = DEFAULT) -> dict[str, Any]:
        """One document from a ``{field name: raw value}`` record."""
        flow: dict[str, Any] = {}
        doc: dict[str, Any] = {"aws": {"vpcflow": flow}}
        event: dict[str, Any] = {"kind": "event", "category": ["network"], "type": ["connection"]}
        doc["event"] = event
        for name, key, path, count in self._plan(fields):
            value = rec[name]
            if value == "-":
                continue
            if key is not None:
                flow[key] = value
            if path is not None:
                _set(doc, path, value)
            if count is not None:
                flow[count] = to_int(value, name)
        start, end = rec.get("start", "-"), rec.get("end", "-")
        if start != "-":
            event["start"] = epoch_iso(to_int(start, "start"))
        if end != "-":
            event["end"] = doc["@timestamp"] = epoch_iso(to_int(end, "end"))
        elif start != "-":
            doc["@timestamp"] = event["start"]
        action = flow.get("action")
        if action is not None:
            event["action"] = action
            event["outcome"] = "success" if action == "ACCEPT" else "failure"
            if action == "REJECT":
                event["type"].append("denied")
        elif flow.get("log_status") in ("NODATA", "SKIPDATA"):
            event["action"] = flow["log_status"]
            if self.config.drop_nodata:
                raise Skip(flow["log_status"].lower())
        flags = flow.get("tcp_flags")
        if flags is not None:
            flow["tcp_flags_array"] = tcp_flags_array(to_int(flags, "tcp-flags"))
        if "sublocation-type" in rec or "sublocation-id" in rec:
            sub = {k: rec[f"sublocation-{k}"] for k in ("type", "id") if rec.get(f"sublocation-{k}", "-") != "-"}
            if sub:
                flow["sublocation"] = sub
        self._network(doc, rec)
        return doc

    def _network(self, doc: dict[str, Any], rec: dict[str, str]) -> None:
        src, dst = rec.get("srcaddr", "-"), rec.get("dstaddr", "-")
        sport, dport = rec.get("srcport", "-"), rec.get("dstport", "-")
        packets, nbytes, proto = rec.get("packets", "-"), rec.get("bytes", "-"), rec.get("protocol", "-")
        network: dict[str, Any] = doc.get("network", {})
        source: dict[str, Any] = {}
        destination: dict[str, Any] = {}
        if src != "-":
            source["address"] = source["ip"] = src
            network["type"] = ip_type(src)
        if dst != "-":
            destination["address"] = destination["ip"] = dst
        if sport != "-":
            source["port"] = to_int(sport, "srcport")
        if dport != "-":
            destination["port"] = to_int(dport, "dstport")
        if packets != "-":
            source["packets"] = network["packets"] = to_int(packets, "packets")
        if nbytes != "-":
            source["bytes"] = network["bytes"] = to_int(nbytes, "bytes")
        if proto != "-":
            number = to_int(proto, "protocol")
            network["iana_number"] = proto
            transport = TRANSPORTS.get(number)
            if transport is not None:
                network["transport"] = transport
            if self.config.community_id and src != "-" and dst != "-":
                cid = community_id(src, dst, source.get("port"), destination.get("port"), number)
                if cid is not None:
                    network["community_id"] = cid
        if source:
            doc["source"] = source
        if destination:
            doc["destination"] = destination
        if network:
            doc["network"] = network
        ips = [ip for ip in (src, dst) if ip != "-"]
        if ips:
            doc["related"] = {"ip": ips if len(ips) < 2 or ips[0] != ips[1] else ips[:1]}
