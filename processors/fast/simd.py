"""Hash compressions over several messages at once, written as LLVM vector code (numba intrinsics).

LLVM did not turn the lane loops of ``lanes.py`` into vector instructions,
so these intrinsics emit the vector IR themselves: every state word of
BLAKE2b is one ``<4 x i64>`` (four messages), every SHA-1 word one
``<8 x i32>`` (eight messages). The IR is target-neutral: LLVM lowers it to
AVX2 where the CPU has it, to pairs of SSE2 registers otherwise. Rotations
are written as shift-or pairs, which LLVM turns into byte shuffles where the
amount allows.

``blake2b_final4(h, m, t)``: one final-block BLAKE2b compression (RFC 7693)
of four messages: ``h`` (8, 4) uint64 chaining words, updated in place;
``m`` (16, 4) uint64 message words; ``t`` (4,) uint64 byte counts.

``sha1_block8(w, out)``: the SHA-1 compression (FIPS 180-4) of one block of
eight messages from the initial state: ``w`` (16, 8) uint32 big-endian
message words; ``out`` (5, 8) uint32 digest words.

>>> import hashlib, numba, numpy as np
>>> w = np.zeros((16, 8), np.uint32)
>>> w[0], w[15] = 0x61626380, 24  # "abc", the padding bit, the bit length
>>> out = np.empty((5, 8), np.uint32)
>>> numba.njit(lambda w, out: sha1_block8(w, out))(w, out)
>>> out[:, 3].astype(">u4").tobytes() == hashlib.sha1(b"abc").digest()
True
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from processors.fast.hashes import _IV, _SIGMA

_I64, _I32 = ir.IntType(64), ir.IntType(32)
_V4, _V8 = ir.VectorType(_I64, 4), ir.VectorType(_I32, 8)


def _splat(vec: ir.VectorType, value: int) -> ir.Constant:
    return ir.Constant(vec, [ir.Constant(vec.element, value)] * vec.count)


def _rows(context, builder, arrtype, arr, vec):  # noqa: ANN001, ANN202
    """A pointer to the array's data as rows of one vector each (C-contiguous (rows, lanes) arrays)."""
    return builder.bitcast(context.make_array(arrtype)(context, builder, arr).data, vec.as_pointer())


def _load(builder, ptr, i):  # noqa: ANN001, ANN202
    return builder.load(builder.gep(ptr, [ir.Constant(_I32, i)]), align=8)


def _store(builder, ptr, i, value):  # noqa: ANN001, ANN202
    builder.store(value, builder.gep(ptr, [ir.Constant(_I32, i)]), align=8)


def _rotr(builder, x, n, vec, bits):  # noqa: ANN001, ANN202
    return builder.or_(builder.lshr(x, _splat(vec, n)), builder.shl(x, _splat(vec, bits - n)))


@intrinsic
def blake2b_final4(typingctx, h, m, t):  # noqa: ANN001, ANN201 - numba intrinsic
    """Final-block BLAKE2b compression of four messages in place (see the module docstring)."""
    sig = types.void(h, m, t)

    def codegen(context, builder, sig, args):  # noqa: ANN001, ANN202
        hp, mp, tp = (_rows(context, builder, a, v, _V4) for a, v in zip(sig.args, args, strict=True))
        hs = [_load(builder, hp, i) for i in range(8)]
        ms = [_load(builder, mp, i) for i in range(16)]
        v = hs + [_splat(_V4, int(x)) for x in _IV]
        v[12] = builder.xor(v[12], _load(builder, tp, 0))
        v[14] = builder.xor(v[14], _splat(_V4, (1 << 64) - 1))

        def g(a, b, c, d, x, y):  # noqa: ANN001, ANN202
            v[a] = builder.add(builder.add(v[a], v[b]), x)
            v[d] = _rotr(builder, builder.xor(v[d], v[a]), 32, _V4, 64)
            v[c] = builder.add(v[c], v[d])
            v[b] = _rotr(builder, builder.xor(v[b], v[c]), 24, _V4, 64)
            v[a] = builder.add(builder.add(v[a], v[b]), y)
            v[d] = _rotr(builder, builder.xor(v[d], v[a]), 16, _V4, 64)
            v[c] = builder.add(v[c], v[d])
            v[b] = _rotr(builder, builder.xor(v[b], v[c]), 63, _V4, 64)

        for r in range(12):
            s = [int(x) for x in _SIGMA[r % 10]]
            for k, (a, b, c, d) in enumerate([(0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                                              (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)]):
                g(a, b, c, d, ms[s[2 * k]], ms[s[2 * k + 1]])
        for i in range(8):
            _store(builder, hp, i, builder.xor(hs[i], builder.xor(v[i], v[i + 8])))
        return context.get_dummy_value()

    return sig, codegen


_SHA1_H = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0)
_SHA1_K = (0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xCA62C1D6)


@intrinsic
def sha1_block8(typingctx, w, out):  # noqa: ANN001, ANN201 - numba intrinsic
    """SHA-1 of one padded block for each of eight messages (see the module docstring)."""
    sig = types.void(w, out)

    def codegen(context, builder, sig, args):  # noqa: ANN001, ANN202
        wp, op = (_rows(context, builder, a, v, _V8) for a, v in zip(sig.args, args, strict=True))
        ws = [_load(builder, wp, i) for i in range(16)]
        a, b, c, d, e = (_splat(_V8, x) for x in _SHA1_H)
        ones = _splat(_V8, 0xFFFFFFFF)
        for i in range(80):
            if i >= 16:
                x = builder.xor(builder.xor(ws[(i - 3) % 16], ws[(i - 8) % 16]),
                                builder.xor(ws[(i - 14) % 16], ws[i % 16]))
                ws[i % 16] = _rotr(builder, x, 31, _V8, 32)
            if i < 20:
                f = builder.or_(builder.and_(b, c), builder.and_(builder.xor(b, ones), d))
            elif 40 <= i < 60:
                f = builder.or_(builder.and_(b, c), builder.and_(d, builder.or_(b, c)))
            else:
                f = builder.xor(builder.xor(b, c), d)
            temp = builder.add(builder.add(_rotr(builder, a, 27, _V8, 32), f),
                               builder.add(builder.add(e, _splat(_V8, _SHA1_K[i // 20])), ws[i % 16]))
            e, d, c, b, a = d, c, _rotr(builder, b, 2, _V8, 32), a, temp
        for i, x in enumerate((a, b, c, d, e)):
            _store(builder, op, i, builder.add(x, _splat(_V8, _SHA1_H[i])))
        return context.get_dummy_value()

    return sig, codegen
