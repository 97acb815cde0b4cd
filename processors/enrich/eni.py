"""ENI ownership and tags: who is behind ``aws.vpcflow.interface_id``.

Fields written (never over values already present):

- ``aws.eni.*``: ``id``, ``service`` (``ec2_instance``, ``elb``, ``nat_gateway``,
  ``lambda``, ``ecs_task``, ``vpc_endpoint``, ``rds``, ``efs``, ... or ``other``),
  ``type``, ``description``, ``owner_id``, ``requester_id``,
  ``requester_managed``, ``status``, ``subnet_id``, ``vpc_id``,
  ``availability_zone``, ``private_ip``, ``public_ip``, ``security_group_ids``,
  ``security_group_names``, ``instance_id``, ``instance_owner_id``;
- ``cloud.instance.id`` and ``cloud.availability_zone``;
- ``labels.<tag>`` for each interface tag (dots and other characters ECS does
  not allow in label keys become ``_``).

Sources: a static file (the output of ``aws ec2 describe-network-interfaces``
as JSON or YAML; its entries win) and the EC2 API. ``enrich`` never waits:
it serves from a bounded TTL cache (stale entries are served while a refresh
is queued; unknown ids are remembered for ``negative_ttl_seconds``) and
queues misses; a background task started by ``start()`` warms the cache with
every interface of the region, then fetches queued ids in batches under a
rate limit, backing off on errors. Events seen before their interface is
known are not enriched.

>>> import json, pathlib, tempfile
>>> from streams.core.model import Event, Position
>>> static = pathlib.Path(tempfile.mkdtemp()) / "enis.json"
>>> _ = static.write_text(json.dumps({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "VpcId": "vpc-1",
...     "TagSet": [{"Key": "team", "Value": "web"}], "Attachment": {"InstanceId": "i-1"}}]}))
>>> enricher = EniEnricher(EniConfig(type="eni", api=False, static_file=str(static)))
>>> doc = {"aws": {"vpcflow": {"interface_id": "eni-1"}}}
>>> _ = enricher.enrich([Event(doc, "vpcflow", "id", Position("s", "t", "0", "1"))])
>>> doc["aws"]["eni"]["service"], doc["cloud"], doc["labels"]
('ec2_instance', {'instance': {'id': 'i-1'}}, {'team': 'web'})
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter as Tally
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import Gauge
from pydantic import Field, model_validator

from processors.enrich._cache import cache_size, record_lookups
from processors.enrich._eni_api import EniFetcher
from processors.enrich._eni_records import EniInfo, eni_info, items_from_file_data
from processors.enrich._fields import copy_nested, get_path, section, split_path
from processors.enrich._lifecycle import cancel_task
from processors.enrich._ttl_cache import Lookup, TtlCache
from streams.core.metrics import DROPPED
from streams.core.model import Event, Stage
from streams.core.registry import ENRICHERS, ComponentConfig

log = logging.getLogger(__name__)

PENDING = Gauge("logwarden_eni_pending", "ENI ids waiting for an API look-up")
CACHE = "eni"


class EniConfig(ComponentConfig):
    static_file: str | None = Field(None, description="describe-network-interfaces output (JSON or YAML)")
    api: bool = Field(True, description="look interfaces up with EC2 DescribeNetworkInterfaces")
    region: str | None = Field(None, description="AWS region (default: the environment's)")
    endpoint_url: str | None = Field(None, description="EC2 endpoint override (LocalStack, tests)")
    id_fields: list[str] = Field(default_factory=lambda: ["aws.vpcflow.interface_id"], min_length=1)
    ttl_seconds: float = Field(900.0, gt=0, description="age after which an entry is refreshed")
    negative_ttl_seconds: float = Field(300.0, gt=0, description="how long an unknown id is not asked for again")
    max_entries: int = Field(100_000, ge=1, le=10_000_000)
    max_pending: int = Field(10_000, ge=1, le=1_000_000, description="queued ids; further misses are dropped")
    batch_size: int = Field(200, ge=1, le=200, description="ids per API call (EC2 allows 200 filter values)")
    calls_per_second: float = Field(2.0, gt=0, le=100)
    api_timeout_seconds: float = Field(5.0, gt=0, description="connect and read timeout of one API call")
    api_max_attempts: int = Field(3, ge=1, le=10, description="attempts per call, botocore standard retries")
    warm_up: bool = Field(True, description="list every interface of the region at start")
    warm_up_wait_seconds: float = Field(5.0, ge=0, description="how long start() waits for the warm-up")
    poll_seconds: float = Field(0.2, gt=0, description="how often the background task looks for queued ids")
    max_backoff_seconds: float = Field(60.0, gt=0)
    max_tags: int = Field(50, ge=0, le=1000, description="tags copied to labels per interface")

    @model_validator(mode="after")
    def _some_source(self) -> EniConfig:
        if not self.api and not self.static_file:
            raise ValueError("enable api or set static_file")
        return self


@ENRICHERS.register("eni", EniConfig)
class EniEnricher:
    def __init__(self, config: EniConfig, clock: Any = time.monotonic):
        self.name = config.type
        self.config = config
        self.clock = clock
        self.cache: TtlCache[EniInfo] = TtlCache(config.max_entries, config.ttl_seconds,
                                                 config.negative_ttl_seconds, clock)
        self.static: dict[str, EniInfo] = {}
        self.pending: dict[str, None] = {}  # insertion-ordered set
        self._paths = [split_path(f) for f in config.id_fields]
        self._task: asyncio.Task[None] | None = None
        self._fetcher: EniFetcher | None = None
        self.warm = asyncio.Event()
        if config.static_file:
            self.load_static(config.static_file)

    # -- sources -------------------------------------------------------------
    def load_static(self, path: str) -> None:
        try:
            data = yaml.safe_load(Path(path).read_text())
            items = items_from_file_data(data)
        except (OSError, yaml.YAMLError, ValueError) as err:
            log.warning("ENI static file %s cannot be used (%s): static ENI mapping is off", path, err)
            return
        self.add_static(items)
        log.info("ENI static file %s: %d interfaces", path, len(items))

    def add_static(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            info = eni_info(item, self.config.max_tags)
            self.static[info.id] = info

    def store(self, items: list[dict[str, Any]], asked: list[str] = ()) -> None:  # type: ignore[assignment]
        """Cache API results; ids in ``asked`` that did not come back are remembered as unknown."""
        found = set()
        for item in items:
            info = eni_info(item, self.config.max_tags)
            self.cache.put(info.id, info)
            found.add(info.id)
        for eni_id in asked:
            if eni_id not in found:
                self.cache.put(eni_id, None)
        cache_size(CACHE, len(self.cache))

    # -- hot path ------------------------------------------------------------
    def _eni_id(self, doc: dict[str, Any]) -> str | None:
        for path in self._paths:
            value = get_path(doc, path)
            if isinstance(value, str) and value.startswith("eni-"):
                return value
        return None

    def _resolve(self, eni_id: str, tally: Tally[str]) -> EniInfo | None:
        info = self.static.get(eni_id)
        if info is not None:
            tally["static"] += 1
            return info
        if not self.config.api:
            tally["miss"] += 1
            return None
        state, info = self.cache.get(eni_id)
        tally[state.value] += 1
        if state is Lookup.STALE or state is Lookup.MISS:
            self._queue(eni_id)
        return info

    def _queue(self, eni_id: str) -> None:
        if eni_id in self.pending:
            return
        if len(self.pending) >= self.config.max_pending:
            DROPPED.labels(Stage.ENRICH.value, "eni_queue_full").inc()
            return
        self.pending[eni_id] = None

    def enrich(self, events: list[Event]) -> list[Event]:
        tally: Tally[str] = Tally()
        seen: dict[str, EniInfo | None] = {}
        repeat_hits = repeat_misses = 0
        for event in events:
            doc = event.doc
            eni_id = self._eni_id(doc)
            if eni_id is None:
                continue
            if eni_id in seen:
                info = seen[eni_id]
                if info is None:
                    repeat_misses += 1
                    continue
                repeat_hits += 1
            else:
                info = seen[eni_id] = self._resolve(eni_id, tally)
                if info is None:
                    continue
            apply(doc, info)
        tally["hit"] += repeat_hits
        tally["batch_repeat"] += repeat_misses
        for result, count in tally.items():
            record_lookups(CACHE, result, count)
        PENDING.set(len(self.pending))
        return events

    # -- background refresh ----------------------------------------------------
    async def start(self) -> None:
        if not self.config.api or self._task is not None:
            self.warm.set()
            return
        cfg = self.config
        self._fetcher = EniFetcher(cfg.region, cfg.endpoint_url, cfg.calls_per_second,
                                   timeout_seconds=cfg.api_timeout_seconds, max_attempts=cfg.api_max_attempts)
        await self._fetcher.open()
        self._task = asyncio.create_task(self._run(), name="eni-refresh")
        if self.config.warm_up and self.config.warm_up_wait_seconds > 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.warm.wait(), self.config.warm_up_wait_seconds)

    async def close(self) -> None:
        await cancel_task(self._task)
        self._task = None
        if self._fetcher is not None:
            await self._fetcher.close()
            self._fetcher = None

    async def _run(self) -> None:
        backoff = 0.0
        if self.config.warm_up:
            backoff = await self._guarded(self._warm_up, backoff)
        self.warm.set()
        while True:
            if backoff:
                await asyncio.sleep(backoff)
            if not self.pending:
                await asyncio.sleep(self.config.poll_seconds)
                continue
            backoff = await self._guarded(self._fetch_pending, backoff)

    async def _guarded(self, step: Any, backoff: float) -> float:
        """Run one API step; returns the next back-off (0 after a success)."""
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception as err:  # any API or network failure: keep serving the cache, retry later
            backoff = min(self.config.max_backoff_seconds, max(1.0, backoff * 2))
            log.warning("EC2 DescribeNetworkInterfaces failed (%s: %s); retrying in %.0fs",
                        type(err).__name__, err, backoff)
            return backoff
        return 0.0

    async def _warm_up(self) -> None:
        assert self._fetcher is not None
        async for page in self._fetcher.list_all():
            self.store(page)

    async def _fetch_pending(self) -> None:
        assert self._fetcher is not None
        ids = list(self.pending)[: self.config.batch_size]
        items = await self._fetcher.fetch(ids)
        self.store(items, ids)
        for eni_id in ids:
            self.pending.pop(eni_id, None)
        PENDING.set(len(self.pending))


def apply(doc: dict[str, Any], info: EniInfo) -> None:
    """Copy ``info`` into ``doc`` without overwriting what is there."""
    aws = section(doc, "aws")
    if "eni" not in aws:
        aws["eni"] = copy_nested(info.eni)
    if info.instance_id or info.availability_zone:
        cloud = section(doc, "cloud")
        if info.instance_id:
            instance = section(cloud, "instance")
            instance.setdefault("id", info.instance_id)
        if info.availability_zone:
            cloud.setdefault("availability_zone", info.availability_zone)
    if info.labels:
        labels = section(doc, "labels")
        for key, value in info.labels.items():
            labels.setdefault(key, value)
