"""Word-at-a-time shape checks of ALB tokens: the usual forms of a time and a processing time.

``alb_scan.check_line`` reads every fast line's times byte by byte
(``iso_fast`` and ``_calendar``: ~25 compares a time, two times a line).
The usual time, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, is checked here with four
unaligned eight-byte loads instead: each word is XORed with its expected
pattern (``0`` where a digit goes, the punctuation elsewhere), after which
a digit position must hold a value below 10 and a punctuation position 0
(``shaped``: one add and one mask a word, exact as a yes/no). Only the
digits' ranges are then read byte by byte. Tokens of any other shape go
the byte-by-byte way, so the answers are the same for every token
(``tests/fast/test_alb_words.py`` compares both).

>>> import numpy as np
>>> data = np.frombuffer(b"2018-07-02T22:23:00.186641Z 2018-02-30T22:23:00.186641Z 2018-07-02T22:23:00.18664xZ", np.uint8)
>>> [usual_time(data, a, a + 27) for a in (0, 28, 56)]  # fine; not a day of February; not a digit
[1, 0, -1]
>>> usual_time(data, 28, 55, False)  # iso_fast alone does not check the day of the month
1
>>> data = np.frombuffer(b"0.035 12.5", np.uint8)
>>> bool(usual_seconds(data, 0, 5)), bool(usual_seconds(data, 6, 10))
(True, False)
"""

from __future__ import annotations

import numba as nb
import numpy as np

from processors.fast.words import load

HIGH = np.uint64(0x8080808080808080)


def _pattern(text: str) -> tuple[np.uint64, np.uint64]:
    """(XOR pattern, add constant) of an eight-byte shape: ``D`` a digit, anything else itself."""
    xor = add = 0
    for k, ch in enumerate(text):
        xor |= (0x30 if ch == "D" else ord(ch)) << (8 * k)
        add |= (0x76 if ch == "D" else 0x7F) << (8 * k)  # a byte + 0x76 reaches 0x80 from 10 on, + 0x7F from 1 on
    return np.uint64(xor), np.uint64(add)


# the words at offsets 0, 8, 16 and 19 of ``YYYY-MM-DDTHH:MM:SS.ffffffZ``
(X0, A0), (X1, A1), (X2, A2), (X3, A3) = (_pattern(t) for t in ("DDDD-DD-", "DDTDD:DD", ":DD.DDDD", ".DDDDDDZ"))
DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


@nb.njit(inline="always")
def shaped(w, xor, add):  # noqa: ANN001, ANN201
    """Whether the word ``w`` has the shape ``(xor, add)`` of ``_pattern``.

    A byte that differs from its pattern's by 10 or more (or by anything at a punctuation position) sets its
    high bit after the add; a byte already >= 0x80 after the XOR is caught by the OR (only such a byte can carry
    into the next, so a carry never hides a mismatch).
    """
    x = w ^ xor
    return ((x + add) | x) & HIGH == np.uint64(0)


@nb.njit(inline="always")
def _digit(c):  # noqa: ANN001, ANN202
    return 48 <= c <= 57


@nb.njit(inline="always")
def _two(data, i):  # noqa: ANN001, ANN202
    return (data[i] - 48) * 10 + data[i + 1] - 48


@nb.njit(inline="always")
def usual_time(data, a, b, calendar=True):  # noqa: ANN001, ANN201
    """For ``data[a:b]`` of the usual 27-byte shape: 1 when ``iso_fast`` (and, with ``calendar``, ``_calendar``)
    holds, 0 when not; -1 for any other shape (the caller checks it byte by byte)."""
    if b - a != 27 or not (shaped(load(data, a), X0, A0) and shaped(load(data, a + 8), X1, A1)
                           and shaped(load(data, a + 16), X2, A2) and shaped(load(data, a + 19), X3, A3)):
        return -1
    month, day = _two(data, a + 5), _two(data, a + 8)
    if not (1 <= month <= 12 and 1 <= day <= 31 and _two(data, a + 11) < 24 and _two(data, a + 14) < 60
            and _two(data, a + 17) < 60):
        return 0
    if not calendar:
        return 1
    year = _two(data, a) * 100 + _two(data, a + 2)
    days = DAYS[month]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        days = 29
    return 1 if year >= 1 and day <= days else 0


@nb.njit(inline="always")
def usual_seconds(data, a, b):  # noqa: ANN001, ANN201
    """Whether ``data[a:b]`` is ``D.DDD`` (what ``seconds_ok`` always admits: one whole digit, three fraction
    digits, each non-zero one worth >= 0.001)."""
    if b - a != 5 or data[a + 1] != 46:
        return False
    return _digit(data[a]) and _digit(data[a + 2]) and _digit(data[a + 3]) and _digit(data[a + 4])
