"""One shard's reader: GetRecords pacing, backoff, de-aggregation, contiguous checkpoints.

A reader owns one lease while it runs. Every GetRecords response becomes one
batch (whole Kinesis records, never split), so a checkpoint always lands on a
record boundary; the sub-sequence number is still stored so a resume skips
the KPL sub-records already acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from streams.core import metrics
from streams.core.acks import AckTracker
from streams.core.model import Batch, Position, Record
from streams.sources import kinesis_metrics as km
from streams.sources.kinesis_leases import SENTINELS, SHARD_END, WHOLE_RECORD, Lease, LeaseLost, LeaseTable
from streams.sources.kinesis_retry import Backoff, error_code, is_transient
from streams.sources.kpl import KplError, deaggregate

log = logging.getLogger(__name__)


@dataclass(slots=True, frozen=True)
class ReaderSettings:
    source: str
    stream_name: str
    stream_args: dict[str, str]
    max_records: int = 10_000
    max_unacked_batches: int = 4
    poll_interval: float = 1.0
    min_get_interval: float = 0.2
    max_bytes_per_second: int = 2 << 20
    backoff_initial: float = 0.2
    backoff_max: float = 10.0
    at_timestamp: float | None = None


@dataclass(slots=True, frozen=True)
class Token:
    reader: ShardReader
    batch_no: int


class ShardReader:
    """Reads one leased shard into a queue of batches until stopped, lost or drained."""

    def __init__(
        self,
        client: Any,
        table: LeaseTable,
        lease: Lease,
        settings: ReaderSettings,
        out: asyncio.Queue[Batch],
        on_finished: Callable[[ShardReader], Awaitable[None]] | None = None,
    ):
        self.client, self.table, self.lease, self.settings, self.out = client, table, lease, settings, out
        self.shard = lease.key
        self.on_finished = on_finished
        self.ending_sequence: str | None = None  # set by the source when ListShards says the shard is closed
        self.lost = self.stopping = self.drained = self.released = False
        self._reached_end = False
        self._tracker: AckTracker[int] = AckTracker()
        self._ends: dict[int, tuple[str, int]] = {}
        self._batch_no = 0
        self._last_read: str | None = None
        self._lock = asyncio.Lock()
        self._capacity = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._backoff = Backoff(settings.backoff_initial, settings.backoff_max)

    # ---- lifecycle -------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"kinesis-{self.shard}")

    async def stop(self) -> None:
        self.stopping = True
        async with self._capacity:
            self._capacity.notify_all()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    @property
    def pending(self) -> int:
        return self._tracker.pending(self.shard)

    # ---- lease operations (serialised with each other) --------------------
    async def renew(self) -> bool:
        if self.lost or self.drained:
            return not self.lost
        async with self._lock:
            try:
                await self.table.renew(self.lease)
                return True
            except LeaseLost:
                await self._mark_lost()
                return False

    async def release(self) -> None:
        if self.lost or self.drained or self.released:
            return
        async with self._lock:
            try:
                await self.table.release(self.lease)
                self.released = True
                km.LEASE_EVENTS.labels(self.settings.source, "released").inc()
            except LeaseLost:
                await self._mark_lost()

    async def _mark_lost(self) -> None:
        if not self.lost:
            self.lost = self.stopping = True
            self._tracker.forget(self.shard)
            self._ends.clear()
            km.LEASE_EVENTS.labels(self.settings.source, "lost").inc()
            log.warning("lease on %s lost; stopped reading it and dropped its outstanding acks", self.shard)
            async with self._capacity:
                self._capacity.notify_all()

    async def ack(self, batch_no: int) -> None:
        """Acknowledge one batch; checkpoint the highest contiguous position."""
        if self.lost or self.released:
            return
        done = self._tracker.ack(self.shard, batch_no)
        if done is not None:
            sequence, sub = self._ends.pop(done)
            for older in [n for n in self._ends if n < done]:
                self._ends.pop(older)
            async with self._lock:
                if not (self.lost or self.released):
                    try:
                        await self.table.checkpoint(self.lease, sequence, sub)
                    except LeaseLost:
                        await self._mark_lost()
        async with self._capacity:
            self._capacity.notify_all()
        await self._maybe_finish()

    async def _maybe_finish(self) -> None:
        if self._reached_end and self.pending == 0 and not self.drained and not self.lost:
            async with self._lock:
                try:
                    await self.table.checkpoint(self.lease, SHARD_END)
                    await self.table.release(self.lease)
                    self.drained = True
                    km.LEASE_EVENTS.labels(self.settings.source, "shard_end").inc()
                except LeaseLost:
                    await self._mark_lost()
            if self.drained and self.on_finished is not None:
                await self.on_finished(self)

    # ---- reading ---------------------------------------------------------
    async def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        while True:
            try:
                response = await getattr(self.client, operation)(**kwargs)
                self._backoff.reset()
                return response
            except (ClientError, BotoCoreError, OSError) as err:
                if not is_transient(err):
                    raise
                code = error_code(err)
                km.THROTTLES.labels(self.settings.source, operation).inc()
                delay = self._backoff.next()
                log.info("%s on %s failed (%s); retrying in %.2fs", operation, self.shard, code or err, delay)
                await asyncio.sleep(delay)

    async def _iterator(self, after: str | None) -> str:
        args: dict[str, Any] = {**self.settings.stream_args, "ShardId": self.shard}
        checkpoint, sub = (after, WHOLE_RECORD) if after else (self.lease.checkpoint, self.lease.sub)
        if checkpoint == "AT_TIMESTAMP":
            args.update(ShardIteratorType="AT_TIMESTAMP", Timestamp=self.settings.at_timestamp)
        elif checkpoint in SENTINELS:
            args["ShardIteratorType"] = checkpoint
        elif sub != WHOLE_RECORD:  # part of an aggregated record may be unacknowledged: re-read it
            args.update(ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=checkpoint)
        else:
            args.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=checkpoint)
        return (await self._call("get_shard_iterator", **args))["ShardIterator"]

    def _records(self, raw: list[dict[str, Any]]) -> list[Record]:
        skip_seq = None if self.lease.sub == WHOLE_RECORD or self._last_read else self.lease.checkpoint
        out: list[Record] = []
        src, stream, shard = self.settings.source, self.settings.stream_name, self.shard
        for item in raw:
            seq, data = item["SequenceNumber"], item["Data"]
            arrival = item["ApproximateArrivalTimestamp"].timestamp() if "ApproximateArrivalTimestamp" in item else 0.0
            attrs: dict[str, Any] = {"partition_key": item.get("PartitionKey"), "approximate_arrival": arrival}
            try:
                users = deaggregate(data)
            except KplError as err:
                km.BAD_RECORDS.labels(src).inc()
                out.append(Record(data, Position(src, stream, shard, seq), arrival, {**attrs, "error": f"kpl: {err}"}))
                continue
            if users is None:
                out.append(Record(data, Position(src, stream, shard, seq), arrival, attrs))
                continue
            for sub, user in enumerate(users):
                if seq == skip_seq and sub <= self.lease.sub:
                    continue
                user_attrs = {**attrs, "partition_key": user.partition_key, "aggregated": True}
                if user.explicit_hash_key is not None:
                    user_attrs["explicit_hash_key"] = user.explicit_hash_key
                out.append(Record(user.data, Position(src, stream, shard, seq, sub), arrival, user_attrs))
        return out

    async def _emit(self, records: list[Record], last_seq: str) -> None:
        self._batch_no += 1
        last = records[-1] if records else None
        aggregated = last is not None and last.position.offset == last_seq and last.attrs.get("aggregated")
        self._ends[self._batch_no] = (last_seq, last.position.sub if aggregated and last else WHOLE_RECORD)
        self._tracker.issue(self.shard, self._batch_no)
        if records:
            await self.out.put(Batch(self.settings.source, records, Token(self, self._batch_no)))
        else:  # every sub-record was already acknowledged: nothing to deliver, just advance
            await self.ack(self._batch_no)

    async def _wait_capacity(self) -> None:
        async with self._capacity:
            await self._capacity.wait_for(lambda: self.stopping or self.pending < self.settings.max_unacked_batches)

    def _at_end(self, next_iterator: str | None, got: int, behind: int) -> bool:
        if next_iterator is None:
            return True
        if self.ending_sequence is None or got or behind:
            return False
        position = self._last_read or self.lease.checkpoint
        return position in SENTINELS or int(position) >= int(self.ending_sequence)

    async def _run(self) -> None:
        s, labels = self.settings, (self.settings.source, self.shard)
        loop = asyncio.get_running_loop()
        try:
            iterator: str | None = await self._iterator(None)
            while not self.stopping and iterator is not None:
                await self._wait_capacity()
                if self.stopping:
                    break
                started = loop.time()
                try:
                    resp = await self._call("get_records", ShardIterator=iterator, Limit=s.max_records)
                except ClientError as err:
                    if error_code(err) != "ExpiredIteratorException":
                        raise
                    km.EXPIRED_ITERATORS.labels(s.source).inc()
                    iterator = await self._iterator(self._last_read)
                    continue
                raw = resp.get("Records", [])
                behind = int(resp.get("MillisBehindLatest", 0))
                km.MILLIS_BEHIND.labels(*labels).set(behind)
                metrics.SOURCE_LAG.labels(s.source, self.shard).set(behind / 1000)
                size = sum(len(r["Data"]) for r in raw)
                if raw:
                    km.SHARD_RECORDS.labels(*labels).inc(len(raw))
                    km.SHARD_BYTES.labels(*labels).inc(size)
                    metrics.RECORDS_IN.labels(s.source).inc(len(raw))
                    metrics.BYTES_IN.labels(s.source).inc(size)
                    records = self._records(raw)
                    self._last_read = raw[-1]["SequenceNumber"]
                    await self._emit(records, self._last_read)
                iterator = resp.get("NextShardIterator")
                if self._at_end(iterator, len(raw), behind):
                    self._reached_end = True
                    await self._maybe_finish()
                    return
                busy = len(raw) >= s.max_records or behind > 0
                wait = max(s.min_get_interval if busy else s.poll_interval, size / s.max_bytes_per_second)
                await asyncio.sleep(max(0.0, wait - (loop.time() - started)))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reader of %s failed; giving the lease back", self.shard)
            self.stopping = True
            await self.release()
