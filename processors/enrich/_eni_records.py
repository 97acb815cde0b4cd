"""ENI descriptions: from EC2 ``DescribeNetworkInterfaces`` items to document fields.

The static mapping file uses the same shape as the API's output, so
``aws ec2 describe-network-interfaces > enis.json`` is a valid file.

>>> info = eni_info({"NetworkInterfaceId": "eni-1", "InterfaceType": "interface", "VpcId": "vpc-1",
...                  "Description": "Interface for NAT Gateway nat-0123", "TagSet": [{"Key": "team.name", "Value": "net"}]})
>>> info.eni["service"], info.labels
('nat_gateway', {'team_name': 'net'})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: InterfaceType values that name the owning service
_BY_TYPE = {
    "nat_gateway": "nat_gateway",
    "network_load_balancer": "elb",
    "load_balancer": "elb",
    "gateway_load_balancer": "gateway_load_balancer",
    "gateway_load_balancer_endpoint": "vpc_endpoint",
    "vpc_endpoint": "vpc_endpoint",
    "transit_gateway": "transit_gateway",
    "lambda": "lambda",
    "efs": "efs",
    "api_gateway_managed": "api_gateway",
    "global_accelerator_managed": "global_accelerator",
    "branch": "eks_pod",
    "trunk": "ecs_trunk",
}
#: description prefixes that AWS services write on the interfaces they create
_BY_DESCRIPTION = (
    ("ELB ", "elb"),
    ("Interface for NAT Gateway", "nat_gateway"),
    ("AWS Lambda VPC ENI", "lambda"),
    ("arn:aws:ecs:", "ecs_task"),
    ("VPC Endpoint Interface", "vpc_endpoint"),
    ("RDSNetworkInterface", "rds"),
    ("EFS mount target", "efs"),
    ("Amazon EKS", "eks"),
    ("ElastiCache", "elasticache"),
    ("AWS created network interface for directory", "directory_service"),
    ("Network interface for Transit Gateway", "transit_gateway"),
)
_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9_\-]")


def service_of(item: dict[str, Any]) -> str:
    """Which kind of resource owns the interface.

    >>> service_of({"Description": "ELB app/my-alb/50dc6c495c0c9188"}), service_of({"Attachment": {"InstanceId": "i-1"}})
    ('elb', 'ec2_instance')
    """
    by_type = _BY_TYPE.get(str(item.get("InterfaceType") or ""))
    if by_type:
        return by_type
    description = str(item.get("Description") or "")
    for prefix, service in _BY_DESCRIPTION:
        if description.startswith(prefix):
            return service
    attachment = item.get("Attachment")
    if isinstance(attachment, dict) and attachment.get("InstanceId"):
        return "ec2_instance"
    return "other"


def label_key(tag_key: str) -> str:
    """ECS ``labels`` keys hold no dots: ``aws:cloudformation:stack-name`` -> ``aws_cloudformation_stack-name``."""
    return _LABEL_UNSAFE.sub("_", tag_key)


@dataclass(slots=True, frozen=True)
class EniInfo:
    """What is known about one interface, ready to copy into documents."""

    id: str
    eni: dict[str, Any]
    labels: dict[str, str] = field(default_factory=dict)
    instance_id: str | None = None
    availability_zone: str | None = None


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        target[key] = value


def eni_info(item: dict[str, Any], max_tags: int = 50) -> EniInfo:
    """Build the document fields of one ``DescribeNetworkInterfaces`` item."""
    eni_id = str(item.get("NetworkInterfaceId") or "")
    attachment = item.get("Attachment") if isinstance(item.get("Attachment"), dict) else {}
    association = item.get("Association") if isinstance(item.get("Association"), dict) else {}
    groups = [g for g in item.get("Groups") or [] if isinstance(g, dict)]
    eni: dict[str, Any] = {"id": eni_id, "service": service_of(item)}
    _put(eni, "type", item.get("InterfaceType"))
    _put(eni, "description", item.get("Description"))
    _put(eni, "owner_id", item.get("OwnerId"))
    _put(eni, "requester_id", item.get("RequesterId"))
    if isinstance(item.get("RequesterManaged"), bool):
        eni["requester_managed"] = item["RequesterManaged"]
    _put(eni, "status", item.get("Status"))
    _put(eni, "subnet_id", item.get("SubnetId"))
    _put(eni, "vpc_id", item.get("VpcId"))
    _put(eni, "availability_zone", item.get("AvailabilityZone"))
    _put(eni, "private_ip", item.get("PrivateIpAddress"))
    _put(eni, "public_ip", association.get("PublicIp"))
    _put(eni, "security_group_ids", [g["GroupId"] for g in groups if g.get("GroupId")])
    _put(eni, "security_group_names", [g["GroupName"] for g in groups if g.get("GroupName")])
    _put(eni, "instance_id", attachment.get("InstanceId"))
    _put(eni, "instance_owner_id", attachment.get("InstanceOwnerId"))
    labels: dict[str, str] = {}
    for tag in (item.get("TagSet") or [])[:max_tags]:
        if isinstance(tag, dict) and tag.get("Key"):
            labels[label_key(str(tag["Key"]))] = str(tag.get("Value", ""))
    return EniInfo(
        id=eni_id,
        eni=eni,
        labels=labels,
        instance_id=attachment.get("InstanceId") or None,
        availability_zone=item.get("AvailabilityZone") or None,
    )


def items_from_file_data(data: Any) -> list[dict[str, Any]]:
    """Interface items from a loaded static file: the API output object or a bare list.

    >>> items_from_file_data({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1"}]})
    [{'NetworkInterfaceId': 'eni-1'}]
    """
    if isinstance(data, dict):
        data = data.get("NetworkInterfaces")
    if not isinstance(data, list):
        raise ValueError("expected a list of interfaces or an object with a NetworkInterfaces list")
    return [item for item in data if isinstance(item, dict) and item.get("NetworkInterfaceId")]
