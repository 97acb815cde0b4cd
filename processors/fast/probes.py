"""``port_scan``'s fold over a block's groups in one compiled pass.

For every (window, source) group, rows in row order, as
``PortScanDetector._fold`` does event by event: a reply (service port to
ephemeral port) only counts in ``replies``; every other flow adds its
destination port to ``ports`` and, if REJECTed (or with
``hosts_rejected_only`` off), its destination address to ``hosts``;
REJECTs count in ``rejects``, the ports of the others go to
``accepted_ports``. Distinct values come out per group in order of first
occurrence (a ``Distinct``'s exact set and sample), as value codes.

>>> sport = np.array([40000, 443, 40001, 40002]); dport = np.array([22, 50000, 23, 22])
>>> reject = np.array([True, False, False, True])
>>> out = probe_fold(np.arange(4), np.array([0, 4]), sport, dport, reject, dport, np.array([0, 1, 0, 1]),
...                  np.ones(50001, np.bool_), np.ones(2, np.bool_), 32768, True, True)
>>> replies, rejects, (ports, port_offs), (hosts, host_offs), (acc, acc_offs) = out
>>> replies.tolist(), rejects.tolist(), ports.tolist(), hosts.tolist(), acc.tolist()
([1], [2], [22, 23], [0, 1], [23])
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def probe_fold(rows, bounds, sport, dport, reject, port_codes, host_codes, port_ok, host_ok,  # noqa: ANN001, ANN201
               ephemeral_from, skip_responses, hosts_rejected_only):
    """(replies, rejects, (ports, offsets), (hosts, offsets), (accepted ports, offsets)) per group.

    ``port_ok`` / ``host_ok``: per value code, the value is present (not None).
    """
    groups = len(bounds) - 1
    n = len(rows)
    replies = np.zeros(groups, np.int64)
    rejects = np.zeros(groups, np.int64)
    port_stamp = np.full(len(port_ok), -1, np.int64)
    acc_stamp = np.full(len(port_ok), -1, np.int64)
    host_stamp = np.full(len(host_ok), -1, np.int64)
    ports, hosts, accepted = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    port_offs, host_offs, acc_offs = np.zeros(groups + 1, np.int64), np.zeros(groups + 1, np.int64), \
        np.zeros(groups + 1, np.int64)
    np_, nh, na = 0, 0, 0
    for g in range(groups):
        for i in range(bounds[g], bounds[g + 1]):
            r = rows[i]
            if skip_responses and sport[r] < ephemeral_from and dport[r] >= ephemeral_from:
                replies[g] += 1
                continue
            pc = port_codes[r]
            rejected = reject[r]
            if port_ok[pc] and port_stamp[pc] != g:
                port_stamp[pc] = g
                ports[np_] = pc
                np_ += 1
            if rejected or not hosts_rejected_only:
                hc = host_codes[r]
                if host_ok[hc] and host_stamp[hc] != g:
                    host_stamp[hc] = g
                    hosts[nh] = hc
                    nh += 1
            if rejected:
                rejects[g] += 1
            elif port_ok[pc] and acc_stamp[pc] != g:
                acc_stamp[pc] = g
                accepted[na] = pc
                na += 1
        port_offs[g + 1], host_offs[g + 1], acc_offs[g + 1] = np_, nh, na
    return replies, rejects, (ports[:np_], port_offs), (hosts[:nh], host_offs), (accepted[:na], acc_offs)
