"""``render_alb`` copies spans eight bytes at a time: the same documents wherever a line ends in the block."""

from __future__ import annotations

from processors.fast.alb import AlbFastPath
from tests.fast.test_alb import ATTRS, _chain, _compare, generated


def test_a_block_without_final_newline_renders_the_same_documents() -> None:
    lines = generated(40, seed=4)
    whole = _compare(lines)  # the reference's documents, byte for byte
    path = AlbFastPath(_chain())
    for cut in (0, 1, 2, 5, 9):  # the last line's last tokens within the block's last word, or cut short
        block = "\n".join(lines).encode()[:len("\n".join(lines)) - cut]
        fast = path.process("replay", "f.log", block, 1, dict(ATTRS))
        if cut == 0:
            assert fast.documents == whole.documents and bytes(fast.ndjson) == bytes(whole.ndjson)
        else:  # the cut line goes to the reference path; the others are unchanged
            assert bytes(fast.ndjson).splitlines() == bytes(whole.ndjson).splitlines()[:fast.documents]
            assert fast.documents + len(fast.slow.events) + len(fast.slow.dead_letters) == len(lines)


def test_processing_times_render_as_orjson_floats() -> None:
    """``_seconds`` (its ``D.DDD`` shortcut and the general loop) gives orjson's text of ``float(text)``."""
    import numba as nb
    import numpy as np
    import orjson

    from processors.fast.alb_render import _seconds
    from processors.fast.alb_scan import seconds_ok

    @nb.njit
    def render(data, a, b):  # noqa: ANN001, ANN202
        out = np.zeros(32, np.uint8)
        return seconds_ok(data, a, b), out[:_seconds(out, 0, data, a, b)]

    texts = [f"{d}.{f:03d}" for d in (0, 1, 9) for f in range(1000)]
    texts += ["0", "12", "0.0", "0.05", "10.5", "123456.123456", "0.000001", "000.100", "1.", "0.0010"]
    checked = 0
    for text in texts:
        data = np.frombuffer(text.encode() + b" ", np.uint8)
        ok, out = render(data, 0, len(text))
        if ok and text != "-1":
            assert out.tobytes() == orjson.dumps(float(text)), text
            checked += 1
    assert checked > 2900


def test_addresses_and_ports_render_from_their_text_or_their_value() -> None:
    """``_colon`` finds the port's colon in the token's last word (or byte by byte past seven digits); a port
    with zeros in front is rendered from its value, the others copied: the reference's documents either way."""
    import re

    lines = generated(12, seed=5)
    ports = ["0", "7", "80", "08080", "0443", "65535", "1234567", "12345678", "123456789", "000000001"]
    edited = []
    for k, port in enumerate(ports):
        for line in lines[:3]:
            parts = line.split(" ")
            parts[3] = re.sub(r":\d+$", f":{port}", parts[3])  # client
            parts[4] = re.sub(r":\d+$", f":{ports[-1 - k]}", parts[4]) if parts[4] != "-" else parts[4]
            edited.append(" ".join(parts))
    edited += [line.replace(line.split(" ")[3], "1.2.3.4:5", 1) for line in lines[3:6]]  # the shortest client
    fast = _compare(edited)
    assert fast.documents == len(edited)  # all of them took the fast path


def test_numbers_are_copied_from_canonical_tokens() -> None:
    """Status codes and byte counts are the token's text: only canonical numbers reach the render."""
    lines = generated(6, seed=6)
    edited = []
    for line in lines:
        parts = line.split(" ")
        for k, value in zip((8, 9, 10, 11), ("599", "0", "0", "123456789012345"), strict=True):
            parts[k] = value
        edited.append(" ".join(parts))
        parts[9], parts[10], parts[11] = "-", "-1", "007"  # absent, -1 and zeros in front (the parser's)
        edited.append(" ".join(parts))
    fast = _compare(edited)
    assert fast.documents == len(lines) and len(fast.slow.events) == len(lines)


def test_list_fields_with_separators_anywhere_in_their_words() -> None:
    """``_has`` looks for the separator a word at a time: one item, or items split at every position."""
    import shlex

    lines = generated(4, seed=8)
    values = ["forward", "a,b", "forward,redirect", "abcdefg,h", "abcdefgh,i", "abcdefghijklmnop,q", "x,",
              ",x", "waf,forward,fixed-response", "abcdefghijklmno"]
    spaced = ["1.2.3.4:80", "1.2.3.4:80 5.6.7.8:81", "10.0.0.1:8 10.0.0.2:80", "200 502", "200  404", " 200",
              "12345678 9", "1234567 9", "123456789012345 6", "2000"]
    edited = []
    for k, (value, items) in enumerate(zip(values, spaced, strict=True)):
        parts = shlex.split(lines[k % len(lines)])  # quoted tokens as values
        parts[22], parts[25], parts[26] = value, items, spaced[-1 - k]
        edited.append(" ".join(f'"{p}"' if i in (12, 13, 17, 18, 19, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32)
                               or p == "" else p for i, p in enumerate(parts)))
    fast = _compare(edited)
    assert fast.documents == len(edited)
