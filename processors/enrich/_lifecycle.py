"""Lifecycle pieces shared by enrichers: the no-op start/close of stateless ones, task cancellation.

>>> import asyncio
>>> async def demo():
...     task = asyncio.create_task(asyncio.sleep(60))
...     await cancel_task(task)
...     return task.cancelled(), await cancel_task(None)
>>> asyncio.run(demo())
(True, None)
"""

from __future__ import annotations

import asyncio
import contextlib


class NoBackgroundWork:
    """Mixin for enrichers with nothing to start or stop."""

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


async def cancel_task(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has stopped."""
    if task is None:
        return None
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None
