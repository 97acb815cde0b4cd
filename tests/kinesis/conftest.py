"""Kinesis test fixtures.

moto 5.x's SplitShard does not behave like Kinesis: it moves the parent's
records into the closed parent again and keeps routing new puts to the closed
parent (its hash-range lookup ignores whether a shard is open), so children
never receive data. ``real_split`` corrects the in-process emulator to the
documented Kinesis behaviour (the parent keeps its records and is closed at
its last sequence number; new records go to the open children). Against an
external endpoint (LocalStack) nothing is patched.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

import pytest


def _serialise_moto_kinesis(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's Kinesis backend is not thread-safe (its threaded server raises
    "OrderedDict mutated during iteration" when GetRecords meets PutRecords and
    gives two concurrent puts the same sequence number): run its calls one at a time."""
    if os.environ.get("LOGWARDEN_TEST_AWS_ENDPOINT"):
        return
    from moto.kinesis.models import KinesisBackend, Shard

    # and its last-sequence lookup copies every key of the shard on each put (quadratic at 100k records)
    monkeypatch.setattr(Shard, "get_max_sequence_number", lambda self: next(reversed(self.records), 0))
    lock = threading.RLock()
    for name in (
        "get_records",
        "put_record",
        "put_records",
        "split_shard",
        "merge_shards",
        "get_shard_iterator",
        "list_shards",
    ):
        original = getattr(KinesisBackend, name)

        def locked(*args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(KinesisBackend, name, locked)


@pytest.fixture
def real_split(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    if os.environ.get("LOGWARDEN_TEST_AWS_ENDPOINT"):
        return
    from moto.kinesis import models

    def get_shard_for_key(self, partition_key, explicit_hash_key):  # type: ignore[no-untyped-def]
        key = (
            int(explicit_hash_key)
            if explicit_hash_key
            else int(models.md5_hash(partition_key.encode()).hexdigest(), 16)
        )
        for shard in self.shards.values():
            if shard.is_open and shard.starting_hash <= key <= shard.ending_hash:
                return shard
        return None

    original_split = models.Stream.split_shard

    def split_shard(self, shard_to_split, new_starting_hash_key):  # type: ignore[no-untyped-def]
        parent = self.shards[shard_to_split]
        kept = OrderedDict(parent.records)
        before = set(self.shards)
        original_split(self, shard_to_split, new_starting_hash_key)
        parent.records = kept
        for shard_id in set(self.shards) - before:
            self.shards[shard_id].records = OrderedDict()

    monkeypatch.setattr(models.Stream, "get_shard_for_key", get_shard_for_key)
    monkeypatch.setattr(models.Stream, "split_shard", split_shard)


@pytest.fixture
def aws_credentials(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    _serialise_moto_kinesis(monkeypatch)
    """The source and sink take credentials from the environment, as in a container."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", aws_env["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", aws_env["aws_secret_access_key"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws_env["region_name"])
    return aws_env


@pytest.fixture(autouse=True)
def _quiet_moto_access_log() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
