"""The four-lane BLAKE2b event ids equal ``event_id`` (hashlib) for any row count, digit widths in any order."""

from __future__ import annotations

import numpy as np
import pytest

from processors.fast.render import event_ids
from streams.core.model import Position, event_id


@pytest.mark.parametrize("rows", [0, 1, 3, 4, 5, 9, 64])
def test_lanes_equal_event_id(rows: int) -> None:
    rng = np.random.default_rng(rows)
    numbers = (10 ** rng.integers(0, 18, rows) * rng.random(rows)).astype(np.int64)  # widths shrink and grow
    path = "s3://bucket/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/01/01/file.log"
    out = np.empty((rows, 32), np.uint8)
    event_ids(np.frombuffer(f"{path}\x1f\x1f".encode(), np.uint8), numbers, out)
    assert [bytes(r).decode() for r in out] == [event_id(Position("replay", path, "", str(n))) for n in numbers.tolist()]
