"""Retry helpers shared by the Kinesis source and sink: which AWS errors are transient, and backoff."""

from __future__ import annotations

import random

from botocore.exceptions import BotoCoreError, ClientError

THROTTLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "LimitExceededException",
        "KMSThrottlingException",
        "RequestLimitExceeded",
        "InternalFailure",
        "ServiceUnavailable",
        "InternalServerError",
    }
)


def error_code(err: BaseException) -> str:
    return err.response.get("Error", {}).get("Code", "") if isinstance(err, ClientError) else ""


def is_transient(err: BaseException) -> bool:
    """Throttling, a 5xx or a connection problem: worth retrying with backoff."""
    if isinstance(err, ClientError):
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return error_code(err) in THROTTLE_CODES or status >= 500
    return isinstance(err, (BotoCoreError, OSError))


class Backoff:
    """Exponential backoff with full jitter.

    >>> b = Backoff(0.1, 1.0, rng=random.Random(1))
    >>> [round(b.next(), 3) for _ in range(3)]
    [0.013, 0.169, 0.306]
    """

    def __init__(self, initial: float, maximum: float, rng: random.Random | None = None):
        self.initial, self.maximum, self.attempt = initial, maximum, 0
        self.rng = rng or random.Random()

    def next(self) -> float:
        ceiling = min(self.maximum, self.initial * 2**self.attempt)
        self.attempt += 1
        return self.rng.uniform(0, ceiling)

    def reset(self) -> None:
        self.attempt = 0
