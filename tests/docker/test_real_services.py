"""The Kafka and AWS integration suites again, against real services in containers (testcontainers).

The session fixtures in tests/conftest.py use an external server when
``LOGWARDEN_TEST_KAFKA_BOOTSTRAP`` or ``LOGWARDEN_TEST_AWS_ENDPOINT`` is set,
so each test here starts the real service (Apache Kafka in KRaft mode through
Confluent's image, LocalStack for Kinesis/DynamoDB/EC2/SNS) and runs the very
same test modules against it in a child pytest. Skipped where no Docker
engine answers (``docker info``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]


def _pytest(paths: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "integration", *paths],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=1800,
    )


def test_kafka_suite_against_apache_kafka(docker_engine: None) -> None:
    from testcontainers.community.kafka import KafkaContainer

    with KafkaContainer().with_kraft() as kafka:
        run = _pytest(["tests/kafka"], {"LOGWARDEN_TEST_KAFKA_BOOTSTRAP": kafka.get_bootstrap_server()})
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]


def test_aws_suites_against_localstack(docker_engine: None) -> None:
    from testcontainers.community.localstack import LocalStackContainer

    with LocalStackContainer(image="localstack/localstack:3.8").with_services("kinesis", "dynamodb", "ec2", "sns", "sqs") as stack:
        run = _pytest(
            ["tests/kinesis", "tests/enrich/test_eni_moto.py", "tests/deploy/test_feed_kinesis.py"],
            {"LOGWARDEN_TEST_AWS_ENDPOINT": stack.get_url()},
        )
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
