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
