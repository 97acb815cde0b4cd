"""Connection settings shared by the OpenSearch document and findings sinks.

Authentication: ``none``, ``basic`` (username + password; the password may come
from an environment variable named by ``password_env``) or ``sigv4`` for Amazon
OpenSearch Service (``aws_service: es``) and Serverless (``aws_service: aoss``),
signed with botocore's default credential chain. TLS: ``verify_certs``,
``ca_certs`` (a CA bundle path), optional client certificate.

>>> c = OpenSearchConnection(hosts=["https://search.example:443"], auth="basic", username="u", password="p")
>>> c.password.get_secret_value(), str(c.password)
('p', '**********')
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class OpenSearchConnection(BaseModel):
    """The connection part of an OpenSearch sink config (no I/O on validation)."""

    model_config = ConfigDict(extra="forbid")

    hosts: list[str] = Field(default_factory=lambda: ["http://localhost:9200"], min_length=1)
    auth: Literal["none", "basic", "sigv4"] = "none"
    username: str | None = None
    password: SecretStr | None = None
    password_env: str | None = Field(None, description="read the password from this environment variable")
    aws_region: str | None = Field(None, description="region for SigV4; default from the AWS environment")
    aws_service: Literal["es", "aoss"] = "es"
    verify_certs: bool = True
    ca_certs: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    request_timeout_seconds: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _check_auth(self) -> OpenSearchConnection:
        if self.auth == "basic" and not self.username:
            raise ValueError("auth 'basic' needs a username")
        if self.auth == "basic" and self.password is None and not self.password_env:
            raise ValueError("auth 'basic' needs password or password_env")
        return self

    def secret(self) -> str:
        if self.password is not None:
            return self.password.get_secret_value()
        return os.environ.get(self.password_env or "", "")


def _sigv4(conn: OpenSearchConnection) -> Any:
    import botocore.session
    from opensearchpy import AWSV4SignerAsyncAuth

    session = botocore.session.get_session()
    credentials = session.get_credentials()
    if credentials is None:
        raise ValueError("auth 'sigv4': no AWS credentials found in the environment")
    region = conn.aws_region or session.get_config_variable("region") or "us-east-1"
    return AWSV4SignerAsyncAuth(credentials, region, conn.aws_service)


def build_client(conn: OpenSearchConnection) -> Any:
    """An ``AsyncOpenSearch`` client for these settings (retries are ours, not the client's)."""
    from opensearchpy import AsyncHttpConnection, AsyncOpenSearch

    kwargs: dict[str, Any] = {
        "hosts": conn.hosts,
        "verify_certs": conn.verify_certs,
        "ssl_show_warn": conn.verify_certs,
        "timeout": conn.request_timeout_seconds,
        "max_retries": 0,
        "retry_on_timeout": False,
        "connection_class": AsyncHttpConnection,
        "http_compress": False,
    }
    if conn.ca_certs:
        kwargs["ca_certs"] = conn.ca_certs
    if conn.client_cert:
        kwargs["client_cert"] = conn.client_cert
        kwargs["client_key"] = conn.client_key
    if conn.auth == "basic":
        kwargs["http_auth"] = (conn.username, conn.secret())
    elif conn.auth == "sigv4":
        kwargs["http_auth"] = _sigv4(conn)
    return AsyncOpenSearch(**kwargs)
