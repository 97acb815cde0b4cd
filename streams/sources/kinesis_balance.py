"""Which shard leases a worker should take: expiry by observation, balance by count.

As in the KCL, a lease is expired when its counter has not changed for a whole
lease duration *as observed by this worker's own clock* (no clock agreement
between workers is needed). A lease is ready when it is not finished and
every parent it names is finished (``SHARD_END``) or gone from the table, so
parents are drained before their children.

>>> from streams.sources.kinesis_leases import Lease
>>> leases = [Lease("s0", "a"), Lease("s1", "a"), Lease("s2", "a"), Lease("s3", "a")]
>>> plan = plan_takes(leases, "b", held=set(), expired=set())
>>> (plan.take, plan.steal.key if plan.steal else None)
([], 's0')
>>> plan_takes(leases, "b", held=set(), expired={"s1", "s3"}).take == [leases[1], leases[3]]
True
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from streams.sources.kinesis_leases import Lease


class LeaseObserver:
    """Remembers when each lease's counter was last seen to change.

    Bounded by the lease table: keys not in the latest scan are forgotten.

    >>> now = [0.0]
    >>> obs = LeaseObserver(10.0, clock=lambda: now[0])
    >>> lease = Lease("s0", "dead-worker", counter=5)
    >>> obs.update([lease]); obs.expired(lease)
    False
    >>> now[0] = 11.0; obs.update([lease]); obs.expired(lease)
    True
    """

    def __init__(self, lease_duration: float, clock: Callable[[], float] = time.monotonic):
        self.lease_duration = lease_duration
        self.clock = clock
        self._seen: dict[str, tuple[int, float]] = {}

    def update(self, leases: Iterable[Lease]) -> None:
        now = self.clock()
        fresh: dict[str, tuple[int, float]] = {}
        for lease in leases:
            previous = self._seen.get(lease.key)
            fresh[lease.key] = previous if previous and previous[0] == lease.counter else (lease.counter, now)
        self._seen = fresh

    def expired(self, lease: Lease) -> bool:
        if lease.owner is None:
            return True
        seen = self._seen.get(lease.key)
        return seen is not None and self.clock() - seen[1] > self.lease_duration

    def expired_keys(self, leases: Iterable[Lease]) -> set[str]:
        return {lease.key for lease in leases if lease.owner is not None and self.expired(lease)}

    def __len__(self) -> int:
        return len(self._seen)


@dataclass(slots=True)
class Plan:
    take: list[Lease] = field(default_factory=list)
    steal: Lease | None = None


def ready(leases: list[Lease]) -> list[Lease]:
    """Unfinished leases whose parents are all finished or gone.

    >>> leases = [Lease("p", checkpoint="42"), Lease("c1", parents=("p",)), Lease("x", parents=("gone",))]
    >>> [lease.key for lease in ready(leases)]
    ['p', 'x']
    """
    by_key = {lease.key: lease for lease in leases}
    return [
        lease
        for lease in leases
        if not lease.finished and all(p not in by_key or by_key[p].finished for p in lease.parents)
    ]


def plan_takes(
    leases: list[Lease],
    me: str,
    held: set[str],
    expired: set[str],
    max_leases: int | None = None,
    rng: random.Random | None = None,
) -> Plan:
    """Leases to take (free or expired) and at most one to steal, to reach a fair share."""
    active = ready(leases)
    workers = {lease.owner for lease in active if lease.owner and lease.key not in expired} | {me}
    target = math.ceil(len(active) / len(workers)) if active else 0
    if max_leases is not None:
        target = min(target, max_leases)
    need = target - sum(1 for lease in active if lease.key in held)
    if need <= 0:
        return Plan()
    available = [
        lease
        for lease in active
        if lease.key not in held and (lease.owner is None or lease.key in expired or lease.owner == me)
    ]
    if available:
        (rng or random).shuffle(available)
        return Plan(take=sorted(available[:need], key=lambda lease: lease.key))
    counts: dict[str, list[Lease]] = {}
    for lease in active:
        if lease.owner and lease.owner != me:
            counts.setdefault(lease.owner, []).append(lease)
    if not counts:
        return Plan()
    busiest = max(sorted(counts), key=lambda owner: len(counts[owner]))
    if len(counts[busiest]) > target:
        return Plan(steal=counts[busiest][0])
    return Plan()
