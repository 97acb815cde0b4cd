"""In-process CPU time per 4 MiB block of the CloudTrail fast path, by stage.

Run: ``taskset -c 1 python -m tests.benchmarks.bench_cloudtrail_blocks [--blocks 20] [--repeat 3]``.

Generates realistic CloudTrail lines (the generator library), cuts them into
the runtime's blocks (``streams.runtime.fastpath._blocks``), builds the fast
path of the benchmark pipeline's chain (network + GeoIP enrichers), warms it
on the first block, then processes the blocks ``--repeat`` times and prints
the best pass: ms a block and us a record in total and for each kernel the
module calls (``time.process_time`` around each call; stages nest, so they
do not add up to the total).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import processors.fast.cloudtrail as ct
import processors.fast.trail_parts as tp
from streams.runtime.fastpath import _blocks
from streams.runtime.pipeline import Pipeline
from tests.benchmarks.bench_pipeline import generate, geoip_databases, pipeline_config

STAGES = {ct: ("byte_positions", "block_parts", "render_trail", "event_ids", "TrailColumns"),
          tp: ("render_params", "int_codes", "row_codes")}


def _timed(spent: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.process_time() - started
    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        city, asn = geoip_databases(work)
        source = work / "cloudtrail.log"
        generate(source, args.blocks * 3_700 + 1_000, "cloudtrail")
        pipeline = Pipeline(pipeline_config(source, work / "out", city, asn, "cloudtrail"))
        pipeline._build()
        chain = next(iter(pipeline.chains.values()))
        fast = ct.build(chain, include_id=True, keep_original=False, sample=b"{")
        blocks = [bytes(data) for _, (_, data) in zip(range(args.blocks), _blocks(str(source), 0), strict=False)]
    fast.process("file", "bench", blocks[0], 1, {})  # compiled kernels loaded, first fragments computed
    spent: dict[str, float] = {}
    saved = {(module, name): getattr(module, name) for module, names in STAGES.items() for name in names}
    scan = ct.KEYS.scan_interned
    for (module, name), fn in saved.items():
        setattr(module, name, _timed(spent, name, fn))
    ct.KEYS.scan_interned = _timed(spent, "scan", scan)  # type: ignore[method-assign]
    best: tuple[float, dict[str, float], int] | None = None
    try:
        for _ in range(args.repeat):
            spent.clear()
            rows, started = 0, time.process_time()
            for block in blocks:
                batch = fast.process("file", "bench", block, 1, {})
                for _chunk in batch.chunks():  # the documents are rendered on delivery, a chunk at a time
                    pass
                rows += batch.documents
            total = time.process_time() - started
            if best is None or total < best[0]:
                best = (total, dict(spent), rows)
    finally:
        for (module, name), fn in saved.items():
            setattr(module, name, fn)
        del ct.KEYS.scan_interned
    assert best is not None
    total, stages, rows = best
    n = len(blocks)
    print(f"{n} blocks, {rows:,} records: {total / n * 1e3:.1f} ms a block, {total / rows * 1e6:.2f} us a record, "
          f"{rows / total:,.0f} records/s (best of {args.repeat})")
    for name, seconds in sorted(stages.items(), key=lambda item: -item[1]):
        print(f"  {name:16s} {seconds / n * 1e3:7.2f} ms a block")


if __name__ == "__main__":
    main()
