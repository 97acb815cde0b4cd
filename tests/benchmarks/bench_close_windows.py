"""Instruction counts of the VPC detectors' window closes and merges on captured inputs (a quiet A/B on a noisy machine).

CPU seconds of ``close_windows`` vary by 30-50 % between runs on a shared
machine; instructions executed do not (with a fixed ``PYTHONHASHSEED``).
This captures, once, a detector's state and the inputs of a few consecutive
window closes (``close``: windows 6-10 of the 1M-line replay) or merges
(``merge``: blocks 3-6) from one tree, then replays exactly those calls on
any tree, so two trees run the same work:

    PYTHONHASHSEED=0 python tests/benchmarks/bench_close_windows.py capture WORK CAPTURE   # WORK as bench_detector_close
    PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
        python tests/benchmarks/bench_close_windows.py run TREE CAPTURE close vpc_rejects [skip]

The instructions of the calls are the ``I refs`` of a run minus those of the
same run with ``skip`` (setup only). ``run`` without valgrind prints the calls'
CPU seconds instead.
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import sys
import time
from pathlib import Path

KINDS = ("vpc_rejects", "port_scan")
CLOSES, MERGES = range(6, 11), range(3, 7)


def capture(work: Path, target: Path) -> None:
    import detectors.windowed as windowed
    from tests.benchmarks.bench_pipeline import replay

    cls = windowed.WindowedDetector
    close, merge = cls._close, cls.merge
    seen: dict[tuple[str, str], int] = {}
    caps: dict[tuple[str, str], list] = {}

    def keep(det: windowed.WindowedDetector, what: str, calls: range, item: object) -> None:
        if det.type_name not in KINDS:
            return
        n = seen[det.type_name, what] = seen.get((det.type_name, what), 0) + 1
        if n == calls.start:
            caps[det.type_name, what] = [pickle.dumps(det.config), pickle.dumps(det.snapshot()), []]
        if n in calls:
            caps[det.type_name, what][2].append(pickle.dumps(item))

    def captured_close(self, start, partials):  # type: ignore[no-untyped-def]
        keep(self, "close", CLOSES, (start, dict(partials)))
        return close(self, start, partials)

    def captured_merge(self, aggregate):  # type: ignore[no-untyped-def]
        keep(self, "merge", MERGES, aggregate)
        return merge(self, aggregate)

    cls._close, cls.merge = captured_close, captured_merge  # type: ignore[method-assign]
    out = work / f"capture-{os.getpid()}"
    replay(work / "vpcflow.log", out, str(work / "city.mmdb"), str(work / "asn.mmdb"), True)
    shutil.rmtree(out, ignore_errors=True)
    target.write_bytes(pickle.dumps(caps))


def run(path: Path, what: str, kind: str, skip: bool) -> None:
    from streams.core.registry import DETECTORS

    config, state, items = pickle.loads(path.read_bytes())[kind, what]
    det = DETECTORS.build(pickle.loads(config))
    det.restore(pickle.loads(state))
    inputs = [pickle.loads(item) for item in items]
    gc.disable()
    t = time.process_time()
    for item in [] if skip else inputs:
        if what == "close":
            det._close(*item)
        else:
            det.merge(item)
    print(f"{kind} {what}: {len(inputs)} calls, {time.process_time() - t:.4f} s")


def main() -> None:
    mode = sys.argv[1]
    if mode == "capture":
        sys.path.insert(0, str(Path(__file__).parents[2]))
        capture(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    tree = sys.argv[2]
    sys.path.insert(0, tree)
    os.chdir(tree)
    run(Path(sys.argv[3]), sys.argv[4], sys.argv[5], len(sys.argv) > 6 and sys.argv[6] == "skip")


if __name__ == "__main__":
    main()
