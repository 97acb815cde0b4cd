from __future__ import annotations

import json
import logging

import pytest

from processors.enrich._eni_records import label_key, service_of
from processors.enrich.eni import EniConfig, EniEnricher
from streams.core.registry import ENRICHERS
from tests.enrich.helpers import events

ALB_ENI = {
    "NetworkInterfaceId": "eni-0a1",
    "InterfaceType": "interface",
    "Description": "ELB app/shop-alb/50dc6c495c0c9188",
    "OwnerId": "123456789012",
    "RequesterId": "amazon-elb",
    "RequesterManaged": True,
    "SubnetId": "subnet-1",
    "VpcId": "vpc-1",
    "AvailabilityZone": "eu-west-1a",
    "PrivateIpAddress": "10.0.1.5",
    "Groups": [{"GroupId": "sg-1", "GroupName": "alb"}],
    "TagSet": [{"Key": "aws:cloudformation:stack-name", "Value": "shop"}, {"Key": "team.name", "Value": "web"}],
}
INSTANCE_ENI = {
    "NetworkInterfaceId": "eni-0b2",
    "InterfaceType": "interface",
    "VpcId": "vpc-1",
    "AvailabilityZone": "eu-west-1b",
    "Attachment": {"InstanceId": "i-0123", "InstanceOwnerId": "123456789012"},
    "Association": {"PublicIp": "203.0.113.9"},
}


def flow_doc(eni: object) -> dict:
    return {"aws": {"vpcflow": {"interface_id": eni}}, "source": {"ip": "10.0.1.5"}}


@pytest.fixture
def static_file(tmp_path):
    path = tmp_path / "enis.json"
    path.write_text(json.dumps({"NetworkInterfaces": [ALB_ENI, INSTANCE_ENI]}))
    return str(path)


def test_static_file_fields(static_file):
    enricher = ENRICHERS.build(EniConfig(type="eni", api=False, static_file=static_file))
    alb, inst, unknown = enricher.enrich(events(flow_doc("eni-0a1"), flow_doc("eni-0b2"), flow_doc("eni-zzz")))
    assert alb.doc["aws"]["eni"] == {
        "id": "eni-0a1", "service": "elb", "type": "interface", "description": "ELB app/shop-alb/50dc6c495c0c9188",
        "owner_id": "123456789012", "requester_id": "amazon-elb", "requester_managed": True, "subnet_id": "subnet-1",
        "vpc_id": "vpc-1", "availability_zone": "eu-west-1a", "private_ip": "10.0.1.5",
        "security_group_ids": ["sg-1"], "security_group_names": ["alb"],
    }
    assert alb.doc["labels"] == {"aws_cloudformation_stack-name": "shop", "team_name": "web"}
    assert alb.doc["cloud"] == {"availability_zone": "eu-west-1a"}
    assert inst.doc["cloud"] == {"instance": {"id": "i-0123"}, "availability_zone": "eu-west-1b"}
    assert inst.doc["aws"]["eni"]["service"] == "ec2_instance" and inst.doc["aws"]["eni"]["public_ip"] == "203.0.113.9"
    assert "eni" not in unknown.doc["aws"] and not enricher.pending


def test_yaml_static_file_and_other_id_fields(tmp_path):
    path = tmp_path / "enis.yaml"
    path.write_text("- NetworkInterfaceId: eni-9\n  Description: AWS Lambda VPC ENI-my-fn-1234\n")
    enricher = ENRICHERS.build(EniConfig(type="eni", api=False, static_file=str(path),
                                         id_fields=["aws.vpcflow.interface_id", "observer.ingress.interface.id"]))
    [event] = enricher.enrich(events({"observer": {"ingress": {"interface": {"id": "eni-9"}}}}))
    assert event.doc["aws"]["eni"]["service"] == "lambda"


