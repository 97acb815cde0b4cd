"""Connection settings shared by every Kafka component (source, sinks, distributed detectors).

Secrets never live in the config file: ``sasl_password_env`` names the
environment variable that holds the password.

>>> c = KafkaConnection(bootstrap_servers="b1:9092,b2:9092")
>>> c.servers()
['b1:9092', 'b2:9092']
>>> client_kwargs(c, environ={})["security_protocol"]
'PLAINTEXT'
"""

from __future__ import annotations

import os
import ssl
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class KafkaConnection(BaseModel):
    """How to reach the brokers. Mixed into every Kafka component config."""

    model_config = ConfigDict(extra="forbid")

    bootstrap_servers: str | list[str] = Field(
        "localhost:9092", description="host:port list, as a list or one comma-separated string"
    )
    client_id: str = "logwarden"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password_env: str | None = Field(None, description="environment variable holding the SASL password")
    ssl_cafile: str | None = Field(None, description="CA bundle for SSL; system CAs when unset")
    request_timeout_ms: int = Field(40_000, ge=1000)

    @field_validator("bootstrap_servers")
    @classmethod
    def _non_empty(cls, value: str | list[str]) -> str | list[str]:
        servers = [s.strip() for s in (value.split(",") if isinstance(value, str) else value) if s.strip()]
        if not servers:
            raise ValueError("at least one host:port is required")
        return value

    def servers(self) -> list[str]:
        raw = self.bootstrap_servers
        return [s.strip() for s in (raw.split(",") if isinstance(raw, str) else raw) if s.strip()]


def client_kwargs(conn: KafkaConnection, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for ``AIOKafkaConsumer`` / ``AIOKafkaProducer`` / admin clients."""
    environ = os.environ if environ is None else environ
    kwargs: dict[str, Any] = {
        "bootstrap_servers": conn.servers(),
        "client_id": conn.client_id,
        "security_protocol": conn.security_protocol,
        "request_timeout_ms": conn.request_timeout_ms,
    }
    if conn.security_protocol in ("SSL", "SASL_SSL"):
        kwargs["ssl_context"] = ssl.create_default_context(cafile=conn.ssl_cafile)
    if conn.security_protocol.startswith("SASL"):
        password = environ.get(conn.sasl_password_env or "", "")
        kwargs.update(
            sasl_mechanism=conn.sasl_mechanism or "PLAIN",
            sasl_plain_username=conn.sasl_username,
            sasl_plain_password=password,
        )
    return kwargs
