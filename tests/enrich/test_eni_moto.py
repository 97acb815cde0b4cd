"""ENI look-ups against moto's EC2 API: real interfaces and tags created through the API."""

from __future__ import annotations

import asyncio

import pytest
from aiobotocore.session import get_session

from processors.enrich.eni import EniConfig, EniEnricher
from streams.core.registry import ENRICHERS
from tests.enrich.helpers import events

pytestmark = pytest.mark.integration


def _doc(eni_id: str) -> dict:
    return {"aws": {"vpcflow": {"interface_id": eni_id}}}


async def _until(predicate, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
def creds(monkeypatch, aws_env):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", aws_env["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", aws_env["aws_secret_access_key"])
    return aws_env


async def test_enis_from_the_ec2_api(creds):
    async with get_session().create_client("ec2", **creds) as ec2:
        vpc = (await ec2.create_vpc(CidrBlock="10.20.0.0/16"))["Vpc"]["VpcId"]
        subnet = (await ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24"))["Subnet"]["SubnetId"]
        sg = (await ec2.create_security_group(GroupName="alb-sg", Description="alb", VpcId=vpc))["GroupId"]
        alb = (await ec2.create_network_interface(
            SubnetId=subnet, Groups=[sg], Description="ELB app/shop-alb/50dc6c495c0c9188",
            TagSpecifications=[{"ResourceType": "network-interface",
                                "Tags": [{"Key": "Name", "Value": "shop-alb"}, {"Key": "team.name", "Value": "web"}]}],
        ))["NetworkInterface"]["NetworkInterfaceId"]
        reservation = await ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnet)
        instance = reservation["Instances"][0]
        instance_eni = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]

        cfg = ENRICHERS.get("eni").config(type="eni", region=creds["region_name"], endpoint_url=creds["endpoint_url"],
                                          calls_per_second=50, poll_seconds=0.02, negative_ttl_seconds=60)
        enricher: EniEnricher = ENRICHERS.build(cfg)
        await enricher.start()
        try:
            assert enricher.warm.is_set()
            # known at start: enriched on first sight, without waiting
            got_alb, got_inst = enricher.enrich(events(_doc(alb), _doc(instance_eni)))
            eni = got_alb.doc["aws"]["eni"]
            assert eni["service"] == "elb" and eni["vpc_id"] == vpc and eni["subnet_id"] == subnet
            assert eni["security_group_ids"] == [sg] and eni["security_group_names"] == ["alb-sg"]
            assert got_alb.doc["labels"] == {"Name": "shop-alb", "team_name": "web"}
            assert got_inst.doc["cloud"]["instance"]["id"] == instance["InstanceId"]
            assert got_inst.doc["aws"]["eni"]["service"] == "ec2_instance"

            # created after the warm-up: first event passes unenriched, the id is fetched in the background
            late = (await ec2.create_network_interface(
                SubnetId=subnet, Description="Interface for NAT Gateway nat-0abc",
                TagSpecifications=[{"ResourceType": "network-interface", "Tags": [{"Key": "env", "Value": "prod"}]}],
            ))["NetworkInterface"]["NetworkInterfaceId"]
            missing = "eni-00000000000000000"
            first = enricher.enrich(events(_doc(late), _doc(missing)))
            assert all("eni" not in e.doc["aws"] for e in first)
            await _until(lambda: not enricher.pending)
            again = enricher.enrich(events(_doc(late), _doc(missing)))
            assert again[0].doc["aws"]["eni"]["service"] == "nat_gateway"
            assert again[0].doc["labels"] == {"env": "prod"}
            assert "eni" not in again[1].doc["aws"] and missing not in enricher.pending  # negative cache
        finally:
            await enricher.close()


async def test_unreachable_api_keeps_serving_and_backs_off(creds, caplog):
    cfg = EniConfig(type="eni", region="us-east-1", endpoint_url="http://127.0.0.1:9", warm_up_wait_seconds=0.5,
                    poll_seconds=0.02, max_backoff_seconds=1, api_max_attempts=1, api_timeout_seconds=1)
    enricher = EniEnricher(cfg)
    await enricher.start()
    try:
        out = enricher.enrich(events(_doc("eni-0123")))
        assert "eni" not in out[0].doc["aws"]
        await _until(lambda: "DescribeNetworkInterfaces failed" in caplog.text, timeout=15)
        assert "eni-0123" in enricher.pending  # kept for the next attempt
    finally:
        await enricher.close()
