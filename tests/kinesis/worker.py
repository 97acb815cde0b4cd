"""A Kinesis source in its own process, for crash tests.

Usage: python -m tests.kinesis.worker CONFIG_JSON OUTPUT_FILE

Writes ``id shard sequence sub`` per record to OUTPUT_FILE (flushed and
fsynced per batch) and only then acks the batch, as a sink would. SIGTERM
closes the source gracefully (leases released); SIGKILL is the crash case.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys

from streams.sources.kinesis import KinesisSource, KinesisSourceConfig


async def run(config: KinesisSourceConfig, path: str) -> None:
    source = KinesisSource(config)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await source.start()

    async def consume() -> None:
        with open(path, "a", buffering=1 << 16) as out:
            async for batch in source.batches():
                out.writelines(
                    f"{r.data.split(b' ')[0].decode()} {r.position.partition} {r.position.offset} {r.position.sub}\n"
                    for r in batch.records
                )
                out.flush()
                os.fsync(out.fileno())
                await source.ack(batch.token)

    task = asyncio.create_task(consume())
    await stop.wait()
    await source.close()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = KinesisSourceConfig.model_validate(json.loads(sys.argv[1]))
    asyncio.run(run(config, sys.argv[2]))


if __name__ == "__main__":
    main()
