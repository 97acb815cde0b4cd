"""Every config the deployment files ship validates, with the environment overrides its runtime sets."""

from __future__ import annotations

from pathlib import Path

from streams.core.config import load
from tests.deploy.shipped import all_configs


def test_shipped_configs_validate_with_their_environment(tmp_path: Path) -> None:
    checked = {}
    for shipped in all_configs(tmp_path):
        cfg = load(shipped.path, environ=shipped.env)
        checked[shipped.name] = cfg
        assert [s.type for s in cfg.sources] == ["kinesis"], shipped.name
        assert {s.type for s in cfg.sinks} == {"opensearch", "detector_partials"}, shipped.name
        assert "sns" in {s.type for s in cfg.finding_sinks}, shipped.name
        partials = next(s for s in cfg.sinks if s.type == "detector_partials")
        assert {d.type for d in partials.detector_configs()} >= {"vpc_rejects", "port_scan"}, shipped.name
    assert len(checked) == 8  # 3 compose services, the ECS task, 2 overlays x 2 Deployments
    # the overrides land where they are meant to
    prod = checked["k8s-prod-logwarden-worker"]
    assert prod.sources[0].stream == "prod-aws-logs"
    assert prod.sinks[1].security_protocol == "SASL_SSL"
    assert prod.sources[0].worker_id == "pod-name"
    assert checked["ecs-task-definition"].sinks[0].hosts == ["https://vpc-logwarden-abc123.us-east-1.es.amazonaws.com:443"]
