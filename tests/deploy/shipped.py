"""The configs the deployment files ship, as (name, config file, environment) the way each runtime sees them.

Container paths are mapped back to the repository files the image copies or the orchestrator mounts:
``/etc/logwarden/`` is ``deploy/config/`` (copied into the image), ``/etc/logwarden/compose/`` is
``deploy/compose/`` (mounted by docker-compose.yml), and the Kubernetes detector ConfigMap is written to a
temporary directory. The detectors file path is the only value rewritten; every other override is the
orchestrator's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.deploy.kustomize import render

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
IMAGE_CONFIG = DEPLOY / "config" / "config.yaml"
DETECTORS_ENV = "LOGWARDEN_SINKS__1__DETECTORS_FILE"
OVERLAYS = sorted(p for p in (DEPLOY / "k8s" / "overlays").iterdir() if p.is_dir())


@dataclass(frozen=True)
class ShippedConfig:
    name: str
    path: Path
    env: dict[str, str]


def compose_configs() -> list[ShippedConfig]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    out = []
    for service in ("worker-1", "worker-2", "detector-merge"):
        env = {k: str(v) for k, v in compose["services"][service]["environment"].items()}
        path = Path(env.pop("LOGWARDEN_CONFIG").replace("/etc/logwarden/compose", str(DEPLOY / "compose")))
        env[DETECTORS_ENV] = str(DEPLOY / "compose" / "detectors.yaml")
        out.append(ShippedConfig(f"compose-{service}", path, env))
    return out


def ecs_configs() -> list[ShippedConfig]:
    task = json.loads((DEPLOY / "ecs" / "task-definition.json").read_text())
    env = {e["name"]: e["value"] for e in task["containerDefinitions"][0]["environment"]}
    assert env.pop("LOGWARDEN_CONFIG") == "/etc/logwarden/config.yaml"
    env[DETECTORS_ENV] = str(DEPLOY / "config" / "detectors.yaml")
    return [ShippedConfig("ecs-task-definition", IMAGE_CONFIG, env)]


def k8s_configs(workdir: Path) -> list[ShippedConfig]:
    out = []
    for overlay in OVERLAYS:
        docs = render(overlay)
        config_maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
        detectors = workdir / overlay.name / "detectors.yaml"
        detectors.parent.mkdir(parents=True, exist_ok=True)
        detectors.write_text(config_maps["logwarden-detectors"]["detectors.yaml"])
        for deployment in (d for d in docs if d["kind"] == "Deployment"):
            container = deployment["spec"]["template"]["spec"]["containers"][0]
            env = dict(config_maps["logwarden-endpoints"])
            env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
            env.update({e["name"]: "pod-name" for e in container.get("env", []) if "valueFrom" in e})
            assert env.pop("LOGWARDEN_CONFIG", "/etc/logwarden/config.yaml") == "/etc/logwarden/config.yaml"
            assert env[DETECTORS_ENV] == "/etc/logwarden/detectors/detectors.yaml"
            env[DETECTORS_ENV] = str(detectors)
            out.append(ShippedConfig(f"k8s-{overlay.name}-{deployment['metadata']['name']}", IMAGE_CONFIG, env))
    return out


def all_configs(workdir: Path) -> list[ShippedConfig]:
    return compose_configs() + ecs_configs() + k8s_configs(workdir)
