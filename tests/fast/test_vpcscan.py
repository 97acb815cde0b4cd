"""``vpcscan.scan_block`` (one word-at-a-time pass) equals ``split_lines`` + ``scan_v2`` (byte by byte) on every line."""

from __future__ import annotations

import random

import numpy as np

from processors.fast.scan import FAST, scan_v2, split_lines
from processors.fast.vpcscan import scan_block
from streams.generator.engine import TrafficGenerator, TrafficSettings
from tests.fast.test_equivalence import ODD


def _same(block: bytes) -> None:
    data = np.frombuffer(block, np.uint8)
    starts, ends, status, fs, fe, ints, ips = scan_block(data)
    s2, e2 = split_lines(data)
    st2, fs2, fe2, ints2, ips2 = scan_v2(data, s2, e2)
    assert starts.tolist() == s2.tolist() and ends.tolist() == e2.tolist(), block
    assert status.tolist() == st2.tolist(), block
    fast = status == FAST  # scan_block keeps the columns of fast lines only
    for a, b in ((fs, fs2), (fe, fe2), (ints, ints2), (ips, ips2)):
        assert len(a) == fast.sum() and (a == b[fast]).all(), block


def _lines() -> list[str]:
    settings = TrafficSettings(seed=5, rate=200.0, max_records=2000, datasets={"vpcflow": 1.0}, malformed_every=50)
    return [line for chunk in TrafficGenerator(settings).chunks() for line in chunk.lines]


def test_generated_and_odd_lines() -> None:
    lines = _lines() + ODD
    _same(("\n".join(lines) + "\n").encode())
    _same("\n".join(lines).encode())  # no final newline: the last line ends within the last word
    _same(("\r\n".join(lines) + "\r\n").encode())
    for cut in range(1, 40):  # a block ending anywhere in the last line
        _same(("\n".join(lines[:3]) + "\n" + lines[3][:cut]).encode())


def test_mutated_lines() -> None:
    """Random bytes swapped into generated lines: spaces, tabs, CR, LF, quotes, backslashes, dashes, braces, 8-bit."""
    rng = random.Random(11)
    lines = _lines()[:400]
    alphabet = b" \t\r\n\"\\-{}0.9aZ\x7f\xc3\x00"
    for _ in range(60):
        mutated = []
        for line in lines:
            raw = bytearray(line.encode())
            for _ in range(rng.choice((0, 0, 1, 2, 3))):
                at = rng.randrange(len(raw) + 1)
                choice = rng.random()
                if choice < 0.4 and raw:
                    raw[min(at, len(raw) - 1)] = rng.choice(alphabet)
                elif choice < 0.7:
                    raw[at:at] = bytes([rng.choice(alphabet)])
                elif raw:
                    del raw[min(at, len(raw) - 1)]
            mutated.append(bytes(raw))
        _same(b"\n".join(mutated) + rng.choice((b"", b"\n", b"\r\n", b" ")))


def test_short_and_empty_blocks() -> None:
    for block in (b"", b"\n", b"\n\n", b" ", b"x", b"\r\n", b"2 1 eni-1 10.0.0.1 8.8.8.8 5 53 17 1 60 100 160 ACCEPT OK"):
        _same(block)


def test_integers_eight_digits_at_a_time_equal_the_byte_loop() -> None:
    """``_int_words`` equals ``scan._int`` on every byte value in every position, leading zeros, 1-20 digits,
    and values at, under and over the limits."""
    import numba as nb

    from processors.fast.scan import _int, _int_words

    @nb.njit
    def both(data, a, b, limits):  # noqa: ANN001, ANN202
        out = np.empty((len(a), 2), np.int64)
        for i in range(len(a)):
            out[i, 0], out[i, 1] = _int_words(data, a[i], b[i], limits[i]), _int(data, a[i], b[i], limits[i])
        return out

    rng = np.random.default_rng(5)
    fields, limits = [], []
    for n in range(1, 21):
        for _ in range(300):
            digits = bytearray(rng.choice(list(b"0123456789"), n).tolist())
            if rng.random() < 0.5:
                digits[rng.integers(n)] = int(rng.integers(256))  # any byte anywhere
            fields.append(bytes(digits))
            limits.append(int(rng.choice([65535, 255, 10**18, 253402300799, min(int(digits), 10**18) if digits.isdigit() else 9])))
    for byte in range(256):
        for at in range(10):
            fields.append(b"12345678901"[:at] + bytes([byte]) + b"12345678901"[at + 1:])
            limits.append(10**18)
    fields += [b"0", b"00", b"01", b"65535", b"65536", b"9" * 16, b"9" * 18, b"1" + b"0" * 17, b"253402300799"]
    limits += [65535, 65535, 65535, 65535, 65535, 10**18, 10**18, 10**18, 253402300799]
    data, a, b = bytearray(b"x" * 20), [], []
    for field in fields:
        a.append(len(data))
        data += field
        b.append(len(data))
        data += b" "
    out = both(np.frombuffer(bytes(data), np.uint8), np.array(a), np.array(b), np.array(limits, np.int64))
    assert (out[:, 0] == out[:, 1]).all(), [fields[i] for i in np.flatnonzero(out[:, 0] != out[:, 1])[:5]]


def test_header_mid_block_hands_the_rest_to_the_reference() -> None:
    """A header with another layout mid-block: the fast rows before it keep their columns, every line after it
    goes to the reference chain; documents and dead letters equal the reference's, line numbers included."""
    import orjson

    from processors.chain import ParserSet, ProcessorChain, build_enrichers
    from processors.fast.vpcflow import VpcFlowFastPath
    from streams.core.model import Position, Record

    lines = _lines()[:300]
    header = ("version account-id interface-id dstaddr srcaddr srcport dstport protocol packets bytes start end action "
              "log-status")  # v2's fields in another order: the lines after it look fast but are not v2
    lines = lines[:100] + ["", header] + lines[100:200] + ["  "]
    block = ("\n".join(lines) + "\n").encode()
    chain = ProcessorChain("auto", "vpcflow", ParserSet(), build_enrichers(None))
    fast = VpcFlowFastPath(chain).process("replay", "f.log", block, 7, {"key": "f.log", "dataset": "vpcflow"})
    records = [Record(line.encode(), Position("replay", "f.log", "", str(i)), 0.0, {"key": "f.log", "dataset": "vpcflow"})
               for i, line in enumerate(lines, 7) if line.strip()]
    reference = ProcessorChain("auto", "vpcflow", ParserSet(), build_enrichers(None)).process(records)
    got = fast.rendered().splitlines() + [orjson.dumps({"_id": e.id, **e.doc}) for e in fast.slow.events]
    assert 90 <= fast.documents <= 100 and len(fast.slow.events) >= 90
    columns = [fast.ints, fast.codes, fast.numbers] + [codes for codes, _ in fast.strings.values()]
    assert all(len(column) == fast.documents for column in columns)  # detector columns: the fast rows only
    assert sorted(got) == sorted(orjson.dumps({"_id": e.id, **e.doc}) for e in reference.events)
    assert sorted((d.position.offset, d.reason) for d in fast.slow.dead_letters) == sorted(
        (d.position.offset, d.reason) for d in reference.dead_letters)
