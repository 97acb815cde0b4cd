"""Interning across blocks on the fast ALB path: stable codes, bounded tables, the same documents and aggregates."""

from __future__ import annotations

from pathlib import Path

import maxminddb
import numpy as np
import orjson
import pytest

from processors.fast.alb import SCHEMA, AlbFastPath
from processors.fast.alb_geo import NetworkFragments
from processors.fast.alb_intern import IntCodes, SpanCodes
from processors.fast.alb_tables import CLIENT, SPANS, AlbTables
from processors.fast.detect import aggregate_columns, columns_support
from processors.fast.tables import VpcTables
from streams.core.config import validate_detectors
from streams.core.metrics import CACHE_SIZE
from streams.core.model import Position, Record
from streams.core.registry import DETECTORS
from tests.benchmarks.bench_pipeline import geoip_databases
from tests.fast.partials import assert_same_aggregates
from tests.fast.test_alb import ATTRS, ODD, _chain, generated

DETECTOR_SPECS = [
    {"name": "e", "type": "error_rate", "datasets": ["elb"]},
    {"name": "l", "type": "log_rate", "keys": ["aws.elb.name", "source.ip"], "explain_capacity": 2,
     "explain": ["url.path", "url.query", "user_agent.original", "http.request.method", "url.extension",
                 "aws.elb.ssl_cipher", "source.address", "aws.elb.backend.ip", "http.response.status_code"]},
]
LINE = ('https 2018-07-02T22:23:00.186641Z app/lb/{name} {client}:2817 10.0.0.1:80 0.000 0.001 0.000 {status} 200 '
        '34 366 "GET {url} HTTP/1.1" "{agent}" ECDHE {tls} arn "Root=1" "-" "-" 0 - "forward" "-" "-" "" "" "-" "-"')


def _replay(blocks: list[list[str]], enrichers: list | None, cache_size: int) -> AlbFastPath:
    """Process ``blocks`` with one fast path (tables of ``cache_size``); every block's documents and detector
    aggregates must equal the reference chain's."""
    fast_path = AlbFastPath(_chain(enrichers))
    fast_path.tables = AlbTables(fast_path.tables.geo.geoip, fast_path.tables.user_agent, cache_size)
    detectors = [DETECTORS.build(spec) for spec in validate_detectors(DETECTOR_SPECS)]
    assert all(columns_support(d, SCHEMA) is None for d in detectors)
    first = 1
    for lines in blocks:
        block = ("\n".join(lines) + "\n").encode()
        fast = fast_path.process("replay", "f.log", block, first, dict(ATTRS))
        records = [Record(line, Position("replay", "f.log", "", str(first + i)), 0.0, dict(ATTRS))
                   for i, line in enumerate(block.split(b"\n")) if line.strip()]
        reference = _chain(enrichers).process(records)
        expected = {e.id: orjson.dumps({"_id": e.id, **e.doc}) for e in reference.events}
        got = bytes(fast.ndjson).splitlines()
        assert got == [expected[i.tobytes().decode()] for i in fast.ids]
        slow_ids = {e.id for e in fast.slow.events}
        for detector in detectors:
            want = detector.aggregate([e for e in reference.events if e.id not in slow_ids])
            assert_same_aggregates(want, aggregate_columns(detector, fast))
        first += len(lines)
    return fast_path


def _blocks(lines: list[str], size: int) -> list[list[str]]:
    return [lines[k:k + size] for k in range(0, len(lines), size)]


def test_tables_cleared_mid_file_give_the_same_documents_and_aggregates() -> None:
    lines = generated(1600, seed=11)
    path = _replay(_blocks(lines[:800] + ODD + lines[800:], 200), None, cache_size=48)  # ~100 clients a block
    tables = path.tables
    assert tables.gen.rows == 200  # a block held more values than cache_size: restarted with room for a block
    assert tables.gen.columns[SPANS].codes.count <= 4 * 200  # four span columns
    assert CACHE_SIZE.labels(cache="fast.alb_addresses")._value.get() <= 200


@pytest.mark.parametrize("geoip", [False, True])
def test_the_same_values_in_many_blocks_keep_their_codes(tmp_path: Path, geoip: bool) -> None:
    enrichers: list = [{"type": "network"}]
    if geoip:
        city, asn = geoip_databases(tmp_path)
        enrichers.append({"type": "geoip", "city_database": city, "asn_database": asn})
    lines = generated(1200, seed=12)
    path = _replay(_blocks(lines + lines[:300], 300), enrichers, cache_size=65_536)
    gen = path.tables.gen
    fragments = gen.store.count
    block = path.process("replay", "f.log", ("\n".join(lines[:300]) + "\n").encode(), 1, dict(ATTRS))
    assert block.interned is not None and block.interned.gen is gen and gen.store.count == fragments  # no new value
    clients = gen.columns[CLIENT]
    texts = [line.split(" ")[3].rsplit(":", 1)[0] for line in lines[:300]]
    assert [clients.texts[c] for c in block.interned.codes[CLIENT][1].tolist()] == texts
    assert (b'"geo":' in bytes(block.ndjson)) == geoip


