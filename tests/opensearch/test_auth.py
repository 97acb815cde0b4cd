"""Authentication on the wire: basic and SigV4 headers as a loopback server receives them."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import orjson
import pytest
from aiohttp import web

from streams.core.model import Outcome
from streams.sinks.opensearch import OpenSearchSink
from tests import servers
from tests.opensearch.helpers import sink_config, vpc_events


@pytest.fixture
async def bulk_receiver() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """Answers ``_bulk`` with 201 for every action and records the request headers."""
    seen: list[dict[str, str]] = []

    async def bulk(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        lines = [line for line in (await request.read()).split(b"\n") if line]
        items = [{"create": {**orjson.loads(h)["create"], "status": 201}} for h in lines[0::2]]
        return web.json_response({"took": 1, "errors": False, "items": items})

    app = web.Application()
    app.router.add_post("/_bulk", bulk)
    runner = web.AppRunner(app)
    await runner.setup()
    port = servers.free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def test_basic_auth_from_environment(bulk_receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    url, seen = bulk_receiver
    monkeypatch.setenv("TEST_OS_PASSWORD", "s3cret")
    sink = OpenSearchSink(sink_config(url, install_templates=False, auth="basic", username="ingest", password_env="TEST_OS_PASSWORD"))
    try:
        assert {r.outcome for r in await sink.write(vpc_events(3))} == {Outcome.OK}
    finally:
        await sink.close()
    assert seen[0]["Authorization"] == "Basic " + base64.b64encode(b"ingest:s3cret").decode()


@pytest.mark.parametrize("service", ["es", "aoss"])
async def test_sigv4_signs_bulk_requests(bulk_receiver, monkeypatch: pytest.MonkeyPatch, service: str) -> None:
    url, seen = bulk_receiver
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDLOGWARDENTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    sink = OpenSearchSink(
        sink_config(url, install_templates=False, auth="sigv4", aws_service=service, aws_region="eu-west-1")
    )
    try:
        assert {r.outcome for r in await sink.write(vpc_events(3))} == {Outcome.OK}
    finally:
        await sink.close()
    auth = seen[0]["Authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDLOGWARDENTEST/")
    assert f"/eu-west-1/{service}/aws4_request" in auth
    assert "x-amz-date" in {k.lower() for k in seen[0]}
    assert "x-amz-content-sha256" in {k.lower() for k in seen[0]}
