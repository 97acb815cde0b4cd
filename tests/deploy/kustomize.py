"""A small kustomize renderer for the tests: the subset deploy/k8s uses, no kustomize binary needed.

Supported: ``resources`` (files and directories with a kustomization), ``namespace``, ``labels``
(metadata labels only, as kustomize does without ``includeSelectors``), ``images`` (``newName``/``newTag``)
and ``patches`` given by ``path`` as strategic merge patches. Lists merge by the Kubernetes merge keys of
the fields the manifests use (containers, env, volumes, volumeMounts by ``name``; ports by
``containerPort``), new items first as kustomize orders them; every other list is replaced, as in a
strategic merge. Anything else in a
kustomization raises, so the manifests cannot silently use a feature this renderer ignores. Where a real
``kubectl kustomize`` exists, tests/deploy/test_k8s.py checks that both render the same documents.

>>> strategic_merge({"spec": {"containers": [{"name": "a", "image": "x"}]}},
...                 {"spec": {"containers": [{"name": "a", "image": "y"}, {"name": "b"}]}})
{'spec': {'containers': [{'name': 'b'}, {'name': 'a', 'image': 'y'}]}}
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "name",
    "ports": "containerPort",
}
SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


def strategic_merge(base: Any, patch: Any, field: str | None = None) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = strategic_merge(base.get(key), value, key) if key in base else copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(patch, list) and field in MERGE_KEYS:
        key = MERGE_KEYS[field]
        merged = [copy.deepcopy(item) for item in base]
        index = {item.get(key): i for i, item in enumerate(merged) if isinstance(item, dict)}
        added = []
        for item in patch:
            i = index.get(item.get(key)) if isinstance(item, dict) else None
            if i is None:
                added.append(copy.deepcopy(item))
            else:
                merged[i] = strategic_merge(merged[i], item, None)
        return added + merged  # kustomize puts items new to the list first
    return copy.deepcopy(patch)


def _identity(doc: dict[str, Any]) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


def _load_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _set_images(doc: dict[str, Any], images: list[dict[str, Any]]) -> None:
    pod = doc.get("spec", {}).get("template", {}).get("spec", {})
    for container in pod.get("containers", []) + pod.get("initContainers", []):
        name, _, tag = container["image"].partition(":")
        for image in images:
            if image["name"] == name:
                container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag or 'latest')}"


def render(directory: Path) -> list[dict[str, Any]]:
    """The documents ``kubectl kustomize DIRECTORY`` would print (for the supported subset)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise ValueError(f"{directory}: kustomization keys this renderer does not support: {sorted(unknown)}")
    docs: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        docs.extend(render(target) if target.is_dir() else _load_docs(target))
    by_id = {_identity(d): i for i, d in enumerate(docs)}
    for patch_ref in kustomization.get("patches", []):
        if set(patch_ref) != {"path"}:
            raise ValueError(f"{directory}: only strategic merge patches by path are supported, got {patch_ref}")
        for patch in _load_docs(directory / patch_ref["path"]):
            i = by_id.get(_identity(patch))
            if i is None:
                raise ValueError(f"{directory}: patch target {_identity(patch)} not found")
            docs[i] = strategic_merge(docs[i], patch)
    for doc in docs:
        for group in kustomization.get("labels", []):
            doc["metadata"].setdefault("labels", {}).update(group["pairs"])
        if "namespace" in kustomization and doc["kind"] not in CLUSTER_SCOPED:
            doc["metadata"]["namespace"] = kustomization["namespace"]
        _set_images(doc, kustomization.get("images", []))
    return docs
