"""Start times rendered by the fast path (time of day re-rendered within a day, the whole date across days),
short and long numbers and equal addresses render as the reference path's documents, whatever the row order."""

from __future__ import annotations

import orjson

from processors.chain import ParserSet, ProcessorChain, build_enrichers
from processors.fast.vpcflow import VpcFlowFastPath
from streams.core.model import Position, Record


def test_start_times_across_days_equal_the_reference() -> None:
    day = 86_400
    starts = [day - 1, day, day + 1, 2 * day - 1, 5 * day + 59, day - 1, 1_704_067_199, 1_704_067_200, 0, 59, 3600,
              253_402_300_799, 1_704_067_200, 1_704_067_261]
    lines = [f"2 1 eni-1 10.0.0.{i % 250 + 1} {'8.8.8.8' if i % 4 else '10.0.0.' + str(i % 250 + 1)} {i} 53 17 "
             f"{10 ** (i % 19) - 1} {10 ** (17 - i % 18)} {s} {min(s + i, 253_402_300_799)} ACCEPT OK"
             for i, s in enumerate(starts * 3)]  # equal addresses (related.ip once), packets and bytes of 1-18 digits
    block = ("\n".join(lines) + "\n").encode()
    chain = ProcessorChain("auto", "vpcflow", ParserSet(), build_enrichers(None))
    fast = VpcFlowFastPath(chain).process("replay", "f.log", block, 1, {"key": "f.log", "dataset": "vpcflow"})
    records = [Record(line.encode(), Position("replay", "f.log", "", str(i)), 0.0, {"key": "f.log", "dataset": "vpcflow"})
               for i, line in enumerate(lines, 1)]
    reference = ProcessorChain("auto", "vpcflow", ParserSet(), build_enrichers(None)).process(records)
    expected = [orjson.dumps({"_id": e.id, **e.doc}) for e in reference.events]
    assert fast.documents == len(lines) and fast.rendered().splitlines() == expected
