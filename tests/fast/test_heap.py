"""``tune_heap``: a block's temporaries are served again from the heap, not faulted in anew each block."""

from __future__ import annotations

import resource

import numpy as np
import pytest

from streams.runtime import heap


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def test_default_keeps_the_c_library_settings() -> None:
    assert heap.tune_heap({"LOGWARDEN_HEAP": "default"}) is False


def test_block_temporaries_reuse_the_heap() -> None:
    if not heap.tune_heap({}):
        pytest.skip("not glibc: mallopt is not available")
    sizes = [3 << 20, 5 << 20, 1 << 20, 7 << 20]  # a block's arrays of varying sizes, below MMAP
    for size in sizes:  # the heap grows to hold them once
        np.ones(size, np.uint8)
    before = _faults()
    for _ in range(10):
        for size in sizes:
            a = np.empty(size, np.uint8)
            a[::4096] = 1  # touch every page, as a kernel writing its output does
            del a
    # glibc's defaults (a dynamic mmap threshold, trimming at 128 KiB at first) faulted ~1,500 of these
    # 40,960 pages in again here, and ~5,300 pages per 200k-line ALB replay
    assert _faults() - before < 100
