"""VPC Flow Logs version 2 lines, generated in vectorised chunks (numpy), formatted in one pass.

Baseline traffic per ENI follows its role: inbound requests to its service
ports, the responses, egress to 443/80/53/123, a little ICMP, and a
background rate of REJECTed internet noise (telnet, SMB, RDP ... probes).
Anomaly rows (port scans, REJECT bursts, rate spikes) use the same formatter.

>>> import numpy as np
>>> from streams.generator.fleet import Fleet
>>> rng = np.random.default_rng(1)
>>> synth = VpcFlowSynth(Fleet.build(rng, enis=4, external_hosts=20), rng)
>>> rows = synth.baseline(np.array([1700000000.5, 1700000001.2]))
>>> lines = synth.format(rows)
>>> [line.split()[0] for line in lines], len(lines[0].split())
(['2', '2'], 14)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from streams.generator.fleet import Fleet

EGRESS_PORTS = np.array([443, 80, 53, 123])
EGRESS_WEIGHTS = np.array([0.72, 0.15, 0.09, 0.04])
NOISE_PORTS = np.array([23, 445, 3389, 22, 8080, 1433, 5900, 6379, 2323, 81])
KIND_WEIGHTS = np.array([0.45, 0.35, 0.20])  # inbound request, response, egress


@dataclass(slots=True)
class FlowRows:
    """Columns of flow records; ``src``/``dst`` are object arrays of address strings."""

    times: np.ndarray
    eni: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    sport: np.ndarray
    dport: np.ndarray
    proto: np.ndarray
    packets: np.ndarray
    nbytes: np.ndarray
    reject: np.ndarray


class VpcFlowSynth:
    def __init__(self, fleet: Fleet, rng: np.random.Generator, reject_rate: float = 0.02):
        self.fleet = fleet
        self.rng = rng
        self.reject_rate = reject_rate
        self.eni_ip = np.array(fleet.eni_ips, dtype=object)
        self.eni_id = np.array(fleet.eni_ids, dtype=object)
        self.external = np.array(fleet.external_ips, dtype=object)

    def baseline(self, times: np.ndarray, eni: np.ndarray | None = None) -> FlowRows:
        """Normal traffic at ``times``; ``eni`` forces the ENI of every row (rate spikes)."""
        rng, fleet, n = self.rng, self.fleet, len(times)
        if eni is None:
            eni = rng.choice(len(fleet.eni_ids), n, p=fleet.eni_weights)
        kind = rng.choice(3, n, p=KIND_WEIGHTS)
        external = np.where(kind == 2, rng.random(n) < 0.8, rng.random(n) < fleet.eni_external_share[eni])
        peer = np.where(
            external,
            self.external[rng.choice(len(self.external), n, p=fleet.external_weights)],
            self.eni_ip[rng.integers(0, len(self.eni_ip), n)],
        )
        own = self.eni_ip[eni]
        service = np.where(rng.random(n) < 0.7, fleet.eni_port_a[eni], fleet.eni_port_b[eni])
        ephemeral = rng.integers(32768, 61000, n)
        egress = EGRESS_PORTS[rng.choice(len(EGRESS_PORTS), n, p=EGRESS_WEIGHTS)]
        inbound = kind == 0
        src = np.where(inbound, peer, own)
        dst = np.where(inbound, own, peer)
        sport = np.where(inbound, ephemeral, np.where(kind == 1, service, ephemeral))
        dport = np.where(inbound, service, np.where(kind == 1, ephemeral, egress))
        proto = np.where((kind == 2) & ((egress == 53) | (egress == 123)), 17, 6)
        icmp = rng.random(n) < 0.01
        proto = np.where(icmp, 1, proto)
        sport = np.where(icmp, 0, sport)
        dport = np.where(icmp, 0, dport)
        packets = np.minimum(np.maximum(1, rng.lognormal(1.6, 1.1, n)).astype(np.int64), 200_000)
        nbytes = packets * rng.integers(52, 1500, n)
        reject = np.zeros(n, dtype=bool)
        rows = FlowRows(times, eni, src, dst, sport, dport, proto, packets, nbytes, reject)
        if self.reject_rate > 0:
            self._add_noise(rows, rng.random(n) < self.reject_rate)
        return rows

    def _add_noise(self, rows: FlowRows, mask: np.ndarray) -> None:
        """Turn the masked rows into REJECTed internet noise aimed at the row's ENI."""
        k = int(mask.sum())
        if not k:
            return
        rng = self.rng
        rows.src[mask] = self.external[rng.integers(0, len(self.external), k)]
        rows.dst[mask] = self.eni_ip[rows.eni[mask]]
        rows.sport[mask] = rng.integers(1024, 65535, k)
        rows.dport[mask] = NOISE_PORTS[rng.integers(0, len(NOISE_PORTS), k)]
        rows.proto[mask] = 6
        rows.packets[mask] = 1
        rows.nbytes[mask] = rng.choice(np.array([40, 44, 60]), k)
        rows.reject[mask] = True

    def probes(
        self,
        times: np.ndarray,
        eni: int,
        sources: np.ndarray,
        ports: np.ndarray,
        reject_ratio: float,
    ) -> FlowRows:
        """Short TCP probes from ``sources`` to ``ports`` on one ENI (scans, REJECT bursts)."""
        rng, n = self.rng, len(times)
        enis = np.full(n, eni, dtype=np.int64)
        return FlowRows(
            times=times,
            eni=enis,
            src=sources.astype(object),
            dst=self.eni_ip[enis],
            sport=rng.integers(32768, 61000, n),
            dport=ports,
            proto=np.full(n, 6, dtype=np.int64),
            packets=rng.integers(1, 3, n),
            nbytes=rng.choice(np.array([40, 44, 60, 88]), n),
            reject=rng.random(n) < reject_ratio,
        )

    def format(self, rows: FlowRows) -> list[str]:
        """Render rows as version 2 default-format lines.

        ``end`` is the event time (flow records are published after their
        aggregation interval ends, and parsers take ``@timestamp`` from it);
        ``start`` is 1-59 s earlier.
        """
        acct = self.fleet.account_id
        end = rows.times.astype(np.int64)
        start = end - self.rng.integers(1, 60, len(end))
        action = np.where(rows.reject, "REJECT", "ACCEPT").tolist()
        return [
            f"2 {acct} {e} {s} {d} {sp} {dp} {p} {pk} {b} {st} {en} {a} OK"
            for e, s, d, sp, dp, p, pk, b, st, en, a in zip(
                self.eni_id[rows.eni].tolist(),
                rows.src.tolist(),
                rows.dst.tolist(),
                rows.sport.tolist(),
                rows.dport.tolist(),
                rows.proto.tolist(),
                rows.packets.tolist(),
                rows.nbytes.tolist(),
                start.tolist(),
                end.tolist(),
                action,
                strict=True,
            )
        ]
