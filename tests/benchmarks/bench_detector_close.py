"""In-process CPU of the detectors' ``merge`` and ``close_windows`` in the 1M-line VPC replay, plus a state digest.

Run: ``PYTHONHASHSEED=0 taskset -c 0 python tests/benchmarks/bench_detector_close.py ROOT WORK``
where ROOT is a source tree (this worktree, or ``git archive main`` unpacked
elsewhere, for interleaved A/B runs) and WORK a directory that gets the
generated file and GeoIP databases on first use. Prints the replay's CPU
seconds, the seconds spent in ``merge`` and ``close_windows`` (wrapped with
``time.process_time``), and SHA-1 digests of the findings file and of every
detector's pickled ``snapshot()``: with a fixed ``PYTHONHASHSEED`` two trees
that must not change any finding or state give equal digests.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
import time
from pathlib import Path


def main() -> None:
    root, work = sys.argv[1], Path(sys.argv[2])
    sys.path.insert(0, root)
    os.chdir(root)
    import detectors.windowed as windowed
    from tests.benchmarks.bench_pipeline import generate, geoip_databases, head, replay

    if not (work / "vpcflow.log").exists():
        work.mkdir(parents=True, exist_ok=True)
        geoip_databases(work)
        generate(work / "vpcflow.log", 1_000_000)
        head(work / "vpcflow.log", work / "warm.log", 20_000)
    spent = {"close": 0.0, "merge": 0.0}
    seen: dict[int, object] = {}
    cls = windowed.WindowedDetector
    close, merge = cls.close_windows, cls.merge

    def timed_close(self, flush=False):  # type: ignore[no-untyped-def]
        seen[id(self)] = self
        t = time.process_time()
        out = close(self, flush)
        spent["close"] += time.process_time() - t
        return out

    def timed_merge(self, aggregate):  # type: ignore[no-untyped-def]
        t = time.process_time()
        merge(self, aggregate)
        spent["merge"] += time.process_time() - t

    cls.close_windows, cls.merge = timed_close, timed_merge  # type: ignore[method-assign]
    city, asn = str(work / "city.mmdb"), str(work / "asn.mmdb")
    warm_out, out = work / f"warm-{os.getpid()}", work / f"out-{os.getpid()}"
    replay(work / "warm.log", warm_out, city, asn, True)
    seen.clear()
    spent.update(close=0.0, merge=0.0)
    cpu, _, summary = replay(work / "vpcflow.log", out, city, asn, True)
    dets = sorted(seen.values(), key=lambda d: d.name)  # type: ignore[attr-defined]
    state = hashlib.sha1(b"".join(pickle.dumps(d.snapshot()) for d in dets)).hexdigest()  # type: ignore[attr-defined]
    found = hashlib.sha1((out / "findings.ndjson").read_bytes()).hexdigest()
    print(f"{root}: cpu {cpu:.2f} s, merge {spent['merge']:.3f} s, close {spent['close']:.3f} s, "
          f"findings {summary['findings']} ({found[:12]}), state {state[:12]}")
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(warm_out, ignore_errors=True)


if __name__ == "__main__":
    main()
