"""Network helpers: IANA protocol names, Community ID flow hashes, TCP flags.

>>> community_id("89.160.20.156", "89.160.20.156", 20641, 22, 6)
'1:CEGBlG6oEeW2Y5LLdr9GONITz00='
>>> tcp_flags_array(18)
['syn', 'ack']
>>> ip_type("2a02:cf40::")
'ipv6'
"""

from __future__ import annotations

import base64
import hashlib
import socket
import struct

# IANA protocol numbers -> lowercase keyword, as ECS network.transport uses them.
TRANSPORTS: dict[int, str] = {
    0: "hopopt", 1: "icmp", 2: "igmp", 4: "ipv4", 6: "tcp", 8: "egp", 17: "udp", 27: "rdp", 41: "ipv6",
    43: "ipv6-route", 44: "ipv6-frag", 46: "rsvp", 47: "gre", 50: "esp", 51: "ah", 58: "ipv6-icmp",
    59: "ipv6-nonxt", 60: "ipv6-opts", 88: "eigrp", 89: "ospf", 103: "pim", 112: "vrrp", 115: "l2tp",
    132: "sctp", 136: "udplite", 137: "mpls-in-ip",
}

TCP_FLAG_BITS = ((1, "fin"), (2, "syn"), (4, "rst"), (8, "psh"), (16, "ack"), (32, "urg"), (64, "ece"), (128, "cwr"))

_ICMP4_PAIRS = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17, 10: 9, 9: 10}
_ICMP6_PAIRS = {128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130,
                144: 145, 145: 144, 146: 147, 147: 146}
_PORTED = (6, 17, 132)


def ip_type(address: str) -> str:
    return "ipv6" if ":" in address else "ipv4"


def tcp_flags_array(flags: int) -> list[str]:
    return [name for bit, name in TCP_FLAG_BITS if flags & bit]


def community_id(src: str, dst: str, sport: int | None, dport: int | None, proto: int, seed: int = 0) -> str | None:
    """Community ID v1 of a flow (https://github.com/corelight/community-id-spec); None if not computable."""
    try:  # each address in its own family, as Elastic's processor does for mixed flows
        sip = socket.inet_pton(socket.AF_INET6 if ":" in src else socket.AF_INET, src)
        dip = socket.inet_pton(socket.AF_INET6 if ":" in dst else socket.AF_INET, dst)
    except (OSError, ValueError):
        return None
    one_way = False
    if proto in _PORTED:
        if sport is None or dport is None:
            return None
    elif proto in (1, 58):
        pairs = _ICMP4_PAIRS if proto == 1 else _ICMP6_PAIRS
        icmp_type, icmp_code = sport or 0, dport or 0
        sport = icmp_type
        if icmp_type in pairs:
            dport = pairs[icmp_type]
        else:
            dport, one_way = icmp_code, True
    else:
        sport = dport = None
    if not one_way and (sip, sport or 0) > (dip, dport or 0):
        sip, dip, sport, dport = dip, sip, dport, sport
    packed = struct.pack("!H", seed) + sip + dip + struct.pack("!BB", proto & 0xFF, 0)
    if sport is not None and dport is not None:
        packed += struct.pack("!HH", sport & 0xFFFF, dport & 0xFFFF)
    return "1:" + base64.b64encode(hashlib.sha1(packed, usedforsecurity=False).digest()).decode()
