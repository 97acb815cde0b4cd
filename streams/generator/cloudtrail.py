"""CloudTrail management-event records (one JSON object per entry) for the synthetic mix.

Records follow the shapes AWS documents for CloudTrail 1.08+: IAM users
(console and CLI) and assumed-role sessions (``sessionContext`` with the
issuing role, one session per principal and hour), AWS services calling on
someone's behalf, request parameters and response elements as the APIs
return them (AssumeRole credentials are unique per call), resources,
``tlsDetails``, console logins (some failing) and access-denied errors.
Each principal calls from a couple of fixed addresses.

>>> import numpy as np, orjson
>>> from streams.generator.fleet import Fleet
>>> rng = np.random.default_rng(5)
>>> record = orjson.loads(CloudTrailSynth(Fleet.build(rng, enis=4, external_hosts=10), rng).lines(np.array([1704153600.0]))[0])
>>> record["eventVersion"], record["eventTime"], record["recipientAccountId"]
('1.08', '2024-01-02T00:00:00Z', '123456789012')
"""

from __future__ import annotations

import uuid
from typing import Any

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
ROLES = {"deploy-bot": "deploy", "ci-runner": "ci"}  # these principals work through assumed roles
SERVICE_SHARE = 0.05  # calls an AWS service makes on someone's behalf
ERROR_SHARE = 0.03
AGENTS = ("aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64", "Boto3/1.34.11 md/Botocore#1.34.11 Python/3.11.6",
          "aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5")


def _params(source: str, name: str, acct: str, user: str, unique: str, t: float) -> tuple[Any, Any, Any]:
    """(requestParameters, responseElements, resources) as the API documents them."""
    if name == "DescribeInstances":
        return {"instancesSet": {}, "filterSet": {"items": [{"name": "instance-state-name",
                                                             "valueSet": {"items": [{"value": "running"}]}}]}}, None, None
    if name == "DescribeSecurityGroups":
        return {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}}, None, None
    if name == "ListBuckets":
        return {"Host": "s3.amazonaws.com"}, None, None
    if name == "AssumeRole":
        role = f"arn:aws:iam::{acct}:role/{ROLES.get(user, 'readonly')}"
        request = {"roleArn": role, "roleSessionName": user, "durationSeconds": 3600}
        response = {"credentials": {"accessKeyId": f"ASIA{unique[:16].upper()}", "sessionToken": f"IQoJb3JpZ2luX2Vj{unique}",
                                    "expiration": iso(t + 3600)},
                    "assumedRoleUser": {"assumedRoleId": f"AROA{unique[16:32].upper()}:{user}",
                                        "arn": f"arn:aws:sts::{acct}:assumed-role/{ROLES.get(user, 'readonly')}/{user}"}}
        return request, response, [{"accountId": acct, "type": "AWS::IAM::Role", "ARN": role}]
    if name == "Decrypt":
        key = f"arn:aws:kms:us-east-1:{acct}:key/0b2f6c7e-{acct[:4]}-4c1f-9d7e-2a1b3c4d5e6f"
        return {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}, None, [{"accountId": acct, "type": "AWS::KMS::Key", "ARN": key}]
    if name == "AuthorizeSecurityGroupIngress":
        rule = {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}
        return {"groupId": "sg-0a1b2c3d4e5f60718", "ipPermissions": {"items": [rule]}}, \
            {"requestId": unique[:36], "_return": True}, None
    return None, None, None


