"""Shard leases in a DynamoDB table, in the style of the Kinesis Client Library.

One item per shard (attribute names as the KCL writes them)::

    leaseKey                    S   shard id (hash key)
    leaseOwner                  S   worker id; absent when the lease is free
    leaseCounter                N   incremented by every change; every write is
                                    conditional on the counter the writer last saw
    checkpoint                  S   sequence number, or TRIM_HORIZON / LATEST /
                                    AT_TIMESTAMP before the first checkpoint, or
                                    SHARD_END once a closed shard is drained
    checkpointSubSequenceNumber N   KPL sub-record index of the checkpoint (-1: whole record)
    parentShardId               SS  parent shard ids (absent for original shards)
    ownerSwitchesSinceCheckpoint N

A write that fails its condition means someone else changed the lease: the
writer has lost it (``LeaseLost``) and must stop reading that shard.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

SHARD_END = "SHARD_END"
SENTINELS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP", SHARD_END)
WHOLE_RECORD = -1


class LeaseLost(Exception):
    """A conditional write failed: the lease changed under us."""


@dataclass(slots=True)
class Lease:
    key: str
    owner: str | None = None
    counter: int = 0
    checkpoint: str = "TRIM_HORIZON"
    sub: int = WHOLE_RECORD
    parents: tuple[str, ...] = ()
    owner_switches: int = 0

    @property
    def finished(self) -> bool:
        return self.checkpoint == SHARD_END

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Lease:
        return cls(
            key=item["leaseKey"]["S"],
            owner=item.get("leaseOwner", {}).get("S"),
            counter=int(item.get("leaseCounter", {}).get("N", "0")),
            checkpoint=item.get("checkpoint", {}).get("S", "TRIM_HORIZON"),
            sub=int(item.get("checkpointSubSequenceNumber", {}).get("N", str(WHOLE_RECORD))),
            parents=tuple(sorted(item.get("parentShardId", {}).get("SS", ()))),
            owner_switches=int(item.get("ownerSwitchesSinceCheckpoint", {}).get("N", "0")),
        )


def _conditional_failed(err: ClientError) -> bool:
    return err.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class LeaseTable:
    """Lease operations on one DynamoDB table; every change is a conditional write."""

    def __init__(self, client: Any, table: str):
        self.client = client
        self.table = table

    async def ensure_table(self, timeout: float = 60.0) -> None:
        """Create the table (PAY_PER_REQUEST) if it is missing and wait until it is active.

        DescribeTable comes first, so a worker whose table was created by its
        infrastructure (CloudFormation) needs no ``dynamodb:CreateTable`` permission.
        """
        try:
            desc = await self.client.describe_table(TableName=self.table)
            if desc["Table"].get("TableStatus") == "ACTIVE":
                return
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
        try:
            await self.client.create_table(
                TableName=self.table,
                AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ResourceInUseException":
                raise
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            desc = await self.client.describe_table(TableName=self.table)
            if desc["Table"].get("TableStatus") == "ACTIVE":
                return
            if loop.time() > deadline:
                raise TimeoutError(f"lease table {self.table} not ACTIVE after {timeout}s")
            await asyncio.sleep(0.5)

    async def list(self) -> list[Lease]:
        leases: list[Lease] = []
        kwargs: dict[str, Any] = {"TableName": self.table, "ConsistentRead": True}
        while True:
            page = await self.client.scan(**kwargs)
            leases.extend(Lease.from_item(item) for item in page.get("Items", ()))
            if "LastEvaluatedKey" not in page:
                return sorted(leases, key=lambda lease: lease.key)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    async def get(self, key: str) -> Lease | None:
        resp = await self.client.get_item(TableName=self.table, Key={"leaseKey": {"S": key}}, ConsistentRead=True)
        return Lease.from_item(resp["Item"]) if "Item" in resp else None

    async def create(self, lease: Lease) -> bool:
        """Create a free lease unless one exists for that shard; True if created."""
        item: dict[str, Any] = {
            "leaseKey": {"S": lease.key},
            "leaseCounter": {"N": "0"},
            "checkpoint": {"S": lease.checkpoint},
            "checkpointSubSequenceNumber": {"N": str(lease.sub)},
            "ownerSwitchesSinceCheckpoint": {"N": "0"},
        }
        if lease.parents:
            item["parentShardId"] = {"SS": list(lease.parents)}
        try:
            await self.client.put_item(
                TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(leaseKey)"
            )
            return True
        except ClientError as err:
            if _conditional_failed(err):
                return False
            raise

    async def _update(self, lease: Lease, expression: str, values: dict[str, Any], condition: str) -> None:
        values = {":expected": {"N": str(lease.counter)}, ":one": {"N": "1"}, **values}

        async def write() -> None:
            try:
                await self.client.update_item(
                    TableName=self.table,
                    Key={"leaseKey": {"S": lease.key}},
                    UpdateExpression=expression,
                    ConditionExpression=condition,
                    ExpressionAttributeValues=values,
                )
            except ClientError as err:
                if _conditional_failed(err):
                    raise LeaseLost(lease.key) from None
                raise
            lease.counter += 1

        # shielded: a write cancelled half-way would leave our counter behind the table's
        await asyncio.shield(write())

    async def take(self, lease: Lease, owner: str) -> None:
        """Take a free, expired or stolen lease (conditional on the counter we saw)."""
        switches = lease.owner_switches + (1 if lease.owner != owner else 0)
        await self._update(
            lease,
            "SET leaseOwner = :owner, leaseCounter = leaseCounter + :one, ownerSwitchesSinceCheckpoint = :sw",
            {":owner": {"S": owner}, ":sw": {"N": str(switches)}},
            "leaseCounter = :expected",
        )
        lease.owner, lease.owner_switches = owner, switches

    async def renew(self, lease: Lease) -> None:
        """Heartbeat: bump the counter if we still own the lease."""
        await self._update(
            lease,
            "SET leaseCounter = leaseCounter + :one",
            {":owner": {"S": lease.owner or ""}},
            "leaseCounter = :expected AND leaseOwner = :owner",
        )

    async def checkpoint(self, lease: Lease, sequence: str, sub: int = WHOLE_RECORD) -> None:
        """Record progress, only if we still own the lease."""
        await self._update(
            lease,
            "SET checkpoint = :cp, checkpointSubSequenceNumber = :sub, "
            "ownerSwitchesSinceCheckpoint = :zero, leaseCounter = leaseCounter + :one",
            {":owner": {"S": lease.owner or ""}, ":cp": {"S": sequence}, ":sub": {"N": str(sub)}, ":zero": {"N": "0"}},
            "leaseCounter = :expected AND leaseOwner = :owner",
        )
        lease.checkpoint, lease.sub, lease.owner_switches = sequence, sub, 0

    async def release(self, lease: Lease) -> None:
        """Give a lease back (graceful shutdown, or a drained shard): owner removed."""
        await self._update(
            lease,
            "REMOVE leaseOwner SET leaseCounter = leaseCounter + :one",
            {":owner": {"S": lease.owner or ""}},
            "leaseCounter = :expected AND leaseOwner = :owner",
        )
        lease.owner = None

    async def delete(self, lease: Lease) -> None:
        """Delete a finished lease whose shard has left the stream (trimmed)."""
        try:
            await self.client.delete_item(
                TableName=self.table,
                Key={"leaseKey": {"S": lease.key}},
                ConditionExpression="checkpoint = :end",
                ExpressionAttributeValues={":end": {"S": SHARD_END}},
            )
        except ClientError as err:
            if not _conditional_failed(err):
                raise