def test_absent_dash_and_equal_converted_values() -> None:
    base = {"name": "a", "client": "1.2.3.4", "status": 200, "agent": "curl", "tls": "TLSv1.2"}
    rows = [
        {**base, "url": "http://x.com:80/p/a.txt?q=1"},
        {**base, "url": "https://y.com/p/a.txt", "agent": "-", "tls": "-", "status": 503},  # same path, other URL
        {**base, "url": "http://x.com:80/p/b?", "name": "b", "client": "1.2.3.5"},
        {**base, "url": "http://x.com:80/p/a.txt?q=1", "agent": "", "status": 503},
    ]
    lines = [LINE.format(**row) for row in rows]
    path = _replay([lines, lines[::-1]], [{"type": "user_agent"}], cache_size=4)
    block = path.process("replay", "f.log", ("\n".join(lines) + "\n").encode(), 1, dict(ATTRS))
    codes, values = block.values("url.path")
    assert [values[c] for c in codes] == ["/p/a.txt", "/p/a.txt", "/p/b", "/p/a.txt"]
    assert len(set(codes.tolist())) == 2  # equal converted values merged: top values count them together
    codes, values = block.values("user_agent.original")
    assert [values[c] for c in codes] == ["curl", None, "curl", None]
    codes, values = block.values("url.query")
    assert [values[c] for c in codes] == ["q=1", None, None, "q=1"]


def test_span_and_int_codes_grow_then_refuse_past_the_limit() -> None:
    words = [f"w{k:03d}-{'x' * (k % 70)}" for k in range(300)]
    text = " ".join(words).encode()
    data = np.frombuffer(text, np.uint8)
    starts = np.array([0] + [k + 1 for k, b in enumerate(text) if b == 32])
    ends = np.array([k for k, b in enumerate(text) if b == 32] + [len(text)])
    spans = SpanCodes(limit=300, capacity=4)  # grows its table and byte buffer several times
    codes = spans.codes(data, starts, ends)
    assert codes is not None and codes.tolist() == list(range(300))
    assert [spans.text(c).decode() for c in range(300)] == words
    again = spans.codes(data, starts[::-1].copy(), ends[::-1].copy())
    assert again is not None and again.tolist() == list(range(299, -1, -1)) and spans.new == 300
    assert SpanCodes(limit=299).codes(data, starts, ends) is None
    ints = IntCodes(limit=5000, capacity=2)
    values = np.arange(4000, dtype=np.int64) * 7919 % 100_003
    first = ints.codes(values)
    assert first is not None and first.tolist() == list(range(4000))
    assert ints.codes(values[::-1].copy()).tolist() == list(range(3999, -1, -1))
    assert ints.values(np.array([0, 3999])).tolist() == [values[0], values[3999]]


def test_a_detector_column_over_the_limit_starts_over() -> None:
    data = np.frombuffer(b"a b c d", np.uint8)
    tables = AlbTables(None, None, cache_size=2)
    spans = np.array([[0, 1], [2, 3]])
    block = tables.intern(data, (spans, spans), (spans, spans), [(0, "tls", 0, 0, 1)], None)
    assert tables.column(block, "tok2", data, np.array([0, 2]), np.array([1, 3]))[1] == ["a", "b", None]
    old = block.gen.columns["tok2"]
    codes, values = tables.column(block, "tok2", data, np.array([4, 6, 0]), np.array([5, 7, 1]))
    assert [values[c] for c in codes] == ["c", "d", "a"] and block.gen.columns["tok2"] is not old
    assert old.texts == ["a", "b"]  # what earlier blocks' codes refer to is left alone


@pytest.mark.parametrize("config", [{}, {"asn_database": None}, {"fields": ["destination"]}])
def test_network_fragments_equal_the_per_address_fragments(tmp_path: Path, config: dict) -> None:
    city, asn = geoip_databases(tmp_path)
    spec = {"type": "geoip", "city_database": city, "asn_database": asn, **config}
    geoip = _chain([{k: v for k, v in spec.items() if v is not None}]).enrichers[0]
    rng = np.random.default_rng(5)
    values = [*rng.integers(0, 2**32, 3000).tolist(), *(rng.integers(0, 2**16, 500) + (52 << 24)).tolist(),
              0x0A000001, 0x64400001, 0xE0000001, 0x08080808, 0xFFFFFFFF, 0]
    networks, reference = NetworkFragments(geoip, 1 << 16), VpcTables(None, geoip)
    got = [networks.fragment(v) for v in values]
    assert got == [reference._address(v)[0] for v in values]
    assert len(networks.nets) < len(set(values)) and (any(got) == (config != {"fields": ["destination"]}))


def test_a_reloaded_geoip_database_starts_a_fresh_generation(tmp_path: Path) -> None:
    city, asn = geoip_databases(tmp_path)
    path = AlbFastPath(_chain([{"type": "geoip", "city_database": city, "asn_database": asn}]))
    block = ("\n".join(generated(300, seed=4)) + "\n").encode()
    first = path.process("replay", "f.log", block, 1, dict(ATTRS)).interned
    assert first is not None and path.process("replay", "f.log", block, 1, dict(ATTRS)).interned.gen is first.gen
    geoip = path.tables.geo.geoip
    geoip.city.reader = maxminddb.open_database(city)  # what FollowingReader.refresh does after a change
    again = path.process("replay", "f.log", block, 1, dict(ATTRS))
    assert again.interned is not None and again.interned.gen is not first.gen and path.tables.geo.nets
