"""The ALB fast path gives the reference chain's documents, dead letters and detector aggregates, line for line."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import orjson
import pytest

from processors.chain import ParserSet, ProcessorChain, build_enrichers
from processors.fast.alb import SCHEMA, AlbFastPath, build
from processors.fast.base import build_fast_path
from processors.fast.detect import aggregate_columns, columns_support
from streams.core.config import validate, validate_detectors
from streams.core.model import Position, Record
from streams.core.registry import DETECTORS, ENRICHERS
from streams.generator.engine import TrafficGenerator, TrafficSettings
from streams.runtime.pipeline import Pipeline
from tests.benchmarks.bench_pipeline import generate, geoip_databases, pipeline_config
from tests.elastic_compat import COMPAT_DIR
from tests.fast.partials import assert_same_aggregates

DATA = Path(__file__).parents[1] / "data" / "parsers"
ATTRS = {"key": "f.log", "dataset": "elb"}
ODD = [  # every kind of line the kernel must decline or get exactly right
    'http 2018-07-02T22:23:00.186641Z app/lb/1 192.168.1.9:2817 - -1 -1 -1 502 - 34 366 "GET http://x.com/a.b?c HTTP/1.1" "-" - - - "-" "-" "-" - - "-" "-" "-" "" "  " "-"',
    'http 2018-07-02T22:23:00Z app/lb/1 192.168.1.9:02817 10.0.0.1:080 nan 1e-05 100.0 099 0200 -0 0012 "GET  /p  HTTP/2.0" "a b" c TLSv1.3',
    'http 2018-02-30T22:23:00.1Z app/lb/1 192.168.1.9:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET / HTTP/1.1" "x" - -',
    'http 2018-07-02X22:23:00.186641Z app/lb/1 192.168.1.9:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET / HTTP/1.1" "x" - -',
    'wss 2018-07-02T22:23:00.186641Z app/lb/1 192.168.1.9:2817 192.168.1.9:2817 0.000 0.001 0.000 600 200 34 366 "GET HTTP/1.1" "x" - tlsv12 arn "t" "d" "c" 1 2018-07-02T22:23:00Z "a,,b," "r" "e" "1.2.3.4:80  5.6.7.8:80" "200 -" "c" "cr" t h u s extra "more"',
    'https 2018-07-02T22:23:00.186641Z app/lb/1 1.2.3.4:1 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "- http://x/ HTTP/1.1" "x\\"y" - -',
    'https 2018-07-02T22:23:00.186641Z app/lb/1 1.2.3.4:1 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://x:99999999/ HTTP/1.1" "x" - -',
    'h2 2018-07-02T22:23:00.186641Z app/lb/1 1.2.3.4:1 10.0.0.1:80 0.000 0.001 0.000 -1 200 34 366 "GET / HTTP/1.1" "x" - -',
    'h2 2018-07-02T22:23:00.186641Z app/lb/1 1.2.3.4:1 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET / HTTP/1.1"x "x" - -',
    '   ',
    '{"message": "http 2018-07-02T22:23:00.186641Z app/lb/1 1.2.3.4:1 10.0.0.1:80 0 0 0 200 200 3 3 \\"GET / HTTP/1.1\\" x - -"}',
]


def fixture_lines() -> list[str]:
    lines = [line for name in ("alb", "classic", "nlb", "connection")
             for line in (DATA / f"elb-{name}.log").read_text().splitlines()]
    elastic = COMPAT_DIR / "elb_logs" / "test-alb.log"
    return lines + (elastic.read_text().splitlines() if elastic.exists() else [])


def generated(n: int, seed: int = 3) -> list[str]:
    settings = TrafficSettings(seed=seed, rate=200.0, max_records=n, datasets={"elb": 1.0})
    return [line for chunk in TrafficGenerator(settings).chunks() for line in chunk.lines]


def mutated(lines: list[str], count: int, seed: int = 7) -> list[str]:
    """Random edits where the kernel has to decide: quotes, backslashes, dashes, spaces, digits, dropped tokens."""
    rng = random.Random(seed)
    edits = ['"', "\\", "-", " ", "  ", "", "0", "9", ":", ".", "-1", ",", "é", "\t", "Z", "x"]
    out = []
    for _ in range(count):
        line = rng.choice(lines)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(line) + 1)
            if rng.random() < 0.3:
                parts = line.split(" ")
                del parts[rng.randrange(len(parts))]
                line = " ".join(parts)
            else:
                line = line[:at] + rng.choice(edits) + line[at + rng.randint(0, 2):]
        out.append(line)
    return out


def _chain(enrichers: list[dict] | None = None) -> ProcessorChain:
    configs = None if enrichers is None else [ENRICHERS.get(e["type"]).config.model_validate(e) for e in enrichers]
    return ProcessorChain("auto", "elb", ParserSet(), build_enrichers(configs))


def _compare(lines: list[str], enrichers: list | None = None) -> object:
    block = ("\n".join(lines) + "\n").encode()
    fast = AlbFastPath(_chain(enrichers)).process("replay", "f.log", block, 1, dict(ATTRS))
    records = [Record(line.rstrip(b"\r\n"), Position("replay", "f.log", "", str(i)), 0.0, dict(ATTRS))
               for i, line in enumerate(block.split(b"\n"), 1) if line.strip()]
    reference = _chain(enrichers).process(records)
    expected = {e.id: orjson.dumps({"_id": e.id, **e.doc}) for e in reference.events}
    got = bytes(fast.ndjson).splitlines()
    assert len(got) == fast.documents and fast.ids.shape == (fast.documents, 32)
    for line, ident in zip(got, fast.ids, strict=True):
        assert line == expected[ident.tobytes().decode()]  # byte for byte: key order, numbers, escapes
    slow = {e.id: orjson.dumps({"_id": e.id, **e.doc}) for e in fast.slow.events}
    assert len(got) + len(slow) == len(expected) and all(expected[k] == v for k, v in slow.items())
    letters = sorted((d.position.offset, d.reason) for d in fast.slow.dead_letters)
    assert letters == sorted((d.position.offset, d.reason) for d in reference.dead_letters)
    return fast


def test_generated_fixture_and_odd_lines_equal_the_reference() -> None:
    fast = _compare(generated(3000)[:1500] + fixture_lines() + ODD + generated(3000)[1500:])
    assert fast.documents > 3000 and len(fast.slow.events) >= 10 and fast.slow.dead_letters


def test_mutated_lines_equal_the_reference() -> None:
    base = generated(200) + [line for line in fixture_lines() if line.split(" ", 1)[0] in ("http", "https", "h2")]
    fast = _compare(mutated(base, 3000))
    assert fast.documents > 300 and len(fast.slow.events) > 300 and len(fast.slow.dead_letters) > 30


def test_geoip_and_no_enrichers(tmp_path: Path) -> None:
    city, asn = geoip_databases(tmp_path)
    geo = {"type": "geoip", "city_database": city, "asn_database": asn}
    fast = _compare(generated(1500, seed=5) + ODD, [{"type": "network"}, geo, {"type": "user_agent"}])
    assert b'"geo":' in bytes(fast.ndjson)
    _compare(generated(300, seed=6) + fixture_lines(), [])


def test_build_says_why_not() -> None:
    assert isinstance(build_fast_path(_chain(), include_id=True, keep_original=False, sample=b"https 2024"), AlbFastPath)
    assert build(_chain(), include_id=True, keep_original=False, sample=b'{"message"') == "the input looks like JSON"
    assert "keep_original" in build(_chain(), include_id=True, keep_original=True, sample=b"")
    why = build(_chain([{"type": "network"}, {"type": "network"}]), include_id=True, keep_original=False, sample=b"")
    assert why.startswith("enrichers")


@pytest.fixture(scope="module")
def both() -> tuple:
    lines = generated(4000, seed=9) + ODD + fixture_lines()
    block = ("\n".join(lines) + "\n").encode()
    fast = AlbFastPath(_chain()).process("replay", "f.log", block, 1, dict(ATTRS))
    records = [Record(line, Position("replay", "f.log", "", str(i)), 0.0, dict(ATTRS))
               for i, line in enumerate(block.split(b"\n"), 1) if line.strip()]
    return fast, _chain().process(records)


@pytest.mark.parametrize("spec", [
    {"name": "l", "type": "log_rate", "keys": ["dataset"]},
    {"name": "e", "type": "error_rate", "datasets": ["elb"]},
    {"name": "l2", "type": "log_rate", "keys": ["aws.elb.name", "source.ip"], "explain_capacity": 2,
     "explain": ["url.path", "http.request.method", "aws.elb.backend.port", "destination.port", "url.extension",
                 "aws.elb.backend.ip", "source.address"]},
    {"name": "e2", "type": "error_rate", "keys": ["url.domain"], "window": {"seconds": 7},
     "condition": {"field": "aws.elb.backend.http.response.status_code", "op": "ge", "value": 400}},
])
def test_same_detector_inputs(both: tuple, spec: dict) -> None:
    fast, reference = both
    detector = DETECTORS.build(validate_detectors([spec])[0])
    assert columns_support(detector, SCHEMA) is None
    slow_ids = {e.id for e in fast.slow.events}
    ref = detector.aggregate([e for e in reference.events if e.id not in slow_ids])
    got = aggregate_columns(detector, fast)
    assert_same_aggregates(ref, got)


def _run(path: Path, out: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list, dict]:
    monkeypatch.setenv("LOGWARDEN_FASTPATH", "1" if fast else "0")
    config = pipeline_config(path, out, *geoip_databases(path.parent), dataset="alb")
    data = config.raw.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    for det in data["detectors"]:  # short windows, quick warm-up and a low bar so minutes of traffic give findings
        det["window"] = {"seconds": 10, "allowed_lateness_seconds": 0}
        det["model"] = {"warmup": 5}
    pipeline = Pipeline(validate(data, "test"))
    summary = asyncio.run(pipeline.run()).as_dict()
    summary["fast_paths"] = sorted(pipeline.fast_paths.values())
    docs = sorted((out / "documents" / "aws.elb_logs.ndjson").read_bytes().splitlines())
    findings_file = out / "findings.ndjson"
    found = [orjson.loads(line) for line in findings_file.read_bytes().splitlines()] if findings_file.exists() else []
    return docs, sorted((f["_id"], f["event"]["reason"], f["event"]["start"]) for f in found), summary


def test_fast_and_reference_pipeline_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "alb.log"
    generate(source, 12_000, "alb", rate=40.0)  # 5 simulated minutes: 30 windows per key
    with open(source, "a") as fh:
        fh.write("\n".join(ODD + fixture_lines()) + "\n")
    fast_docs, fast_findings, fast = _run(source, tmp_path / "fast", True, monkeypatch)
    ref_docs, ref_findings, ref = _run(source, tmp_path / "ref", False, monkeypatch)
    assert fast["fast_paths"] and not ref["fast_paths"]
    assert len(fast_docs) > 12_000 and fast_docs == ref_docs
    assert fast_findings == ref_findings and fast_findings  # the generator's 5xx share gives error_rate findings
    for key in ("records_in", "documents", "dead_letters", "findings"):
        assert fast[key] == ref[key], key
