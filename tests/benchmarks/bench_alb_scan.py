"""The ALB scan kernel (``alb_block.scan_interned``) by part, on the first blocks of an ALB log.

``python -m tests.benchmarks.bench_alb_scan MODE [--blocks 8] [--reps 9] [--log /tmp/s3/w/alb.log]`` scans
the first 4 MiB blocks (cut at a newline) ``reps`` times and prints the fastest pass. MODE ``real`` runs
``scan_interned``; ``walk``, ``check``, ``epoch`` and ``intern`` run a copy of its kernel that stops after
that part (the walk alone; + ``check_line``; + ``alb_clock.epoch``; + interning, i.e. all of it). Under
``valgrind --tool=callgrind`` the numba code shows as one unnamed region per compiled function, so one run
gives the instructions of the walk (``_walk``), ``check_line``, ``intern_rows`` and the kernel loop apart
(docs/alb-block.md). Set ``NUMBA_CPU_NAME`` and ``NUMBA_CPU_FEATURES`` to the same values for the warm-up run
and the one under valgrind, or numba's cache misses (valgrind reports other CPU features) and compiles there.
"""

from __future__ import annotations

import argparse
import time

import numba as nb
import numpy as np

from processors.fast.alb import SPAN_COLUMNS
from processors.fast.alb_block import _INTERNED, CHUNK, ScanBuffers, _walk, scan_interned
from processors.fast.alb_clock import epoch
from processors.fast.alb_intern import intern_rows
from processors.fast.alb_scan import TIME, check_line, line_status
from processors.fast.alb_tables import AlbTables
from processors.fast.buffers import scan_rows
from processors.fast.scan import FAST, line_at

MODES = {"walk": 0, "check": 1, "epoch": 2, "intern": 3}


@nb.njit(cache=True)
def _parts(data, starts, ends, status, ts, te, ints, req, times, codes,  # noqa: ANN001, ANN202, PLR0913
           spec, slots, hashes, owner, koff, keys, filled, done, mode):
    """``alb_block._scan`` doing the parts up to ``mode`` only (a line the walk takes is FAST for mode 0)."""
    live = len(spec) > 0 and mode >= 3
    done[0] = 0
    size, rows = len(data), len(starts)
    words = data[:size // 8 * 8].view(np.uint64)
    r, k, a = 0, 0, 0
    while a < size:
        if r == rows:
            return -1, 0
        ts[k, :], te[k, :], ints[k, :], req[k, :] = -1, -1, -1, -1
        newline, count = _walk(data, a, k, ts, te)
        if newline >= 0:
            starts[r], ends[r] = a, newline
            status[r] = check_line(data, a, count, ts, te, ints, req, k) if mode >= 1 else FAST
        else:
            ts[k, :], te[k, :] = -1, -1
            newline, end = line_at(data, a)
            starts[r], ends[r] = a, end
            status[r] = line_status(data, words, a, end, ts, te, ints, req, k)
        if status[r] == FAST:
            if mode >= 2:
                times[k] = epoch(data, ts[k, TIME], te[k, TIME])
            k += 1
            if live and k - done[0] >= CHUNK:
                got = intern_rows(data, ts, te, req, req, spec, done[0], k, slots, hashes, owner, koff, keys, filled,
                                  codes)
                live, done[0] = got == k, got
        r += 1
        a = newline + 1
    if live and k > done[0]:
        done[0] = intern_rows(data, ts, te, req, req, spec, done[0], k, slots, hashes, owner, koff, keys, filled, codes)
    return r, k


def blocks(path: str, count: int, size: int = 4 << 20) -> list[np.ndarray]:
    """The first ``count`` blocks of ``path``, each cut after its last newline."""
    raw = open(path, "rb").read()  # noqa: PTH123, SIM115
    out, pos = [], 0
    while pos < len(raw) and len(out) < count:
        end = raw.rfind(b"\n", pos, pos + size) + 1 if pos + size < len(raw) else len(raw)
        out.append(np.frombuffer(raw[pos:end], np.uint8))
        pos = end
    return out


def scan(mode: str, data: np.ndarray, buffers: ScanBuffers) -> int:
    """One block in ``mode`` with a fresh span table (every pass interns the same values); its line count."""
    prepared = AlbTables(None, None).prepare(SPAN_COLUMNS)
    if mode == "real":
        return len(scan_interned(data, buffers, prepared.table, prepared.spec)[0][0])
    done, arrays = np.zeros(1, np.int64), prepared.table.arrays()
    return len(scan_rows(lambda *a: _parts(*a, prepared.spec, *arrays, done, MODES[mode]), data, _INTERNED,
                         buffers, len(data) // 256 + 64)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["real", *MODES])
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--log", default="/tmp/s3/w/alb.log")
    args = parser.parse_args()
    data, buffers = blocks(args.log, args.blocks), ScanBuffers(interned=True)
    scan(args.mode, data[0][:100_000], buffers)  # compiled or loaded from the cache: not timed
    best, lines = float("inf"), 0
    for _ in range(args.reps):
        start = time.process_time()
        lines = sum(scan(args.mode, block, buffers) for block in data)
        best = min(best, time.process_time() - start)
    print(f"{args.mode}: {lines:,} lines, {sum(map(len, data)) / 1e6:.1f} MB, fastest pass {best * 1e3:.1f} ms CPU")


if __name__ == "__main__":
    main()
