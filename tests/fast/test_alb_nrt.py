"""The ALB scan kernels are compiled without reference counting (``nrt.borrowing``), and stay that way."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from processors.fast import alb_block, alb_scan
from processors.fast.nrt import borrowing, nrt_calls

LINE = (b'http 2018-07-02T22:23:00.186641Z app/lb/1 192.168.1.9:2817 10.0.0.1:80 0.000 0.001 0.000 200 - 34 366 '
        b'"GET http://x.com:80/ HTTP/1.1" "curl/7.46.0" - - arn "Root=1" "-" "-" 0 - "forward" "-" "-" "" "" "-" "-"')


def _rows() -> tuple[np.ndarray, ...]:
    return (np.full((1, alb_scan.NTOK), -1, np.int64), np.full((1, alb_scan.NTOK), -1, np.int64),
            np.full((1, 8), -1, np.int64), np.full((1, 6), -1, np.int64))


def test_the_walk_has_no_reference_counting_and_the_same_walk_counted_has() -> None:
    data = np.frombuffer(LINE + b"\n" + b" " * 8, np.uint8)
    ts, te, _, _ = _rows()
    assert alb_block._walk(data, 0, 0, ts, te) == (len(LINE), 29)
    counted = nb.njit(alb_block._walk.py_func)
    assert counted(data, 0, 0, ts.copy(), te.copy()) == (len(LINE), 29)
    assert nrt_calls(alb_block._walk) == 0
    assert nrt_calls(counted) > 0


@pytest.fixture(scope="module")
def fresh_check_line() -> nb.core.registry.CPUDispatcher:
    return borrowing(alb_scan.check_line.py_func)  # compiled here: numba keeps no IR of cached code


@pytest.mark.parametrize("line", [LINE, LINE.replace(b"10.0.0.1:80", b"-"), LINE.replace(b" 200 ", b" 2x0 ")])
def test_check_line_has_no_reference_counting(line: bytes, fresh_check_line: nb.core.registry.CPUDispatcher) -> None:
    data = np.frombuffer(line + b"\n" + b" " * 8, np.uint8)
    ts, te, ints, req = _rows()
    _, count = alb_block._walk(data, 0, 0, ts, te)
    status = fresh_check_line(data, 0, count, ts, te, ints, req, 0)
    assert nrt_calls(fresh_check_line) == 0
    ints2, req2 = np.full_like(ints, -1), np.full_like(req, -1)
    assert alb_scan.check_line(data, 0, count, ts, te, ints2, req2, 0) == status
    assert (ints == ints2).all() and (req == req2).all()
    assert status == (alb_scan.FAST if b"2x0" not in line else alb_scan.SLOW)
