"""Test helpers for the OpenSearch sinks: events, a fault-injecting proxy, a restartable noida-db."""

from __future__ import annotations

import subprocess
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from streams.core.model import Event, Position, event_id
from streams.sinks.opensearch import OpenSearchSink, OpenSearchSinkConfig
from tests import servers


def vpc_events(n: int, start: int = 0, stream: str = "t") -> list[Event]:
    """``n`` VPC flow events with deterministic ids (same offsets -> same ids)."""
    out = []
    for i in range(start, start + n):
        pos = Position("test", stream, "0", str(i))
        doc = {
            "@timestamp": f"2026-11-22T10:{(i // 60) % 60:02d}:{i % 60:02d}Z",
            "event": {"dataset": "aws.vpcflow", "kind": "event"},
            "cloud": {"provider": "aws"},
            "source": {"ip": f"10.0.{(i >> 8) & 255}.{i & 255}", "port": 1024 + i % 50000, "bytes": i},
            "destination": {"ip": "10.1.0.1", "port": 443},
            "aws": {"vpcflow": {"action": "REJECT" if i % 7 == 0 else "ACCEPT", "interface_id": f"eni-{i % 13}"}},
        }
        out.append(Event(doc, "vpcflow", event_id(pos), pos))
    return out


def sink_config(url: str, namespace: str | None = None, **overrides: Any) -> OpenSearchSinkConfig:
    values: dict[str, Any] = {
        "type": "opensearch",
        "hosts": [url],
        "namespace": namespace or uuid.uuid4().hex[:10],
        "request_timeout_seconds": 30,
        "retry": {"attempts": 3, "initial_seconds": 0.01, "max_seconds": 0.05},
    }
    values.update(overrides)
    return OpenSearchSinkConfig.model_validate(values)


async def count(sink: OpenSearchSink, index: str) -> int:
    await sink.client.indices.refresh(index=index)
    return int((await sink.client.count(index=index))["count"])


async def deliver(sink: OpenSearchSink, events: list[Event], pause: float = 0.05, limit: int = 2000) -> int:
    """What the runtime's retry wrapper does: resend RETRY items until none is left.

    Returns the number of write calls it took; FAILED items are not resent.
    """
    import asyncio

    from streams.core.model import Outcome

    pending = list(events)
    calls = 0
    while pending and calls < limit:
        calls += 1
        results = await sink.write(pending)
        pending = [e for e, r in zip(pending, results, strict=True) if r.outcome is Outcome.RETRY]
        if pending:
            await asyncio.sleep(pause)
    assert not pending, f"{len(pending)} events still pending after {calls} writes"
    return calls


@dataclass
class FaultProxy:
    """An HTTP proxy in front of a cluster that injects failures into ``_bulk`` requests.

    ``throttle_ids``: documents answered with an item-level 429 the first time
    they are seen (they are taken out of the forwarded body, the rest is sent).
    ``fail_next``: whole requests answered 503 before anything is forwarded.
    """

    upstream: str
    throttle_ids: set[str] = field(default_factory=set)
    fail_next: int = 0
    bulk_requests: int = 0
    throttled: list[str] = field(default_factory=list)
    bulk_sizes: list[int] = field(default_factory=list)
    body_bytes: list[int] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        port = servers.free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self._session = aiohttp.ClientSession()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request, body: bytes) -> tuple[int, bytes]:
        assert self._session is not None
        headers = {"content-type": request.headers.get("content-type", "application/json")}
        async with self._session.request(
            request.method, self.upstream + request.path_qs, data=body or None, headers=headers
        ) as resp:
            return resp.status, await resp.read()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not request.path.endswith("/_bulk"):
            status, data = await self._forward(request, body)
            return web.Response(status=status, body=data, content_type="application/json")
        self.bulk_requests += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.json_response({"error": "injected"}, status=503)
        lines = [line for line in body.split(b"\n") if line]
        pairs = list(zip(lines[0::2], lines[1::2], strict=True))
        self.bulk_sizes.append(len(pairs))
        self.body_bytes.append(len(body))
        forwarded, plan = [], []
        for head, src in pairs:
            meta = next(iter(orjson.loads(head).values()))
            if meta.get("_id") in self.throttle_ids:
                self.throttle_ids.discard(meta["_id"])
                self.throttled.append(meta["_id"])
                plan.append(meta)
            else:
                forwarded.append(head + b"\n" + src + b"\n")
                plan.append(None)
        items: Iterable[dict[str, Any]] = []
        if forwarded:
            status, data = await self._forward(request, b"".join(forwarded))
            if status != 200:
                return web.Response(status=status, body=data, content_type="application/json")
            items = orjson.loads(data)["items"]
        upstream_items = iter(items)
        merged = []
        for meta in plan:
            if meta is None:
                merged.append(next(upstream_items))
            else:
                error = {"type": "es_rejected_execution_exception", "reason": "injected 429"}
                merged.append({"create": {"_index": meta["_index"], "_id": meta["_id"], "status": 429, "error": error}})
        return web.json_response({"took": 1, "errors": True, "items": merged})


class Noida:
    """A noida-db on a fixed port and data directory that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = servers.free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="noida-test-"))
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import shutil
        import sys

        exe = shutil.which("noida-db") or str(Path(sys.executable).parent / "noida-db")
        args = [exe, "start", "--only", "elasticsearch", "--elasticsearch-port", str(self.port)]
        self.proc = subprocess.Popen(
            args + ["--data-dir", str(self.data_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the wrapper spawns the server binary: stop the whole group
        )
        servers.wait_for_http(self.url + "/", proc=self.proc)

    def stop(self) -> None:
        """Stop the wrapper and the server binary it started, and wait until the port is closed."""
        import os
        import signal
        import socket
        import time

        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        servers._stop(self.proc)
        self.proc = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                return
            time.sleep(0.05)
        raise RuntimeError(f"port {self.port} still answers after stopping noida-db")

    def cleanup(self) -> None:
        import shutil

        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
