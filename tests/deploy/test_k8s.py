"""Kubernetes manifests: the base and every overlay render, validate against the Kubernetes schemas, and hang together.

kubernetes-validate knows the built-in kinds only; the ServiceMonitor (a Prometheus Operator CRD) is
checked structurally here instead: apiVersion, kind, metadata and the spec keys the operator reads.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.kustomize import render
from tests.deploy.shipped import DEPLOY, OVERLAYS

K8S_VERSION = "1.30"
CRDS = {("monitoring.coreos.com/v1", "ServiceMonitor")}
TREES = [DEPLOY / "k8s" / "base", *OVERLAYS]


def _by_kind(docs: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in docs:
        out.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    return out


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_overlays_exist() -> None:
    assert {p.name for p in OVERLAYS} >= {"dev", "prod"}


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
def test_rendered_manifests_validate_strictly(tree: Path) -> None:
    docs = render(tree)
    kinds = {d["kind"] for d in docs}
    assert kinds >= {"Deployment", "ConfigMap", "ServiceAccount", "PodDisruptionBudget", "HorizontalPodAutoscaler",
                     "Service", "ServiceMonitor"}
    for doc in docs:
        if (doc["apiVersion"], doc["kind"]) in CRDS:
            assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}
            assert doc["metadata"]["name"] and set(doc["spec"]) == {"selector", "endpoints"}
            assert all(set(e) <= {"port", "path", "interval", "scrapeTimeout"} for e in doc["spec"]["endpoints"])
            continue
        # strict: unknown fields are errors, not ignored
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_a_bad_manifest_is_rejected() -> None:
    """The validator is not a no-op: a typo in a Deployment fails."""
    doc = yaml.safe_load((DEPLOY / "k8s" / "base" / "worker.yaml").read_text())
    doc["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
def test_manifests_refer_to_each_other(tree: Path) -> None:
    k = _by_kind(render(tree))
    worker = k["Deployment"]["logwarden-worker"]
    pod = worker["spec"]["template"]
    pod_labels = pod["metadata"]["labels"]
    assert _matches(worker["spec"]["selector"]["matchLabels"], pod_labels)
    assert _matches(k["PodDisruptionBudget"]["logwarden-worker"]["spec"]["selector"]["matchLabels"], pod_labels)
    hpa = k["HorizontalPodAutoscaler"]["logwarden-worker"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "logwarden-worker"}
    assert 1 <= hpa["minReplicas"] <= hpa["maxReplicas"]
    service = k["Service"]["logwarden-metrics"]
    assert _matches(service["spec"]["selector"], pod_labels)
    monitor = k["ServiceMonitor"]["logwarden"]["spec"]
    assert _matches(monitor["selector"]["matchLabels"], service["metadata"]["labels"])
    assert {e["port"] for e in monitor["endpoints"]} <= {p["name"] for p in service["spec"]["ports"]}
    assert k["ServiceAccount"]["logwarden"]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::")
    for deployment in k["Deployment"].values():
        spec = deployment["spec"]["template"]["spec"]
        assert spec["serviceAccountName"] == "logwarden"
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["terminationGracePeriodSeconds"] > 30  # the drain timeout of deploy/config/config.yaml
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert volumes["detectors"]["configMap"]["name"] in k["ConfigMap"]
        for container in spec["containers"]:
            assert {m["name"] for m in container["volumeMounts"]} <= set(volumes)
    probes = pod["spec"]["containers"][0]
    assert probes["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert probes["readinessProbe"]["httpGet"]["path"] == "/readyz"
    if tree.name != "base":
        assert "logwarden-endpoints" in k["ConfigMap"]
        assert all(d["metadata"]["namespace"] for kind in k.values() for d in kind.values())


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
def test_renderer_agrees_with_kubectl_kustomize(tree: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the overlays are checked with the test's own renderer only")
    out = subprocess.run([kubectl, "kustomize", str(tree)], capture_output=True, text=True, timeout=60, check=True)
    theirs = sorted((d for d in yaml.safe_load_all(out.stdout) if d), key=lambda d: (d["kind"], d["metadata"]["name"]))
    ours = sorted(render(tree), key=lambda d: (d["kind"], d["metadata"]["name"]))
    assert ours == theirs
