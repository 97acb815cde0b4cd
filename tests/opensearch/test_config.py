"""The sinks are reachable by config ``type`` and validate without I/O."""

from __future__ import annotations

import pytest

from streams.core.config import ConfigError, validate
from streams.sinks.opensearch import OpenSearchSink
from streams.sinks.opensearch_findings import OpenSearchFindingsSink
from streams.sinks.sns import SnsSink
from streams.sinks.webhook import WebhookSink

CONFIG = {
    "sinks": [{"type": "opensearch", "hosts": ["https://search:443"], "auth": "sigv4", "aws_service": "aoss"}],
    "finding_sinks": [
        {"type": "opensearch", "hosts": ["http://localhost:9200"], "min_severity": "high"},
        {"type": "sns", "topic_arn": "arn:aws:sns:us-east-1:123456789012:findings", "detectors": ["vpc-rejects"]},
        {"type": "webhook", "format": "slack", "url_env": "SLACK_URL", "rate_limit": {"per_second": 1, "burst": 3}},
        {"type": "webhook", "format": "pagerduty", "routing_key_env": "PD_KEY", "min_severity": "critical"},
    ],
}


def test_sinks_validate_and_build_without_io() -> None:
    from streams.core.registry import FINDING_SINKS, SINKS

    config = validate(CONFIG)
    assert isinstance(SINKS.build(config.sinks[0]), OpenSearchSink)
    built = [FINDING_SINKS.build(c) for c in config.finding_sinks]
    assert [type(b) for b in built] == [OpenSearchFindingsSink, SnsSink, WebhookSink, WebhookSink]
    assert built[0].route.min_severity.value == "high"
    assert built[3].url == "https://events.pagerduty.com/v2/enqueue"


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ({"type": "webhook", "format": "slack"}, "finding_sinks[0]"),
        ({"type": "webhook", "url": "http://x", "min_severity": "urgent"}, "finding_sinks[0].min_severity"),
        ({"type": "sns", "topic_arn": "arn", "bogus": 1}, "finding_sinks[0].bogus"),
        ({"type": "opensearch", "auth": "basic"}, "finding_sinks[0]"),
    ],
)
def test_bad_finding_sink_configs_name_the_key(item: dict, path: str) -> None:
    with pytest.raises(ConfigError) as err:
        validate({"finding_sinks": [item]})
    assert any(p == path for p, _ in err.value.problems), err.value.problems
