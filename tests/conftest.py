"""Shared fixtures: session-scoped real servers (see tests/servers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import servers


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """moto's server: Kinesis, DynamoDB, EC2, SNS, SQS, S3 on one endpoint."""
    with servers.moto_server() as url:
        yield url


@pytest.fixture(scope="session")
def aws_env(aws_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Client settings for aiobotocore against the test endpoint."""
    return {
        "endpoint_url": aws_endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A Kafka-protocol broker (Tansu) on loopback."""
    with servers.kafka_broker() as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def opensearch_url() -> Iterator[str]:
    """An OpenSearch-REST-API server (noida-db) on loopback."""
    with servers.opensearch_server() as url:
        yield url


@pytest.fixture(scope="session")
def docker_engine() -> None:
    if not servers.docker_available():
        pytest.skip("no Docker engine: `docker info` failed (docker-marked tests need one)")
