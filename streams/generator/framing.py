"""CloudWatch Logs subscription framing: entries grouped per log stream into gzip envelopes.

This is what a subscription filter delivers to Kinesis: one record = one
gzip-compressed ``DATA_MESSAGE`` holding up to ``events_per_message`` log
events of one log group and stream.

>>> import gzip, orjson
>>> from streams.generator.engine import Channel
>>> chans = [Channel("vpcflow", "/aws/vpc/flowlogs/vpc-1", "eni-1-all")]
>>> payloads = cloudwatch_payloads([1704153600.5, 1704153601.0], ["a", "b"], [0, 0], chans, "123456789012", 10)
>>> doc = orjson.loads(gzip.decompress(payloads[0][1]))
>>> doc["logGroup"], [e["message"] for e in doc["logEvents"]], doc["logEvents"][0]["timestamp"]
('/aws/vpc/flowlogs/vpc-1', ['a', 'b'], 1704153600500)
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence

import orjson

from streams.generator.engine import Channel


def cloudwatch_payloads(
    times: Sequence[float],
    lines: Sequence[str],
    channels: Sequence[int],
    table: Sequence[Channel],
    owner: str,
    events_per_message: int,
    filter_name: str = "logwarden",
) -> list[tuple[float, bytes]]:
    """Group consecutive entries per channel; returns (time of the last event, gzip payload) in time order."""
    groups: dict[int, list[int]] = {}
    out: list[tuple[float, bytes]] = []

    def flush(channel: int) -> None:
        members = groups.pop(channel)
        chan = table[channel]
        events = []
        for i in members:
            ms = int(times[i] * 1000)
            events.append({"id": f"{ms:020d}{i:036d}"[:56], "timestamp": ms, "message": lines[i]})
        envelope = {
            "messageType": "DATA_MESSAGE",
            "owner": owner,
            "logGroup": chan.log_group,
            "logStream": chan.log_stream,
            "subscriptionFilters": [filter_name],
            "logEvents": events,
        }
        out.append((times[members[-1]], gzip.compress(orjson.dumps(envelope), compresslevel=5, mtime=0)))

    for i, channel in enumerate(channels):
        members = groups.setdefault(channel, [])
        members.append(i)
        if len(members) >= events_per_message:
            flush(channel)
    for channel in list(groups):
        flush(channel)
    out.sort(key=lambda item: item[0])
    return out