class CloudTrailSynth:
    def __init__(self, fleet: Fleet, rng: np.random.Generator):
        self.fleet = fleet
        self.rng = rng
        weights = np.array([c[3] for c in CALLS])
        self.weights = weights / weights.sum()
        # no draws from ``rng`` here: the engine's random sequence stays what the other datasets expect
        step = max(1, len(fleet.external_ips) // (2 * len(USERS) + 1))
        self.addresses = {u: [fleet.external_ips[(2 * i + j) * step % len(fleet.external_ips)] for j in (0, 1)]
                          for i, u in enumerate(USERS)}
        self.principal = {u: f"AIDA{(i + 1) * 7919 * 10**9:016d}" if u not in ROLES else
                          f"AROA{(i + 1) * 104729 * 10**9:016d}" for i, u in enumerate(USERS)}

    def identity(self, user: str, t: float) -> dict[str, Any]:
        acct = self.fleet.account_id
        if user not in ROLES:
            return {"type": "IAMUser", "principalId": self.principal[user], "arn": f"arn:aws:iam::{acct}:user/{user}",
                    "accountId": acct, "accessKeyId": f"AKIA{self.principal[user][4:20]}", "userName": user}
        role, hour = ROLES[user], int(t) // 3600 * 3600
        return {"type": "AssumedRole", "principalId": f"{self.principal[user]}:{user}",
                "arn": f"arn:aws:sts::{acct}:assumed-role/{role}/{user}", "accountId": acct,
                "accessKeyId": f"ASIA{(hour // 3600 * 31 + len(user)) % 10**16:016d}",
                "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": self.principal[user],
                                                     "arn": f"arn:aws:iam::{acct}:role/{role}", "accountId": acct,
                                                     "userName": role},
                                   "webIdFederationData": {},
                                   "attributes": {"creationDate": iso(hour), "mfaAuthenticated": "false"}}}

    def lines(self, times: np.ndarray) -> list[str]:
        rng, fleet, n = self.rng, self.fleet, len(times)
        calls = rng.choice(len(CALLS), n, p=self.weights).tolist()
        users = rng.integers(0, len(USERS), n).tolist()
        sides = (rng.choice(len(fleet.external_ips), n, p=fleet.external_weights) % 2).tolist()
        ids = rng.integers(0, 1 << 63, (n, 4), dtype=np.int64).tolist()
        draws = [((row[2] >> 8) % 10_000 / 10_000, (row[2] >> 24) % 10_000 / 10_000) for row in ids]
        acct, region = fleet.account_id, fleet.region
        out = []
        for i, t in enumerate(times.tolist()):
            source, name, read_only, _ = CALLS[calls[i]]
            user = USERS[users[i]]
            login = name == "ConsoleLogin"
            if login and user in ROLES:
                user = USERS[users[i] % 2]
            unique = uuid.UUID(int=(ids[i][1] << 64 | ids[i][2]) & ((1 << 128) - 1), version=4).hex
            request, response, resources = _params(source, name, acct, user, unique, t)
            identity, address = self.identity(user, t), self.addresses[user][sides[i]]
            agent = AGENTS[users[i] % len(AGENTS)]
            if not login and draws[i][0] < SERVICE_SHARE:
                identity = {"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com"}
                address = agent = "cloudformation.amazonaws.com"
            record: dict[str, Any] = {"eventVersion": "1.08", "userIdentity": identity, "eventTime": iso(t),
                                      "eventSource": source, "eventName": name, "awsRegion": region,
                                      "sourceIPAddress": address, "userAgent": agent}
            if login:
                failed = draws[i][1] < 0.1
                if failed:
                    record["errorMessage"] = "Failed authentication"
                response = {"ConsoleLogin": "Failure" if failed else "Success"}
            elif draws[i][1] < ERROR_SHARE:
                record["errorCode"] = "AccessDenied"
                record["errorMessage"] = f"User: {identity.get('arn', address)} is not authorized to perform: " \
                                         f"{source.split('.')[0]}:{name}"
                response = None
            record["requestParameters"] = request
            record["responseElements"] = response
            if login:
                record["additionalEventData"] = {"LoginTo": "https://console.aws.amazon.com/console/home",
                                                 "MobileVersion": "No", "MFAUsed": "Yes" if user == "alice" else "No"}
            record["requestID"] = str(uuid.UUID(int=(ids[i][1] << 64 | ids[i][2]) & ((1 << 128) - 1), version=4))
            record["eventID"] = str(uuid.UUID(int=(ids[i][3] << 64 | ids[i][0]) & ((1 << 128) - 1), version=4))
            record["readOnly"] = read_only
            if resources:
                record["resources"] = resources
            record["eventType"] = "AwsConsoleSignIn" if login else "AwsApiCall"
            record["managementEvent"] = True
            record["recipientAccountId"] = acct
            record["eventCategory"] = "Management"
            if not login:
                record["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                                        "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com"}
            out.append(orjson.dumps(record).decode())
        return out
