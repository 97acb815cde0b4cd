"""``vpcfrags.combo_codes`` (small tables, one pass) numbers spans and combinations as the general dictionaries do,
and a block with more distinct spans than its tables hold still renders the reference documents."""

from __future__ import annotations

import numpy as np
import orjson

from processors.chain import ParserSet, ProcessorChain, build_enrichers
from processors.fast.scan import dictionary
from processors.fast.vpcflow import VpcFlowFastPath
from processors.fast.vpcfrags import HEADS, TAILS, Fragments
from processors.fast.vpcscan import scan_block
from streams.core.model import Position, Record
from tests.fast.test_equivalence import _block


def _same_fragments(block: bytes) -> None:
    data = np.frombuffer(block, np.uint8)
    _, _, _, fs, fe, _, _ = scan_block(data)
    got, general = Fragments.build(data, fs, fe), Fragments.build(data, fs, fe, general=True)
    assert got.codes.tolist() == general.codes.tolist()
    assert bytes(got.buf) == bytes(general.buf) and got.off.tolist() == general.off.tolist()
    expected = dictionary(data, fs[:, 12], fe[:, 12])
    assert got.columns[12][0].tolist() == expected[0].tolist() and got.columns[12][1] == expected[1]
    for column in (1, 2, 12):
        assert got.columns[column][0].tolist() == general.columns[column][0].tolist()
        assert got.columns[column][1] == general.columns[column][1]


def test_combinations_equal_the_general_dictionaries() -> None:
    _same_fragments(_block())
    statuses = ["OK", "SKIPDATA", "OK", "X" * 30, "OK", "Y"]  # short, long, repeated log statuses
    lines = [f"{2 + i % 3} {100 + i % 7} eni-{i % 11:x} 10.0.0.1 8.8.8.8 1 2 6 1 60 100 160 "
             f"{'ACCEPT' if i % 5 else 'REJECT'} {statuses[i % 6]}" for i in range(500)]
    _same_fragments(("\n".join(lines) + "\n").encode())


def test_more_spans_than_the_tables_hold() -> None:
    for heads, tails in ((HEADS + 5, 3), (10, TAILS + 5)):
        lines = [f"2 1 eni-{i % heads:x} 10.0.0.1 8.8.8.8 1 2 6 1 60 100 160 {'REJECT' if i % 7 == 3 else 'ACCEPT'} "
                 f"S{i % tails}" for i in range(3 * HEADS)]
        block = ("\n".join(lines) + "\n").encode()
        _same_fragments(block)
        chain = ProcessorChain("auto", "vpcflow", ParserSet(), build_enrichers(None))
        fast = VpcFlowFastPath(chain).process("replay", "f.log", block, 1, {"key": "f.log", "dataset": "vpcflow"})
        records = [Record(line.encode(), Position("replay", "f.log", "", str(i)), 0.0, {"key": "f.log"})
                   for i, line in enumerate(lines, 1)]
        reference = chain.process(records)
        assert fast.rendered().splitlines() == [orjson.dumps({"_id": e.id, **e.doc}) for e in reference.events]
