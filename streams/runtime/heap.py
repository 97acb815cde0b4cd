"""glibc heap settings for the block fast paths: freed kernel temporaries stay in the heap for the next block.

Every block allocates and frees the same temporaries (the compiled kernels'
row arrays, group arrays, event ids: tens to hundreds of KB each). With
glibc's defaults a freed chunk at the top of the heap is soon given back to
the kernel (``M_TRIM_THRESHOLD``, 128 KiB at first) and arrays above the
dynamic mmap threshold are mapped and unmapped per allocation, so the next
block faults the same pages in again, zero-filled: ~5,300 page faults in
the 200k-line ALB replay. Keeping up to ``TRIM`` bytes of free heap,
growing it ``PAD`` at a time and serving allocations below ``MMAP`` from
the heap brings that to ~1,600. What the heap may keep beyond its live
data is bounded by ``TRIM + PAD``; buffers above ``MMAP`` (32 MiB, glibc's
largest allowed threshold) are still mapped, and the 16 MiB VPC flow
block buffers, below it, are pooled (``processors.fast.buffers``) anyway.

``LOGWARDEN_HEAP=default`` keeps the C library's settings; elsewhere than
glibc (musl) this does nothing.

>>> tune_heap({"LOGWARDEN_HEAP": "default"})
False
>>> tune_heap({}) in (True, False)  # False without glibc's mallopt
True
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Mapping

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # glibc's mallopt parameters (malloc.h)
TRIM, PAD, MMAP = 64 << 20, 16 << 20, 32 << 20
_done: bool | None = None


def tune_heap(environ: Mapping[str, str] | None = None) -> bool:
    """Apply the settings once per process; True when they are in force."""
    global _done
    env = os.environ if environ is None else environ
    if env.get("LOGWARDEN_HEAP", "tuned") == "default":
        return False
    if _done is None:
        try:
            mallopt = ctypes.CDLL(None).mallopt
        except (OSError, AttributeError):  # not glibc
            _done = False
        else:
            mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            _done = all(mallopt(param, value) == 1 for param, value in
                        ((M_MMAP_THRESHOLD, MMAP), (M_TRIM_THRESHOLD, TRIM), (M_TOP_PAD, PAD)))
    return _done