def test_existing_values_are_kept(static_file):
    enricher = ENRICHERS.build(EniConfig(type="eni", api=False, static_file=static_file))
    doc = flow_doc("eni-0b2")
    doc["cloud"] = {"instance": {"id": "i-from-parser"}}
    doc["labels"] = {"team_name": "mine"}
    [event] = enricher.enrich(events(doc))
    assert event.doc["cloud"]["instance"]["id"] == "i-from-parser"
    assert event.doc["labels"] == {"team_name": "mine"}


@pytest.mark.parametrize("bad", [None, 17, ["eni-0a1"], {"x": 1}, "", "i-123", "eni-"])
def test_odd_ids_never_raise(static_file, bad):
    enricher = ENRICHERS.build(EniConfig(type="eni", api=False, static_file=static_file))
    docs = [flow_doc(bad), {"aws": "text"}, {"aws": {"vpcflow": None}}, {}]
    out = enricher.enrich(events(*docs))
    assert len(out) == 4 and all("eni" not in (e.doc.get("aws") or {}) or e.doc is docs[0] for e in out)


def test_unreadable_static_file_warns(tmp_path, caplog):
    path = tmp_path / "broken.json"
    path.write_text('{"NetworkInterfaces": "nope"}')
    with caplog.at_level(logging.WARNING):
        enricher = ENRICHERS.build(EniConfig(type="eni", api=False, static_file=str(path)))
    assert enricher.static == {} and "cannot be used" in caplog.text


def test_misses_are_queued_bounded_and_never_block():
    now = [0.0]
    cfg = EniConfig(type="eni", max_pending=3, ttl_seconds=10, negative_ttl_seconds=5)
    enricher = EniEnricher(cfg, clock=lambda: now[0])
    enricher.enrich(events(*[flow_doc(f"eni-{i}") for i in range(5)], flow_doc("eni-0")))
    assert list(enricher.pending) == ["eni-0", "eni-1", "eni-2"]
    # the background task's work, done by hand: one found, the others unknown
    asked = list(enricher.pending)
    enricher.store([{**INSTANCE_ENI, "NetworkInterfaceId": "eni-0"}], asked)
    enricher.pending.clear()
    out = enricher.enrich(events(flow_doc("eni-0"), flow_doc("eni-1")))
    assert out[0].doc["cloud"]["instance"]["id"] == "i-0123" and "eni" not in out[1].doc["aws"]
    assert list(enricher.pending) == []  # eni-1 is negative-cached, not asked again
    now[0] = 11  # eni-0 is stale: still served, refresh queued; eni-1's negative entry expired
    out = enricher.enrich(events(flow_doc("eni-0"), flow_doc("eni-1")))
    assert out[0].doc["aws"]["eni"]["id"] == "eni-0"
    assert list(enricher.pending) == ["eni-0", "eni-1"]


def test_cache_is_bounded():
    enricher = EniEnricher(EniConfig(type="eni", max_entries=2))
    enricher.store([{"NetworkInterfaceId": f"eni-{i}"} for i in range(5)])
    assert len(enricher.cache) == 2


def test_config_needs_a_source():
    with pytest.raises(ValueError, match="enable api or set static_file"):
        EniConfig(type="eni", api=False)


@pytest.mark.parametrize(("item", "service"), [
    ({"InterfaceType": "nat_gateway"}, "nat_gateway"),
    ({"InterfaceType": "network_load_balancer"}, "elb"),
    ({"InterfaceType": "interface", "Description": "arn:aws:ecs:eu-west-1:1:attachment/abc"}, "ecs_task"),
    ({"Description": "VPC Endpoint Interface vpce-1"}, "vpc_endpoint"),
    ({"Description": "RDSNetworkInterface"}, "rds"),
    ({"Description": "something"}, "other"),
])
def test_services_are_recognised(item, service):
    assert service_of(item) == service


def test_label_keys():
    assert label_key("kubernetes.io/cluster/prod") == "kubernetes_io_cluster_prod"
