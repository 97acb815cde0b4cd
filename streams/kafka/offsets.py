"""Which Kafka offsets may be committed: contiguous acks per partition, per assignment.

A batch marks, for every partition it holds records of, the last offset it
read there. Acks may come back in any order; an offset becomes committable
only once every earlier mark of that partition was acked, and the offset
committed is ``mark + 1`` (Kafka's "next offset to read").

Each assignment of a partition gets a new epoch: after a rebalance revokes a
partition, acks of batches read under the old assignment are stale and
ignored (another consumer owns the partition and will redeliver them).

>>> book = OffsetBook()
>>> book.assigned([("logs", 0)])
>>> t1 = book.mark({("logs", 0): 9})
>>> t2 = book.mark({("logs", 0): 19})
>>> book.ack(t2)             # 0..9 not acked yet: nothing to commit
{}
>>> book.ack(t1)
{('logs', 0): 20}
>>> t3 = book.mark({("logs", 0): 29})
>>> book.revoked([("logs", 0)])
>>> book.assigned([("logs", 0)])
>>> book.ack(t3)             # read before the rebalance: stale
{}
>>> book.stale_acks
1
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from streams.core.acks import AckTracker

TopicPartitionKey = tuple[str, int]


@dataclass(frozen=True, slots=True)
class OffsetMark:
    topic: str
    partition: int
    epoch: int
    offset: int


@dataclass(frozen=True, slots=True)
class KafkaAckToken:
    """The ack token of one Kafka batch: the last offset read per partition."""

    marks: tuple[OffsetMark, ...]


class OffsetBook:
    """Contiguous-ack bookkeeping over assigned partitions (no I/O)."""

    def __init__(self) -> None:
        self._tracker: AckTracker[int] = AckTracker()
        self._epochs: dict[TopicPartitionKey, int] = {}
        self._next_epoch = count(1)
        self.stale_acks = 0

    @staticmethod
    def _key(tp: TopicPartitionKey) -> str:
        return f"{tp[0]}/{tp[1]}"

    def assigned(self, partitions: list[TopicPartitionKey]) -> None:
        for tp in partitions:
            self._epochs[tp] = next(self._next_epoch)

    def revoked(self, partitions: list[TopicPartitionKey]) -> None:
        for tp in partitions:
            self._epochs.pop(tp, None)
            self._tracker.forget(self._key(tp))

    def owns(self, tp: TopicPartitionKey) -> bool:
        return tp in self._epochs

    def mark(self, last_offsets: dict[TopicPartitionKey, int]) -> KafkaAckToken:
        """Register a batch's last offset per partition (in read order) and return its token."""
        marks = []
        for tp, offset in last_offsets.items():
            epoch = self._epochs.get(tp)
            if epoch is None:  # read from a partition that is no longer ours: never committable
                continue
            self._tracker.issue(self._key(tp), offset)
            marks.append(OffsetMark(tp[0], tp[1], epoch, offset))
        return KafkaAckToken(tuple(marks))

    def ack(self, token: KafkaAckToken) -> dict[TopicPartitionKey, int]:
        """Acknowledge a batch; return the offsets to commit (next offset to read) that advanced."""
        commits: dict[TopicPartitionKey, int] = {}
        for m in token.marks:
            tp = (m.topic, m.partition)
            if self._epochs.get(tp) != m.epoch:
                self.stale_acks += 1
                continue
            checkpoint = self._tracker.ack(self._key(tp), m.offset)
            if checkpoint is not None:
                commits[tp] = checkpoint + 1
        return commits

    def pending(self, tp: TopicPartitionKey) -> int:
        """Batches read from ``tp`` and not yet acknowledged."""
        return self._tracker.pending(self._key(tp))
