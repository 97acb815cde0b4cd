"""Contiguous acknowledgement tracking for sources.

A source registers each position it hands out, in read order, per partition
(Kinesis shard, Kafka partition, file). Acks may arrive in any order; the
checkpoint is the highest position whose predecessors have all been acked.

>>> t = AckTracker()
>>> t.issue("shard-0", "10"); t.issue("shard-0", "20"); t.issue("shard-0", "30")
>>> t.ack("shard-0", "20") is None   # 10 is still outstanding
True
>>> t.ack("shard-0", "10")
'20'
>>> t.pending("shard-0")
1
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

P = TypeVar("P", bound=Hashable)


class AckTracker(Generic[P]):
    def __init__(self) -> None:
        self._outstanding: dict[str, OrderedDict[P, bool]] = {}

    def issue(self, partition: str, position: P) -> None:
        """Record that ``position`` was handed out (in read order)."""
        self._outstanding.setdefault(partition, OrderedDict())[position] = False

    def ack(self, partition: str, position: P) -> P | None:
        """Mark ``position`` acked; return the new checkpoint if it advanced."""
        queue = self._outstanding.get(partition)
        if queue is None or position not in queue:
            return None
        queue[position] = True
        checkpoint: P | None = None
        while queue:
            first = next(iter(queue))
            if not queue[first]:
                break
            queue.popitem(last=False)
            checkpoint = first
        return checkpoint

    def pending(self, partition: str) -> int:
        return len(self._outstanding.get(partition, ()))

    def forget(self, partition: str) -> None:
        """Drop a partition (lease lost): its outstanding positions are not ours."""
        self._outstanding.pop(partition, None)
