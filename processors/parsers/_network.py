"""Network helpers: IANA protocol names as Elastic's pipelines spell them, TCP flags, IP version.

Community ID lives in ``processors.enrich.community_id`` (one implementation
for the parser and the enricher); it is re-exported here for the parsers.

>>> community_id("89.160.20.156", "89.160.20.156", 20641, 22, 6)
'1:CEGBlG6oEeW2Y5LLdr9GONITz00='
>>> tcp_flags_array(18)
['syn', 'ack']
>>> ip_type("2a02:cf40::")
'ipv6'
"""

from __future__ import annotations

from processors.enrich.community_id import community_id  # noqa: F401 - re-exported

# IANA protocol numbers -> lowercase keyword, as ECS network.transport uses them.
TRANSPORTS: dict[int, str] = {
    0: "hopopt", 1: "icmp", 2: "igmp", 4: "ipv4", 6: "tcp", 8: "egp", 17: "udp", 27: "rdp", 41: "ipv6",
    43: "ipv6-route", 44: "ipv6-frag", 46: "rsvp", 47: "gre", 50: "esp", 51: "ah", 58: "ipv6-icmp",
    59: "ipv6-nonxt", 60: "ipv6-opts", 88: "eigrp", 89: "ospf", 103: "pim", 112: "vrrp", 115: "l2tp",
    132: "sctp", 136: "udplite", 137: "mpls-in-ip",
}

TCP_FLAG_BITS = ((1, "fin"), (2, "syn"), (4, "rst"), (8, "psh"), (16, "ack"), (32, "urg"), (64, "ece"), (128, "cwr"))


def ip_type(address: str) -> str:
    return "ipv6" if ":" in address else "ipv4"


def tcp_flags_array(flags: int) -> list[str]:
    return [name for bit, name in TCP_FLAG_BITS if flags & bit]
