"""Compiled kernels without numba's reference counting (NRT), for kernels whose caller holds every array.

numba adds an ``NRT_incref`` and an ``NRT_decref`` (an atomic add, through a call) whenever an array is bound
anew: each call of an ``inline="always"`` helper that takes it, each row view (``ts[r]``), each slice. A kernel
that allocates nothing and returns only scalars needs none of them: its arguments are held by its caller for
the whole call, and the views it makes do not outlive it. ``borrowing`` compiles such a kernel with numba's
``_nrt=False`` option, so no reference-count code is generated at all (``nrt_calls`` counts what is left).
A kernel that allocates (``np.empty``...) does not compile this way; a kernel must not return or keep a view.

>>> import numpy as np
>>> @nb.njit(inline="always")
... def _get(a, i):
...     return a[i]
>>> def _total(a):
...     s = 0
...     for i in range(len(a)):
...         s += _get(a, i)
...     return s
>>> borrowed, counted = borrowing(_total), nb.njit(_total)
>>> borrowed(np.arange(5)), counted(np.arange(5))
(10, 10)
>>> nrt_calls(borrowed), nrt_calls(counted) > 0
(0, True)
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numba as nb

_CALL = re.compile(r"call void @NRT_(?:incref|decref)\(")


def borrowing(fn: Callable | None = None, *, cache: bool = False) -> Callable:
    """``nb.njit(fn, cache=cache)`` without reference counting (``_nrt=False``); usable as ``@borrowing`` or
    ``@borrowing(cache=True)``."""
    if fn is None:
        return lambda f: nb.njit(f, cache=cache, _nrt=False)
    return nb.njit(fn, cache=cache, _nrt=False)


def nrt_calls(dispatcher: Callable) -> int:
    """Reference-count calls in the LLVM IR of a dispatcher's compiled signatures (compiled in this process: numba
    does not keep the IR of code loaded from its cache)."""
    return sum(len(_CALL.findall(ir)) for ir in dispatcher.inspect_llvm().values())
