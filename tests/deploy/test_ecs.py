"""ECS: cfn-lint passes on the CloudFormation template, and the template, the standalone task definition and
the standalone IAM policy say the same thing."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from tests.deploy.shipped import DEPLOY

cfnlint_api = pytest.importorskip("cfnlint.api", reason="cfn-lint is in the test extras")

TEMPLATE = DEPLOY / "ecs" / "cloudformation.yaml"


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !Sub, ...) as {"Fn": value} mappings."""


def _tag(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


CfnLoader.add_multi_constructor("!", _tag)


def _template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=CfnLoader)  # noqa: S506 - a SafeLoader subclass


def _errors_and_warnings(text: str) -> list[str]:
    """What the `cfn-lint` command reports by default (E and W rules; I rules are suggestions it hides)."""
    return [str(m) for m in cfnlint_api.lint_all(text) if m.rule.id[0] in "EW"]


def test_cfn_lint_passes() -> None:
    assert _errors_and_warnings(TEMPLATE.read_text()) == []


def test_cfn_lint_catches_a_broken_template() -> None:
    broken = TEMPLATE.read_text().replace("ScalableDimension: ecs:service:DesiredCount", "ScalableDimension: ecs:desired")
    assert _errors_and_warnings(broken)


def test_worker_role_equals_the_published_policy() -> None:
    policy = json.loads((DEPLOY / "ecs" / "iam-policy.json").read_text())
    role = _template()["Resources"]["TaskRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    published = {s["Sid"]: sorted(s["Action"]) for s in policy["Statement"]}
    in_template = {s["Sid"]: sorted(s["Action"]) for s in role["Statement"]}
    assert published == in_template
    wildcard = [s["Sid"] for s in policy["Statement"] if s["Resource"] == "*"]
    assert wildcard == ["EniEnrichment"]  # DescribeNetworkInterfaces has no resource-level permissions
    assert not any(a.endswith("*") for s in policy["Statement"] for a in s["Action"])


def test_merge_role_is_narrower_than_the_worker_role() -> None:
    resources = _template()["Resources"]
    merge = resources["MergeTaskRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert {s["Sid"] for s in merge} == {"OpenSearchHttp", "PublishFindings"}


def test_autoscaling_follows_the_iterator_age() -> None:
    spec = _template()["Resources"]["IteratorAgeScaling"]["Properties"]["TargetTrackingScalingPolicyConfiguration"]
    metric = spec["CustomizedMetricSpecification"]
    assert (metric["Namespace"], metric["MetricName"], metric["Statistic"]) == (
        "AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "Maximum")
    assert metric["Dimensions"] == [{"Name": "StreamName", "Value": {"Ref": "StreamName"}}]


def test_task_definition_matches_the_template() -> None:
    task = json.loads((DEPLOY / "ecs" / "task-definition.json").read_text())
    ours = task["containerDefinitions"][0]
    cfn = _template()["Resources"]["WorkerTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    cfn_env = {e["Name"] for e in cfn["Environment"] if isinstance(e, dict) and "Name" in e}
    assert {e["name"] for e in ours["environment"]} == cfn_env
    assert ours["healthCheck"]["command"] == cfn["HealthCheck"]["Command"]
    assert ours["stopTimeout"] == cfn["StopTimeout"] > 30  # above the drain timeout
    assert ours["linuxParameters"]["initProcessEnabled"] is cfn["LinuxParameters"]["InitProcessEnabled"] is True
    assert ours["readonlyRootFilesystem"] is cfn["ReadonlyRootFilesystem"] is True
    assert [p["containerPort"] for p in ours["portMappings"]] == [p["ContainerPort"] for p in cfn["PortMappings"]] == [9108]
