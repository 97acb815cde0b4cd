"""HTTP endpoints for operations: ``/metrics`` (Prometheus), ``/healthz``, ``/readyz``.

``/healthz`` answers 200 while the event loop runs (a stuck loop fails it);
``/readyz`` answers 200 once every source and sink started, and 503 while
starting or draining, so orchestrators route nothing to a task that stops.
"""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

log = logging.getLogger("logwarden.health")


class HealthServer:
    def __init__(self, host: str, port: int):
        self.host = host
        self.port = port
        self.ready = False
        self.draining = False
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("metrics and health endpoints listening", extra={"host": self.host, "port": self.port})

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _readyz(self, request: web.Request) -> web.Response:
        if self.ready and not self.draining:
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "draining" if self.draining else "starting"}, status=503)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
