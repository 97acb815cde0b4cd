"""The OpenSearch document sink against noida-db (the OpenSearch REST API emulator)."""

from __future__ import annotations

import pytest

from tests.opensearch import cases

pytestmark = pytest.mark.integration


async def test_templates_installed_and_mappings_typed(opensearch_url: str) -> None:
    await cases.templates_installed(opensearch_url)


async def test_partial_failures_mapping_conflict_and_item_429(opensearch_url: str) -> None:
    await cases.partial_failures(opensearch_url)


async def test_whole_request_failures_retry_then_report(opensearch_url: str) -> None:
    await cases.retries_exhausted_report_retry(opensearch_url)


@pytest.mark.parametrize("mode", ["data_stream", "dated"])
async def test_idempotent_replay(opensearch_url: str, mode: str) -> None:
    await cases.idempotent_replay(opensearch_url, mode)


async def test_requests_bounded_by_count_and_bytes(opensearch_url: str) -> None:
    await cases.bounded_requests(opensearch_url)
