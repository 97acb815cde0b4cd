"""The simulated estate behind the synthetic traffic: one account, its ENIs and the hosts they talk to.

Built deterministically from a seed: a fleet of ENIs with private addresses
(10.0/16 and 172.16/16) and a role each (web, ssh bastion, MySQL, PostgreSQL,
app), a pool of public internet addresses, and Zipf-like popularity weights
so a few ENIs and a few peers carry most of the traffic, as in real VPCs.

>>> import numpy as np
>>> fleet = Fleet.build(np.random.default_rng(7), enis=5, external_hosts=10)
>>> len(fleet.eni_ids), fleet.eni_ids[0].startswith("eni-"), round(float(fleet.eni_weights.sum()), 6)
(5, True, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# First octets of public unicast space (no RFC 1918, loopback, CGNAT, link-local or multicast).
PUBLIC_FIRST_OCTETS = (3, 13, 18, 23, 31, 34, 35, 45, 46, 52, 54, 62, 66, 77, 81, 89, 91, 93, 104, 107, 142, 151, 185, 203)
ROLES = (
    # name, service ports, share of peers on the internet
    ("web", (443, 80), 0.9),
    ("app", (8080, 8443), 0.2),
    ("ssh", (22, 22), 0.5),
    ("mysql", (3306, 3306), 0.0),
    ("postgres", (5432, 5432), 0.0),
)
ROLE_WEIGHTS = (0.45, 0.25, 0.1, 0.1, 0.1)


def zipf_weights(n: int, exponent: float = 1.1) -> np.ndarray:
    """Normalised Zipf-like weights ``1/(k+1)^s`` for ranks 0..n-1."""
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    return weights / weights.sum()


def public_ips(rng: np.random.Generator, n: int) -> list[str]:
    first = rng.choice(PUBLIC_FIRST_OCTETS, n)
    rest = rng.integers(1, 255, (n, 3))
    return [f"{a}.{b}.{c}.{d}" for a, (b, c, d) in zip(first.tolist(), rest.tolist(), strict=True)]


@dataclass(slots=True)
class Fleet:
    account_id: str
    region: str
    eni_ids: list[str]
    eni_ips: list[str]
    eni_roles: list[str]
    eni_weights: np.ndarray
    eni_port_a: np.ndarray
    eni_port_b: np.ndarray
    eni_external_share: np.ndarray
    vpc_of_eni: list[str]
    external_ips: list[str]
    external_weights: np.ndarray

    @classmethod
    def build(
        cls,
        rng: np.random.Generator,
        enis: int = 40,
        external_hosts: int = 2000,
        account_id: str = "123456789012",
        region: str = "us-east-1",
    ) -> Fleet:
        eni_ids = [f"eni-{value:017x}" for value in rng.integers(1 << 60, 1 << 63, enis, dtype=np.int64).tolist()]
        vpcs = [f"vpc-{value:017x}" for value in rng.integers(1 << 60, 1 << 63, 2, dtype=np.int64).tolist()]
        in_b = rng.random(enis) < 0.3
        octets = rng.integers(1, 255, (enis, 2)).tolist()
        eni_ips = [
            f"172.16.{c}.{d}" if b else f"10.0.{c}.{d}" for b, (c, d) in zip(in_b.tolist(), octets, strict=True)
        ]
        role_idx = rng.choice(len(ROLES), enis, p=ROLE_WEIGHTS)
        role_idx[0] = 0  # the busiest ENI is a web front end
        roles = [ROLES[i] for i in role_idx.tolist()]
        return cls(
            account_id=account_id,
            region=region,
            eni_ids=eni_ids,
            eni_ips=eni_ips,
            eni_roles=[r[0] for r in roles],
            eni_weights=zipf_weights(enis, 1.0),
            eni_port_a=np.array([r[1][0] for r in roles], dtype=np.int64),
            eni_port_b=np.array([r[1][1] for r in roles], dtype=np.int64),
            eni_external_share=np.array([r[2] for r in roles], dtype=np.float64),
            vpc_of_eni=[vpcs[int(b)] for b in in_b.tolist()],
            external_ips=public_ips(rng, external_hosts),
            external_weights=zipf_weights(external_hosts, 1.2),
        )

    def eni_index(self, eni_id: str) -> int:
        try:
            return self.eni_ids.index(eni_id)
        except ValueError:
            raise ValueError(f"unknown ENI {eni_id!r}; the fleet has {', '.join(self.eni_ids[:3])}, ...") from None
