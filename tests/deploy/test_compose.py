"""docker-compose.yml: `docker-compose config` accepts it, and the demo is wired as documented."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.deploy.shipped import DEPLOY, ROOT

COMPOSE = ROOT / "docker-compose.yml"


def _compose_cli() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("`docker-compose` is not installed (Debian package docker-compose; .ci/run installs it)")


def test_docker_compose_config_validates() -> None:
    cmd = _compose_cli() + ["-f", str(COMPOSE), "config"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    resolved = yaml.safe_load(out.stdout)
    services = resolved["services"]
    for name in ("worker-1", "worker-2", "detector-merge", "feeder"):
        assert services[name]["build"]["dockerfile"].endswith("deploy/docker/Dockerfile"), name
    assert services["worker-1"]["environment"]["LOGWARDEN_SOURCES__0__WORKER_ID"] == "worker-1"


def test_docker_compose_rejects_a_broken_file(tmp_path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("    healthcheck:\n", "    healthcheck: 5\n", 1))
    out = subprocess.run(_compose_cli() + ["-f", str(broken), "config", "-q"], capture_output=True, text=True, timeout=120)
    assert out.returncode != 0


def test_demo_has_every_service_and_mount() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {"localstack", "kafka", "opensearch", "dashboards", "dashboards-import", "feeder", "worker-1", "worker-2",
            "detector-merge"} <= set(services)
    assert set(services["localstack"]["environment"]["SERVICES"].split(",")) >= {"kinesis", "dynamodb", "ec2", "sns"}
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    for volume in [v for s in services.values() for v in s.get("volumes", []) if v.startswith("./")]:
        assert (ROOT / volume.split(":")[0]).exists(), volume
    feeder = services["feeder"]["command"]
    assert feeder[feeder.index("--stream") + 1] == yaml.safe_load((DEPLOY / "compose" / "logwarden.yaml").read_text())[
        "sources"][0]["stream"]
    assert "/var/lib/logwarden" not in str(services["worker-1"].get("volumes"))  # state lives in DynamoDB and Kafka
