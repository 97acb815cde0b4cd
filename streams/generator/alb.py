"""Application Load Balancer access-log lines for the synthetic mix.

>>> import numpy as np
>>> from streams.generator.fleet import Fleet
>>> rng = np.random.default_rng(3)
>>> line = AlbSynth(Fleet.build(rng, enis=6, external_hosts=20), rng).lines(np.array([1704153600.25]))[0]
>>> line.split()[0], line.split()[1], line.split()[2].startswith("app/")
('https', '2024-01-02T00:00:00.250000Z', True)
"""

from __future__ import annotations

import time

import numpy as np

from streams.generator.fleet import Fleet

STATUSES = np.array([200, 200, 301, 304, 404, 403, 500, 502])
STATUS_WEIGHTS = np.array([0.80, 0.04, 0.03, 0.05, 0.05, 0.01, 0.01, 0.01])
PATHS = ("/", "/index.html", "/api/v1/orders", "/api/v1/cart", "/login", "/static/app.js", "/static/site.css", "/health")
METHODS = ("GET", "GET", "GET", "POST", "GET", "GET", "GET", "GET")
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
    "curl/8.4.0",
    "python-requests/2.31.0",
)
LOAD_BALANCERS = ("shop-public", "api-public", "admin-internal")


def iso_micro(epoch: float) -> str:
    """``2024-01-02T00:00:00.250000Z`` (ALB's timestamp format)."""
    whole = int(epoch)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((epoch - whole) * 1e6):06d}Z"


class AlbSynth:
    def __init__(self, fleet: Fleet, rng: np.random.Generator):
        self.fleet = fleet
        self.rng = rng
        region, acct = fleet.region, fleet.account_id
        ids = [f"{v:016x}" for v in rng.integers(1 << 60, 1 << 63, len(LOAD_BALANCERS), dtype=np.int64).tolist()]
        self.names = [f"app/{name}/{i}" for name, i in zip(LOAD_BALANCERS, ids, strict=True)]
        self.hosts = [f"{name}.example.com" for name in LOAD_BALANCERS]
        self.target_groups = [
            f"arn:aws:elasticloadbalancing:{region}:{acct}:targetgroup/{name}-tg/{i}"
            for name, i in zip(LOAD_BALANCERS, ids, strict=True)
        ]
        self.cert = f"arn:aws:acm:{region}:{acct}:certificate/5e0f3c3a-8d1e-4c59-9f67-2b9c1d6f0a11"
        web = [ip for ip, role in zip(fleet.eni_ips, fleet.eni_roles, strict=True) if role in ("web", "app")]
        self.targets = web or fleet.eni_ips

    def lines(self, times: np.ndarray) -> list[str]:
        rng, n = self.rng, len(times)
        lb = rng.integers(0, len(self.names), n).tolist()
        clients = rng.choice(len(self.fleet.external_ips), n, p=self.fleet.external_weights).tolist()
        targets = rng.integers(0, len(self.targets), n).tolist()
        status = STATUSES[rng.choice(len(STATUSES), n, p=STATUS_WEIGHTS)].tolist()
        path = rng.integers(0, len(PATHS), n).tolist()
        agent = rng.integers(0, len(AGENTS), n).tolist()
        target_time = np.round(rng.gamma(2.0, 0.02, n), 3).tolist()
        sent = rng.integers(200, 60_000, n).tolist()
        received = rng.integers(90, 2_000, n).tolist()
        cport = rng.integers(1024, 65535, n).tolist()
        trace = rng.integers(0, 1 << 62, (n, 2)).tolist()
        out = []
        for i, t in enumerate(times.tolist()):
            k, ip, tt = lb[i], self.targets[targets[i]], target_time[i]
            out.append(
                f'https {iso_micro(t)} {self.names[k]} {self.fleet.external_ips[clients[i]]}:{cport[i]} {ip}:443 '
                f'0.000 {tt:.3f} 0.000 {status[i]} {status[i]} {received[i]} {sent[i]} '
                f'"{METHODS[path[i]]} https://{self.hosts[k]}:443{PATHS[path[i]]} HTTP/1.1" "{AGENTS[agent[i]]}" '
                f"ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 {self.target_groups[k]} "
                f'"Root=1-{int(t):08x}-{trace[i][0]:016x}{trace[i][1] & 0xFFFFFFFF:08x}" "{self.hosts[k]}" "{self.cert}" '
                f'0 {iso_micro(t - tt)} "forward" "-" "-" "{ip}:443" "{status[i]}" "-" "-"'
            )
        return out
