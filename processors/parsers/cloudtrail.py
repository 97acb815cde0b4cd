"""CloudTrail records (management and data events) to ECS, one document per record.

Entries are the items of a ``{"Records": [...]}`` file (split by the decoder)
or single records (CloudWatch Logs, EventBridge). Request parameters, response
elements, additional event data and service event details are kept as
``flattened`` objects under ``aws.cloudtrail.flattened.*``, as text
(``aws.cloudtrail.request_parameters`` ...), or both (``params_mode``), so
index mappings do not grow a field per parameter.

>>> from streams.core.model import Entry, Position
>>> rec = {"eventVersion": "1.08", "eventTime": "2024-10-08T10:15:32Z", "eventSource": "iam.amazonaws.com",
...        "eventName": "CreateUser", "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.1",
...        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice", "userName": "alice"},
...        "requestParameters": {"userName": "bob"}, "errorCode": "AccessDenied", "errorMessage": "denied",
...        "recipientAccountId": "111122223333"}
>>> p = CloudTrailParser(CloudTrailConfig(type="cloudtrail", params_mode="text"))
>>> doc = p.parse([Entry(rec, Position("f", "s", "0", "1"))]).events[0].doc
>>> doc["event"]["outcome"], doc["event"]["type"], doc["user"]["name"], doc["aws"]["cloudtrail"]["request_parameters"]
('failure', ['user', 'creation'], 'alice', '{userName=bob}')
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from processors.parsers._common import BaseParser, ParseFailure, Reason, add_related, entry_json, put
from processors.parsers._javamap import java_text
from processors.parsers._time import iso_ms
from processors.parsers.base import ParserConfig
from streams.core.model import Entry
from streams.core.registry import PARSERS

PARAMS = {"requestParameters": "request_parameters", "responseElements": "response_elements",
          "additionalEventData": "additional_eventdata", "serviceEventDetails": "service_event_details"}
SCALARS = {"eventVersion": "event_version", "eventType": "event_type", "recipientAccountId": "recipient_account_id",
           "requestID": "request_id", "apiVersion": "api_version", "managementEvent": "management_event",
           "readOnly": "read_only", "sharedEventID": "shared_event_id", "vpcEndpointId": "vpc_endpoint_id",
           "eventCategory": "event_category", "sessionCredentialFromConsole": "session_credential_from_console",
           "errorCode": "error_code", "errorMessage": "error_message", "insightDetails": "insight_details",
           "edgeDeviceDetails": "edge_device_details", "tlsDetails": "tls_details"}
AUTH_EVENTS = frozenset(("ConsoleLogin", "AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity",
                         "GetSessionToken", "GetFederationToken", "CheckMfa", "SwitchRole", "ExitRole", "RenewRole",
                         "GetSigninToken", "PasswordUpdated"))
IDENTITY = {"type": "type", "principalId": "principal_id", "arn": "arn", "accountId": "account_id",
            "accessKeyId": "access_key_id", "userName": "user_name", "invokedBy": "invoked_by",
            "identityProvider": "identity_provider", "credentialId": "credential_id"}


class CloudTrailConfig(ParserConfig):
    type: str = "cloudtrail"
    params_mode: Literal["flattened", "text", "both"] = Field(
        "both", description="keep parameters as flattened objects, as text, or both (Elastic does both)")


def _event_types(source: str, name: str) -> tuple[list[str], list[str]]:
    """ECS event.category and event.type from the API called."""
    if name in AUTH_EVENTS or source in ("signin.amazonaws.com", "sts.amazonaws.com"):
        return ["authentication"], ["info"]
    if name.startswith(("Get", "List", "Describe", "Head", "Lookup", "Search", "Select")):
        verb = ["access"]
    elif name.startswith(("Create", "Run", "Add", "Register", "Allocate", "Import")):
        verb = ["creation"]
    elif name.startswith(("Delete", "Remove", "Terminate", "Deregister", "Release")):
        verb = ["deletion"]
    else:
        verb = ["change"]
    if source == "iam.amazonaws.com":
        kind = "group" if "Group" in name else "user"
        return ["iam"], [kind, *verb] if verb != ["access"] else ["info"]
    return ["configuration"], verb


@PARSERS.register("cloudtrail", CloudTrailConfig)
class CloudTrailParser(BaseParser):
    dataset = "aws.cloudtrail"

    def parse_entry(self, entry: Entry) -> dict[str, Any]:
        rec = entry_json(entry)
        stamp = rec.get("eventTime")
        stamp = iso_ms(stamp) if isinstance(stamp, str) else None
        if stamp is None:
            raise ParseFailure(Reason.BAD_TIMESTAMP, "missing or bad eventTime")
        source, name = str(rec.get("eventSource") or ""), str(rec.get("eventName") or "")
        category, types = _event_types(source, name)
        trail: dict[str, Any] = {}
        doc: dict[str, Any] = {"@timestamp": stamp, "aws": {"cloudtrail": trail},
                               "event": {"kind": "event", "category": category, "type": types}}
        for key, target in SCALARS.items():
            value = rec.get(key)
            if value is not None:
                trail[target] = value if isinstance(value, str | bool | int) else java_text(value)
        put(doc, "event.action", name)
        put(doc, "event.provider", source)
        put(doc, "event.id", rec.get("eventID"))
        put(doc, "cloud.region", rec.get("awsRegion"))
        put(doc, "cloud.service.name", source.split(".", 1)[0] if source else None)
        put(doc, "cloud.account.id", rec.get("recipientAccountId"))
        put(doc, "user_agent.original", rec.get("userAgent"))
        self._params(trail, rec)
        self._outcome(doc, trail, rec)
        self._source(doc, rec.get("sourceIPAddress"))
        identity = rec.get("userIdentity")
        if isinstance(identity, dict):
            self._identity(doc, trail, identity)
        resources = rec.get("resources")
        if isinstance(resources, list) and resources:
            trail["resources"] = [
                {k: r[s] for s, k in (("accountId", "account_id"), ("type", "type"), ("ARN", "arn")) if s in r}
                for r in resources if isinstance(r, dict)
            ]
        return doc

    def _params(self, trail: dict[str, Any], rec: dict[str, Any]) -> None:
        mode = self.config.params_mode
        for key, target in PARAMS.items():
            value = rec.get(key)
            if value is None:
                continue
            if mode in ("text", "both"):
                trail[target] = java_text(value)
            if mode in ("flattened", "both") and isinstance(value, dict) and value:
                trail.setdefault("flattened", {})[target] = value
        extra = rec.get("additionalEventData")
        if rec.get("eventName") == "ConsoleLogin" and isinstance(extra, dict):
            login: dict[str, Any] = {}
            put(login, "login_to", extra.get("LoginTo"))
            for src, dst in (("MFAUsed", "mfa_used"), ("MobileVersion", "mobile_version")):
                if isinstance(extra.get(src), str):
                    login[dst] = extra[src] == "Yes"
            if login:
                trail["console_login"] = {"additional_eventdata": login}

    @staticmethod
    def _outcome(doc: dict[str, Any], trail: dict[str, Any], rec: dict[str, Any]) -> None:
        response = rec.get("responseElements")
        login = response.get("ConsoleLogin") if isinstance(response, dict) else None
        failed = bool(rec.get("errorCode")) or login == "Failure"
        doc["event"]["outcome"] = "failure" if failed else "success"

    @staticmethod
    def _source(doc: dict[str, Any], address: Any) -> None:
        if not isinstance(address, str) or not address:
            return
        doc["source"] = {"address": address}
        if address.replace(".", "").isdigit() or ":" in address:
            doc["source"]["ip"] = address
            add_related(doc, "ip", address)
        else:  # an AWS service calling on someone's behalf ("ec2.amazonaws.com")
            doc["service"] = {"name": address}

    @staticmethod
    def _identity(doc: dict[str, Any], trail: dict[str, Any], identity: dict[str, Any]) -> None:
        out: dict[str, Any] = {}
        for key, target in IDENTITY.items():
            if isinstance(identity.get(key), str):
                out[target] = identity[key]
        issuer_name = None
        session = identity.get("sessionContext")
        if isinstance(session, dict):
            context: dict[str, Any] = {}
            attributes = session.get("attributes")
            if isinstance(attributes, dict):
                put(context, "mfa_authenticated", attributes.get("mfaAuthenticated"))
                put(context, "creation_date", iso_ms(str(attributes.get("creationDate", ""))) or attributes.get("creationDate"))
            issuer = session.get("sessionIssuer")
            if isinstance(issuer, dict):
                for key, target in (("type", "type"), ("principalId", "principal_id"), ("arn", "arn"),
                                    ("accountId", "account_id")):
                    put(context, f"session_issuer.{target}", issuer.get(key))
                issuer_name = issuer.get("userName") if isinstance(issuer.get("userName"), str) else None
            if context:
                out["session_context"] = context
        trail["user_identity"] = {k: v for k, v in out.items() if k not in ("principal_id", "account_id", "user_name")}
        name = out.get("user_name") or issuer_name
        arn = out.get("arn")
        if name is None and arn and "/" in arn:
            name = arn.rsplit("/", 1)[-1]
        put(doc, "user.id", out.get("principal_id"))
        put(doc, "user.name", name)
        add_related(doc, "user", name)
        if out.get("account_id"):
            doc.setdefault("cloud", {}).setdefault("account", {}).setdefault("id", out["account_id"])
        if out.get("type") == "AWSService":
            put(doc, "service.name", out.get("invoked_by"))
