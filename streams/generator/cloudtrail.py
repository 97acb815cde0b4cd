"""CloudTrail management-event records (one JSON object per entry) for the synthetic mix.

>>> import numpy as np, orjson
>>> from streams.generator.fleet import Fleet
>>> rng = np.random.default_rng(5)
>>> record = orjson.loads(CloudTrailSynth(Fleet.build(rng, enis=4, external_hosts=10), rng).lines(np.array([1704153600.0]))[0])
>>> record["eventVersion"], record["eventTime"], record["recipientAccountId"]
('1.08', '2024-01-02T00:00:00Z', '123456789012')
"""

from __future__ import annotations

import uuid

import numpy as np
import orjson

from streams.generator.fleet import Fleet
from streams.generator.timeparse import iso

# eventSource, eventName, readOnly, weight
CALLS = (
    ("ec2.amazonaws.com", "DescribeInstances", True, 0.30),
    ("sts.amazonaws.com", "AssumeRole", False, 0.20),
    ("s3.amazonaws.com", "ListBuckets", True, 0.12),
    ("sts.amazonaws.com", "GetCallerIdentity", True, 0.12),
    ("ec2.amazonaws.com", "DescribeSecurityGroups", True, 0.10),
    ("kms.amazonaws.com", "Decrypt", True, 0.08),
    ("signin.amazonaws.com", "ConsoleLogin", False, 0.04),
    ("iam.amazonaws.com", "ListUsers", True, 0.025),
    ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", False, 0.005),
)
USERS = ("alice", "bob", "deploy-bot", "ci-runner")


class CloudTrailSynth:
    def __init__(self, fleet: Fleet, rng: np.random.Generator):
        self.fleet = fleet
        self.rng = rng
        weights = np.array([c[3] for c in CALLS])
        self.weights = weights / weights.sum()

    def lines(self, times: np.ndarray) -> list[str]:
        rng, fleet, n = self.rng, self.fleet, len(times)
        calls = rng.choice(len(CALLS), n, p=self.weights).tolist()
        users = rng.integers(0, len(USERS), n).tolist()
        ips = rng.choice(len(fleet.external_ips), n, p=fleet.external_weights).tolist()
        ids = rng.integers(0, 1 << 63, (n, 4), dtype=np.int64).tolist()
        acct, region = fleet.account_id, fleet.region
        out = []
        for i, t in enumerate(times.tolist()):
            source, name, read_only, _ = CALLS[calls[i]]
            user = USERS[users[i]]
            event_type = "AwsConsoleSignIn" if name == "ConsoleLogin" else "AwsApiCall"
            record = {
                "eventVersion": "1.08",
                "userIdentity": {
                    "type": "IAMUser",
                    "principalId": f"AIDA{ids[i][0] % 10**16:016d}",
                    "arn": f"arn:aws:iam::{acct}:user/{user}",
                    "accountId": acct,
                    "userName": user,
                },
                "eventTime": iso(t),
                "eventSource": source,
                "eventName": name,
                "awsRegion": region,
                "sourceIPAddress": fleet.external_ips[ips[i]],
                "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
                "requestParameters": None,
                "responseElements": {"ConsoleLogin": "Success"} if name == "ConsoleLogin" else None,
                "requestID": str(uuid.UUID(int=(ids[i][1] << 64 | ids[i][2]) & ((1 << 128) - 1), version=4)),
                "eventID": str(uuid.UUID(int=(ids[i][3] << 64 | ids[i][0]) & ((1 << 128) - 1), version=4)),
                "readOnly": read_only,
                "eventType": event_type,
                "managementEvent": True,
                "recipientAccountId": acct,
                "eventCategory": "Management",
            }
            out.append(orjson.dumps(record).decode())
        return out
