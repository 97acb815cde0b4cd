"""Webhook finding sink: generic JSON, Slack incoming webhooks, PagerDuty Events API v2.

Status handling: 2xx is OK; 408, 429 and 5xx are retried (``Retry-After`` is
honoured up to ``retry.max_seconds``); other 4xx are FAILED with the answer's
first bytes as the reason. Secrets (a Slack URL, a PagerDuty routing key,
header values) can come from environment variables (``url_env``,
``routing_key_env``, ``headers_env``).
"""

from __future__ import annotations

import os
from typing import Any

import aiohttp
from pydantic import Field, SecretStr, model_validator

from streams.core.model import Finding, ItemResult, Outcome
from streams.core.registry import FINDING_SINKS
from streams.sinks.finding_base import FindingSinkConfig, RoutedFindingSink
from streams.sinks.webhook_formats import WebhookFormat, render

PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"


class WebhookSinkConfig(FindingSinkConfig):
    format: WebhookFormat = WebhookFormat.GENERIC
    url: SecretStr | None = Field(None, description="endpoint; PagerDuty defaults to the Events API v2 URL")
    url_env: str | None = None
    routing_key: SecretStr | None = Field(None, description="PagerDuty integration (routing) key")
    routing_key_env: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    headers_env: dict[str, str] = Field(default_factory=dict, description="header name -> environment variable")
    timeout_seconds: float = Field(10.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> WebhookSinkConfig:
        if self.format is not WebhookFormat.PAGERDUTY and self.url is None and not self.url_env:
            raise ValueError("url or url_env is required")
        if self.format is WebhookFormat.PAGERDUTY and self.routing_key is None and not self.routing_key_env:
            raise ValueError("format 'pagerduty' needs routing_key or routing_key_env")
        return self


def _secret(value: SecretStr | None, env: str | None, default: str = "") -> str:
    if value is not None:
        return value.get_secret_value()
    if env:
        return os.environ.get(env, default)
    return default


@FINDING_SINKS.register("webhook", WebhookSinkConfig)
class WebhookSink(RoutedFindingSink):
    def __init__(self, config: WebhookSinkConfig, sleep: Any = None):
        super().__init__(config, sleep)
        self.config: WebhookSinkConfig = config
        self.name = config.name or f"webhook-{config.format.value}"
        default_url = PAGERDUTY_URL if config.format is WebhookFormat.PAGERDUTY else ""
        self.url = _secret(config.url, config.url_env, default_url)
        self.routing_key = _secret(config.routing_key, config.routing_key_env)
        self.headers = {"content-type": "application/json", **config.headers}
        self.headers.update({k: os.environ.get(v, "") for k, v in config.headers_env.items()})
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.config.timeout_seconds))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, finding: Finding) -> ItemResult:
        await self.start()
        assert self._session is not None
        body = render(self.config.format, finding, self.routing_key)
        try:
            async with self._session.post(self.url, json=body, headers=self.headers) as resp:
                text = (await resp.text())[:300]
                status = resp.status
                retry_after = resp.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as err:
            return ItemResult(Outcome.RETRY, f"connection: {type(err).__name__}: {err}")
        if 200 <= status < 300:
            return ItemResult(Outcome.OK)
        if status in (408, 429) or status >= 500:
            await self._honour_retry_after(retry_after)
            return ItemResult(Outcome.RETRY, f"{status}: {text}")
        return ItemResult(Outcome.FAILED, f"{status}: {text}")

    async def _honour_retry_after(self, value: str | None) -> None:
        if value and value.isdigit():
            await self._sleep(min(float(value), self.config.retry.max_seconds))
