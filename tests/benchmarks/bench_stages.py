"""CPU seconds per stage of one fast-path replay: named functions wrapped with ``process_time`` accumulators.

A sampling profiler distorts this pipeline (under py-spy the benchmark's own
``process_time`` calls showed as 7 % ``[vdso]``); wrapping a few functions
does not. Generates the benchmark's input (``bench_pipeline.generate``, test
GeoIP databases), replays its first 20k lines untimed (numba caches, GeoIP
caches), then replays the whole file with the functions wrapped::

    taskset -c 0 python -m tests.benchmarks.bench_stages --dataset alb --lines 200000
    taskset -c 0 python -m tests.benchmarks.bench_stages --dataset vpcflow --lines 1000000 \\
        --wrap streams.runtime.fastpath:detect,detectors.windowed:WindowedDetector.close_windows

``--wrap`` takes ``module:qualname`` items. A function imported by name into
another module must be named where it is called (``streams.runtime.fastpath:aggregate_columns``).
Times of ``async`` functions include whatever else runs while they wait.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

DEFAULT_WRAP = {
    "alb": ["streams.runtime.fastpath:_process", "streams.runtime.fastpath:detect",
            "streams.sinks.ndjson:NdjsonSink.write_ndjson", "processors.fast.alb:AlbFastPath.process",
            "processors.fast.alb:scan_interned", "processors.fast.alb:AlbFastPath._fragments",
            "processors.fast.alb:render_alb", "processors.fast.alb:event_ids", "streams.runtime.fastpath:_fill"],
    "vpcflow": ["streams.runtime.fastpath:_process", "streams.runtime.fastpath:detect",
                "streams.sinks.ndjson:NdjsonSink.write_ndjson", "processors.fast.vpcflow:VpcFlowFastPath.process",
                "streams.runtime.fastpath:aggregate_columns", "detectors.windowed:WindowedDetector.merge",
                "detectors.windowed:WindowedDetector.close_windows", "streams.runtime.fastpath:_fill"],
    "cloudtrail": ["streams.runtime.fastpath:_process", "streams.runtime.fastpath:detect",
                   "streams.sinks.ndjson:NdjsonSink.write_ndjson", "processors.fast.cloudtrail:CloudTrailFastPath.process",
                   "streams.runtime.fastpath:_fill"],
}


class StageClock:
    """Seconds and calls per wrapped function."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, spec: str) -> None:
        """Replace ``module:qualname`` by a timed wrapper (``qualname`` may be ``Class.method``)."""
        module, _, qualname = spec.partition(":")
        owner: Any = importlib.import_module(module)
        *path, name = qualname.split(".")
        for part in path:
            owner = getattr(owner, part)
        fn = getattr(owner, name)
        clock = self
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def timed(*args: Any, **kwargs: Any) -> Any:
                start = time.process_time()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    clock.seconds[qualname] += time.process_time() - start
                    clock.calls[qualname] += 1
        else:
            @functools.wraps(fn)
            def timed(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
                start = time.process_time()
                try:
                    return fn(*args, **kwargs)
                finally:
                    clock.seconds[qualname] += time.process_time() - start
                    clock.calls[qualname] += 1
        setattr(owner, name, timed)

    def report(self) -> list[str]:
        return [f"{self.seconds[k]:8.3f} s {self.calls[k]:7d}  {k}"
                for k in sorted(self.seconds, key=lambda k: -self.seconds[k])]


def main() -> None:
    from tests.benchmarks.bench_pipeline import generate, geoip_databases, head, replay

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(DEFAULT_WRAP), default="alb")
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--wrap", help="comma-separated module:qualname (default: the dataset's main stages)")
    parser.add_argument("--work", help="directory for the input and output (default: a temporary one)")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-stages-"))
    work.mkdir(parents=True, exist_ok=True)
    source = work / f"{args.dataset}.log"
    if not source.exists():
        generate(source, args.lines, args.dataset)
    warm = head(source, work / f"{args.dataset}-warm.log", 20_000)
    city, asn = geoip_databases(work)
    replay(warm, work / "warm-out", city, asn, True, args.dataset)
    clock = StageClock()
    for spec in (args.wrap.split(",") if args.wrap else DEFAULT_WRAP[args.dataset]):
        clock.wrap(spec)
    cpu, wall, summary = replay(source, work / "out", city, asn, True, args.dataset)
    print(f"{args.dataset}: {summary['records_in']:,} lines, CPU {cpu:.3f} s, wall {wall:.3f} s, "
          f"fast paths {summary['fast_paths']}")
    print("\n".join(clock.report()))
    shutil.rmtree(work / "out", ignore_errors=True)
    shutil.rmtree(work / "warm-out", ignore_errors=True)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
