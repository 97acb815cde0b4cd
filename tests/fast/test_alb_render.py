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
