"""The same sink tests against the real OpenSearch image (testcontainers), plus ISM for real.

Skipped with a clear reason where no Docker engine answers (fixture ``docker_engine``).
The test functions are imported from the emulator suites; the ``opensearch_url``
fixture below points them at the container instead of noida-db.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from streams.core.model import Outcome
from streams.sinks.opensearch import OpenSearchSink
from tests.opensearch.helpers import sink_config, vpc_events
from tests.opensearch.test_finding_sinks import test_opensearch_findings_upsert_by_id  # noqa: F401
from tests.opensearch.test_sink import (  # noqa: F401
    test_idempotent_replay,
    test_partial_failures_mapping_conflict_and_item_429,
    test_requests_bounded_by_count_and_bytes,
    test_templates_installed_and_mappings_typed,
    test_whole_request_failures_retry_then_report,
)
from tests.opensearch.test_templates import test_reference_documents_index_with_ecs_types  # noqa: F401

pytestmark = pytest.mark.docker

IMAGE = os.environ.get("LOGWARDEN_TEST_OPENSEARCH_IMAGE", "opensearchproject/opensearch:2.17.1")


@pytest.fixture(scope="module")
def opensearch_url(docker_engine: None) -> Iterator[str]:
    from testcontainers.community.opensearch import OpenSearchContainer

    with OpenSearchContainer(IMAGE) as container:
        config = container.get_config()
        yield f"http://{config['host']}:{config['port']}"


async def test_ism_policy_and_data_stream_for_real(opensearch_url: str) -> None:
    sink = OpenSearchSink(sink_config(opensearch_url, retention_days=7))
    try:
        await sink.start()
        assert sink.install_report is not None and sink.install_report.flavor.value == "opensearch"
        assert sink.install_report.ism_policies == ["logwarden-logs"]
        await sink.start()  # a second install updates the policy in place (seq_no/primary_term)
        policy = await sink.client.transport.perform_request("GET", "/_plugins/_ism/policies/logwarden-logs")
        states = {s["name"]: s for s in policy["policy"]["states"]}
        assert states["hot"]["transitions"][0]["conditions"] == {"min_index_age": "7d"}
        assert [r.outcome for r in await sink.write(vpc_events(5))] == [Outcome.OK] * 5
        stream = sink.naming.target("vpcflow", {})
        got = await sink.client.transport.perform_request("GET", f"/_data_stream/{stream}")
        assert got["data_streams"][0]["name"] == stream
    finally:
        await sink.close()
