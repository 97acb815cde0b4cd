"""IANA tables: protocol numbers to keywords, well-known ports to service names.

Protocol keywords are the lowercase IANA "Keyword" column (as ECS
``network.transport`` wants them, e.g. ``ipv6-icmp`` for 58).

>>> PROTOCOLS[6], PROTOCOLS[58], PROTOCOL_NUMBERS["udp"]
('tcp', 'ipv6-icmp', 17)
>>> service_name(6, 443), service_name(17, 53), service_name(6, 50000)
('https', 'dns', None)
"""

from __future__ import annotations

_KEYWORDS = (
    "hopopt icmp igmp ggp ipv4 st tcp cbt egp igp bbn-rcc-mon nvp-ii pup argus emcon xnet chaos udp mux "
    "dcn-meas hmp prm xns-idp trunk-1 trunk-2 leaf-1 leaf-2 rdp irtp iso-tp4 netblt mfe-nsp merit-inp dccp "
    "3pc idpr xtp ddp idpr-cmtp tp++ il ipv6 sdrp ipv6-route ipv6-frag idrp rsvp gre dsr bna esp ah i-nlsp "
    "swipe narp min-ipv4 tlsp skip ipv6-icmp ipv6-nonxt ipv6-opts - cftp - sat-expak kryptolan rvd ippc - "
    "sat-mon visa ipcv cpnx cphb wsn pvp br-sat-mon sun-nd wb-mon wb-expak iso-ip vmtp secure-vmtp vines ttp "
    "nsfnet-igp dgp tcf eigrp ospfigp sprite-rpc larp mtp ax.25 ipip micp scc-sp etherip encap - gmtp ifmp "
    "pnni pim aris scps qnx a/n ipcomp snp compaq-peer ipx-in-ip vrrp pgm - l2tp ddx iatp stp srp uti smp sm "
    "ptp isis fire crtp crudp sscopmce iplt sps pipe sctp fc rsvp-e2e-ignore mobility-header udplite "
    "mpls-in-ip manet hip shim6 wesp rohc ethernet aggfrag nsh"
).split()

#: protocol number -> IANA keyword (numbers without a keyword are left out)
PROTOCOLS: dict[int, str] = {number: word for number, word in enumerate(_KEYWORDS) if word != "-"}
#: keyword -> protocol number
PROTOCOL_NUMBERS: dict[str, int] = {word: number for number, word in PROTOCOLS.items()}

_BOTH = (
    (20, "ftp-data"), (21, "ftp"), (22, "ssh"), (23, "telnet"), (25, "smtp"), (43, "whois"), (53, "dns"),
    (80, "http"), (88, "kerberos"), (110, "pop3"), (111, "sunrpc"), (119, "nntp"), (135, "msrpc"),
    (139, "netbios-ssn"), (143, "imap"), (179, "bgp"), (389, "ldap"), (443, "https"), (445, "smb"),
    (464, "kpasswd"), (465, "smtps"), (514, "syslog"), (587, "submission"), (636, "ldaps"), (873, "rsync"),
    (993, "imaps"), (995, "pop3s"), (1433, "mssql"), (1521, "oracle"), (1883, "mqtt"), (2049, "nfs"),
    (2375, "docker"), (2376, "docker-tls"), (2379, "etcd"), (3306, "mysql"), (3389, "rdp"), (5432, "postgresql"),
    (5439, "redshift"), (5671, "amqps"), (5672, "amqp"), (5900, "vnc"), (5985, "winrm"), (5986, "winrm-https"),
    (6379, "redis"), (6443, "kubernetes-api"), (8080, "http-alt"), (8443, "https-alt"), (8883, "mqtts"),
    (9092, "kafka"), (9200, "elasticsearch"), (9300, "elasticsearch-transport"), (10250, "kubelet"),
    (11211, "memcached"), (27017, "mongodb"),
)
_UDP_ONLY = (
    (53, "dns"), (67, "dhcp"), (68, "dhcp"), (69, "tftp"), (123, "ntp"), (137, "netbios-ns"),
    (138, "netbios-dgm"), (161, "snmp"), (162, "snmptrap"), (500, "isakmp"), (514, "syslog"), (1194, "openvpn"),
    (1812, "radius"), (1813, "radius-acct"), (4500, "ipsec-nat-t"), (4789, "vxlan"), (5353, "mdns"),
    (6081, "geneve"), (51820, "wireguard"),
)

#: (protocol number, port) -> service name; TCP, UDP and SCTP share the port-agnostic names
SERVICES: dict[tuple[int, int], str] = {}
for _port, _name in _BOTH:
    for _proto in (6, 17, 132):
        SERVICES[(_proto, _port)] = _name
for _port, _name in _UDP_ONLY:
    SERVICES[(17, _port)] = _name


def service_name(protocol: int, port: int) -> str | None:
    """The well-known service on ``port`` for IP protocol ``protocol``, if any."""
    return SERVICES.get((protocol, port))
