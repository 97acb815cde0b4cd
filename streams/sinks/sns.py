"""SNS finding sink: one ``Publish`` per finding, JSON body, attributes for subscription filters.

Message attributes ``severity``, ``detector`` and ``finding_type`` let SNS
subscription filter policies route further. FIFO topics get the finding id as
deduplication id and the detector as message group. Throttling, 5xx and
connection errors are retried; auth errors are retried too (not the finding's
fault: rotated credentials); other client errors are FAILED.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import Field

from streams.core.model import Finding, ItemResult, Outcome
from streams.core.registry import FINDING_SINKS
from streams.sinks.finding_base import FindingSinkConfig, RoutedFindingSink
from streams.sinks.finding_docs import generic_json
from streams.sinks.render import render_finding

_RETRYABLE_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "KMSThrottlingException",
    "AuthorizationError",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
}


class SnsSinkConfig(FindingSinkConfig):
    topic_arn: str
    format: Literal["generic", "ecs", "ocsf"] = "generic"
    region_name: str | None = None
    endpoint_url: str | None = Field(None, description="for LocalStack or moto")
    notify: Literal["changes", "every"] = "changes"


@FINDING_SINKS.register("sns", SnsSinkConfig)
class SnsSink(RoutedFindingSink):
    def __init__(self, config: SnsSinkConfig, sleep: Any = None, client_kwargs: dict[str, Any] | None = None):
        super().__init__(config, sleep)
        self.config: SnsSinkConfig = config
        self.name = config.name or "sns"
        self._client_kwargs = {"region_name": config.region_name, "endpoint_url": config.endpoint_url}
        self._client_kwargs.update(client_kwargs or {})
        self._stack: Any = None
        self._client: Any = None

    async def start(self) -> None:
        if self._client is not None:
            return
        from contextlib import AsyncExitStack

        from aiobotocore.session import get_session

        self._stack = AsyncExitStack()
        kwargs = {k: v for k, v in self._client_kwargs.items() if v is not None}
        self._client = await self._stack.enter_async_context(get_session().create_client("sns", **kwargs))

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
        self._stack = self._client = None

    def message(self, finding: Finding) -> dict[str, Any]:
        body = generic_json(finding) if self.config.format == "generic" else render_finding(finding, self.config.format)
        attrs = {
            "severity": finding.severity.value,
            "detector": finding.detector,
            "finding_type": finding.finding_type,
            "status": finding.status,
        }
        request: dict[str, Any] = {
            "TopicArn": self.config.topic_arn,
            "Message": orjson.dumps(body).decode(),
            "Subject": f"[{finding.severity.value.upper()}] {finding.summary}"[:100],
            "MessageAttributes": {k: {"DataType": "String", "StringValue": v} for k, v in attrs.items()},
        }
        if self.config.topic_arn.endswith(".fifo"):
            request["MessageGroupId"] = finding.detector
            request["MessageDeduplicationId"] = f"{finding.id}-{finding.status}-{finding.count}"[:128]
        return request

    async def send(self, finding: Finding) -> ItemResult:
        from botocore.exceptions import BotoCoreError, ClientError

        await self.start()
        try:
            await self._client.publish(**self.message(finding))
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            reason = f"{code}: {err.response.get('Error', {}).get('Message', '')}"
            retry = code in _RETRYABLE_CODES or status >= 500 or status == 429
            return ItemResult(Outcome.RETRY if retry else Outcome.FAILED, reason)
        except BotoCoreError as err:  # connection and credential problems
            return ItemResult(Outcome.RETRY, f"{type(err).__name__}: {err}")
        return ItemResult(Outcome.OK)
