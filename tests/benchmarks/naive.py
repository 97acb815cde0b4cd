"""The issue's naive baselines: per line, split (or ``json.loads``), one ECS dict, ``orjson.dumps``, count per key.

Each takes an input file and an output file and returns the documents
written. They do the least work a per-line Python parser can do (no
validation beyond what a conversion needs, no enrichment, no detectors),
so they bound what "one dict per line" costs on this machine.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import orjson

from processors.parsers._time import epoch_iso


def vpcflow(path: Path, out: Path) -> int:
    counts: Counter[str] = Counter()
    n = 0
    with open(path, "rb") as fh, open(out, "wb") as sink:
        for raw in fh:
            parts = raw.decode().split()
            if len(parts) != 14:
                continue
            try:
                start, end = int(parts[10]), int(parts[11])
                doc = {"@timestamp": epoch_iso(end), "event": {"start": epoch_iso(start), "end": epoch_iso(end),
                       "action": parts[12]}, "source": {"ip": parts[3], "port": int(parts[5])},
                       "destination": {"ip": parts[4], "port": int(parts[6])},
                       "network": {"iana_number": parts[7], "packets": int(parts[8]), "bytes": int(parts[9])},
                       "aws": {"vpcflow": {"interface_id": parts[2], "account_id": parts[1], "log_status": parts[13]}}}
            except ValueError:
                continue
            sink.write(orjson.dumps(doc) + b"\n")
            counts[parts[2]] += 1
            n += 1
    return n


def alb(path: Path, out: Path) -> int:
    """Quoted fields sit at the odd positions of ``line.split('"')``; the rest split on spaces."""
    counts: Counter[str] = Counter()
    n = 0
    with open(path, "rb") as fh, open(out, "wb") as sink:
        for raw in fh:
            pieces = raw.decode().rstrip("\n").split('"')
            if len(pieces) < 5:
                continue
            head = pieces[0].split()
            if len(head) < 12:
                continue
            method, _, rest = pieces[1].partition(" ")
            url, _, version = rest.rpartition(" ")
            client, _, port = head[3].rpartition(":")
            try:
                doc = {"@timestamp": head[1], "aws": {"elb": {"name": head[2], "type": head[0]}},
                       "source": {"ip": client, "port": int(port)},
                       "http": {"request": {"method": method, "bytes": int(head[10])},
                                "response": {"status_code": int(head[8]), "body": {"bytes": int(head[11])}},
                                "version": version[5:]},
                       "url": {"original": url}, "user_agent": {"original": pieces[3]},
                       "event": {"duration": float(head[6])}}
            except ValueError:
                continue
            sink.write(orjson.dumps(doc) + b"\n")
            counts[head[2]] += 1
            n += 1
    return n


def cloudtrail(path: Path, out: Path) -> int:
    counts: Counter[str] = Counter()
    n = 0
    with open(path, "rb") as fh, open(out, "wb") as sink:
        for raw in fh:
            try:
                rec = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(rec, dict):
                continue
            identity = rec.get("userIdentity") or {}
            doc = {"@timestamp": rec.get("eventTime"),
                   "event": {"action": rec.get("eventName"), "provider": rec.get("eventSource"),
                             "id": rec.get("eventID"), "outcome": "failure" if rec.get("errorCode") else "success"},
                   "source": {"address": rec.get("sourceIPAddress")}, "user_agent": {"original": rec.get("userAgent")},
                   "cloud": {"region": rec.get("awsRegion"), "account": {"id": rec.get("recipientAccountId")}},
                   "user": {"name": identity.get("userName"), "id": identity.get("principalId")},
                   "aws": {"cloudtrail": {"event_version": rec.get("eventVersion"), "event_type": rec.get("eventType"),
                                          "request_parameters": json.dumps(rec.get("requestParameters"))}}}
            sink.write(orjson.dumps(doc) + b"\n")
            counts[str(rec.get("eventSource"))] += 1
            n += 1
    return n


BASELINES = {"vpcflow": vpcflow, "alb": alb, "cloudtrail": cloudtrail}
