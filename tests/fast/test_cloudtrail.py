"""The CloudTrail block fast path writes what the reference chain writes: documents, ids, dead letters, findings."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson
import pytest

from detectors.fields import EventClock, field_getter
from processors.chain import ParserSet, ProcessorChain
from processors.fast.cloudtrail import KEYS, REMEMBERED, SCHEMA, CloudTrailFastPath, build
from processors.fast.trail_parts import INTERNED
from processors.parsers.cloudtrail import CloudTrailConfig
from streams.core.config import validate, validate_component
from streams.core.model import Position, Record
from streams.core.registry import ENRICHERS
from streams.generator.engine import TrafficGenerator, TrafficSettings
from streams.runtime.pipeline import Pipeline
from tests.benchmarks.bench_pipeline import geoip_databases, pipeline_config
from tests.elastic_compat import COMPAT_DIR

DATA = Path(__file__).parents[1] / "data" / "parsers"
PATH = "/logs/trail.log"


@pytest.fixture(scope="module")
def geoip(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return geoip_databases(tmp_path_factory.mktemp("geoip"))


@pytest.fixture(scope="module")
def make_chain(geoip: tuple[str, str]) -> Callable[..., ProcessorChain]:
    def make(params_mode: str = "both") -> ProcessorChain:
        specs = [{"type": "network"}, {"type": "geoip", "city_database": geoip[0], "asn_database": geoip[1]}]
        enrichers = [ENRICHERS.build(validate_component(ENRICHERS, s, "enrichers", [])) for s in specs]
        parsers = ParserSet({"cloudtrail": CloudTrailConfig(type="cloudtrail", params_mode=params_mode)})
        return ProcessorChain("auto", "cloudtrail", parsers, enrichers)
    return make


def generated(lines: int, seed: int = 7, rate: float = 50.0, start: str = "2024-01-01T00:00:00Z") -> list[bytes]:
    settings = TrafficSettings(seed=seed, start=start, rate=rate, max_records=lines, datasets={"cloudtrail": 1.0})
    return [line.encode() for chunk in TrafficGenerator(settings).chunks() for line in chunk.lines]


def assert_same(make_chain: Callable[..., ProcessorChain], lines: list[bytes], params_mode: str = "both",
                first_line: int = 1, min_fast: int = 0) -> None:
    """The fast path's block output (rendered + reference-handled lines) equals the reference chain's."""
    fast = CloudTrailFastPath(make_chain(params_mode))
    block = b"\n".join(lines) + b"\n"
    batch = fast.process("file", PATH, block, first_line, {"dataset": "cloudtrail"})
    records = [Record(line.rstrip(b"\r"), Position("file", PATH, "", str(first_line + i)), 0.0, {"dataset": "cloudtrail"})
               for i, line in enumerate(lines) if line.strip()]
    reference = make_chain(params_mode).process(records)
    want = {e.id: orjson.dumps({"_id": e.id, **e.doc}) for e in reference.events}
    rendered = batch.rendered().splitlines()
    got = {orjson.loads(line)["_id"]: line for line in rendered}
    assert len(got) == batch.documents == len(rendered)
    got.update({e.id: orjson.dumps({"_id": e.id, **e.doc}) for e in batch.slow.events})
    assert got == want
    assert [bytes(i).decode() for i in batch.ids] == [orjson.loads(line)["_id"] for line in rendered]
    letters = [(d.raw, d.reason, d.stage, d.position) for d in batch.slow.dead_letters]
    assert letters == [(d.raw, d.reason, d.stage, d.position) for d in reference.dead_letters]
    assert batch.slow.dropped == reference.dropped
    assert batch.lines == len(lines) and batch.last_line == first_line + len(lines) - 1
    assert batch.documents >= min_fast


def test_generated_records_render_as_the_reference(make_chain: Callable[..., ProcessorChain]) -> None:
    lines = generated(3000)
    assert_same(make_chain, lines, min_fast=3000)
    assert_same(make_chain, lines[:500], params_mode="text", first_line=41, min_fast=500)
    assert_same(make_chain, lines[:500], params_mode="flattened", min_fast=500)


def test_parser_and_elastic_fixtures(make_chain: Callable[..., ProcessorChain]) -> None:
    files = [DATA / "cloudtrail-records.log", *sorted((COMPAT_DIR / "cloudtrail").glob("*.log"))]
    lines = [line for f in files if f.exists() for line in f.read_bytes().splitlines()]
    records = []  # every record also on a line of its own, compact, whatever file shape it came in
    for line in lines:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        for record in value.get("Records", [value]) if isinstance(value, dict) else []:
            records.append(orjson.dumps(record))
    assert len(records) >= 4
    assert_same(make_chain, lines + records, min_fast=len(records))


def _mutations(rng: random.Random, line: bytes) -> list[bytes]:
    record = orjson.loads(line)
    keys = list(record)
    odd_values = [None, "", "-", 5, 1.5, -0.0, 10**30, True, False, [], {}, [1, "a", None], {"k": {"n": [1.0]}},
                  "caf\u00e9", "\u65e5\u672c", "a\"b", "tab\there", "back\\slash", "2001:db8::1", "10.0.0.1",
                  "ec2.amazonaws.com", "2024-01-01T00:00:00.123456Z", "2024-01-01T02:00:00+02:00", "ConsoleLogin"]
    out = []
    for _ in range(6):
        mutated = dict(record)
        key = rng.choice(keys)
        choice = rng.randrange(5)
        if choice == 0:
            del mutated[key]
        elif choice == 1:
            mutated[key] = rng.choice(odd_values)
        elif choice == 2 and isinstance(mutated.get("userIdentity"), dict):
            identity = dict(mutated["userIdentity"])
            identity[rng.choice([*identity, "sessionContext", "invokedBy"])] = rng.choice(odd_values)
            mutated["userIdentity"] = identity
        elif choice == 3:
            mutated["responseElements"] = {"ConsoleLogin": rng.choice(["Failure", "Success", None])}
            mutated["additionalEventData"] = {"MFAUsed": rng.choice(["Yes", "No", 1]), "LoginTo": "x"}
        else:
            mutated["errorCode"] = rng.choice(["AccessDenied", "", "-", None])
        ascii_only = rng.random() < 0.5  # json escapes non-ASCII as \\uXXXX, orjson writes UTF-8
        out.append(json.dumps(mutated, separators=(",", ":"), ensure_ascii=ascii_only).encode())
    text = line.decode()
    cut = rng.randrange(1, len(line))
    out += [line[:cut], json.dumps(record).encode(), json.dumps(record, ensure_ascii=False).encode(),
            line[:-1] + b',"eventName":"Dup"}', line[:-1] + b',"unknownKey":1}', line[:-1] + b',"addendum":{"a":[1,{}]}}',
            line[:-1] + b',"vpcEndpointAccountId":{"a" 1}}', line[:-1] + b',"x":1.5}', line[:-1] + b',"x":[1,]}',
            line[:-1] + b',"messageType":"DATA_MESSAGE"}', line[:-1] + b',"records":[]}', line[:-1] + b',"x":"\\u00e9"}',
            line[:-1] + b',"Findings":[]}', b'{"Records":[],' + line[1:], b'{"Records":[' + line + b"]}",
            text.replace('"eventTime"', '"event\\u0054ime"').encode(), text.replace('"us-east-1"', '"us-\\u0065ast-1"').encode(),
            b"[" + line + b"]", b'"just a string"', b"5", b"null", b"{}", b"  " + line + b"  ", line + b"\r", b"", b"   ",
            line.replace(b'"readOnly":true', b'"readOnly":1'), line.replace(b'"readOnly":', b'"readOnly":01'),
            line.replace(b'"readOnly":', b'"readOnly" : 1e5 , "x":'), line.replace(b":{", b":{ \"deep\": " * 70, 1),
            text.replace("aws-cli", "aws\u2028cli").encode(), line.replace(b'"1.08"', b'"1.08\x01"')]
    return out


def test_mutated_records_take_the_reference_path_or_render_identically(make_chain: Callable[..., ProcessorChain]) -> None:
    rng = random.Random(11)
    lines = generated(300, seed=3)
    mutated = [m for line in lines for m in _mutations(rng, line)]
    rng.shuffle(mutated)
    assert_same(make_chain, mutated, first_line=1000)


def _scans(lines: list[bytes], remembered: tuple[str, ...]) -> list[np.ndarray]:
    data = np.frombuffer(b"\n".join(lines) + b"\n", np.uint8)
    ends = np.flatnonzero(data == 10)
    starts = np.concatenate(([0], ends[:-1] + 1))
    return list(KEYS.scan_interned(data, starts, ends, INTERNED, remembered))


def test_remembered_values_scan_as_walked_values() -> None:
    """A value taken from the scanner's memory has the span, kind and code the walk gives it, whatever follows."""
    rng = random.Random(13)
    lines = generated(600, seed=5)
    lines += [m for line in lines[:100] for m in _mutations(rng, line)]
    identity = b'{"type":"IAMUser","principalId":"AIDA1","arn":"arn:aws:iam::1:user/x","userName":"x"}'
    tls = b'{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s"}'
    for follow in (b"}", b',"eventName":"A"}', b'}}', b',}', b"", b' , "userAgent":"%s"}' % (b"u" * 40),
                   b',"userAgent":"%s"}' % (b"u" * 40), b',"userIdentity":1}'):
        for value in (identity, identity[:-1] + b',"x":[1,{"y":"}"}]}', identity[:-2], tls % b"a.example",
                      tls % b"b.example", b'"%s"' % (b"v" * 30), b'"%s\\"' % (b"v" * 30), b'[{"a":"]"}, 1]'):
            for key in (b"userIdentity", b"tlsDetails", b"userAgent", b"resources"):
                lines.append(b'{"eventVersion":"1.08","%s":%s%s' % (key, value, follow))
    rng.shuffle(lines)
    plain, remembered = _scans(lines, ()), _scans(lines, REMEMBERED)
    for walked, recalled in zip(plain, remembered, strict=True):
        assert np.array_equal(walked, recalled)
    assert (plain[0] == 0).sum() > 600


PARAM_TEXTS = [b"{}", b"[]", b"null", b"true", b"7", b'"text"', b'{"a":1,"a":2}', b'{"a":{"b":1,"b":1}}', b'[{"a":1},{"a":1}]',
               b'{"a": [1, 2, {"b": null}] , "c" : "d"}', b'{"f":1.5}', b'{"e":1e3}', b'{"z":-0}', b'{"n":-12}',
               b'{"big":12345678901234567890}', b'{"s":"a\\"b"}', b'{"u":"\\u00e9"}', b'{"t":[1,]}', b'{"t":[1 2]}',
               b'{"k" 1}', b'{"k":01}', b'{"k":tru}', b'{"ConsoleLogin":"Failure"}', b'{"x":"ConsoleLogin"}',
               b'["a", ["b", []], {}]', b'{"deep":' * 40 + b"1" + b"}" * 40, b'{"a":{"b":{"c":[true,false,null]}}}',
               b'"', b'{"a":1}}', b'[1]]', b'{"nested":{"ConsoleLogin":"Failure"}}', b' {"pad": 1} ']


def test_parameter_values_render_as_the_reference(make_chain: Callable[..., ProcessorChain]) -> None:
    rng = random.Random(5)
    keys = ["requestParameters", "responseElements", "additionalEventData", "serviceEventDetails"]
    lines = []
    for line in generated(200, seed=9):
        record = orjson.loads(line)
        chosen = rng.sample(keys, rng.randrange(1, 4))
        record.update({key: f"@{i}@" for i, key in enumerate(chosen)})
        line = orjson.dumps(record)
        for i in range(len(chosen)):
            line = line.replace(f'"@{i}@"'.encode(), rng.choice(PARAM_TEXTS))
        lines.append(line)
    for mode in ("both", "text", "flattened"):
        assert_same(make_chain, lines, params_mode=mode, min_fast=100)


ADDRESSES = ["198.51.100.7", "45.2.143.122", "10.0.0.1", "2001:db8::1", "ec2.amazonaws.com", "", "-", None, 5, "AWS Internal"]
IDENTITIES = [None, {}, {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}, {"type": "AWSService"},
              {"type": "IAMUser", "principalId": "AIDA1", "arn": "arn:aws:iam::1:user/x", "accountId": "2", "userName": "x"},
              {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/r/s", "accountId": "",
               "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "r", "arn": "a"},
                                  "attributes": {"creationDate": "2024-01-01T00:00:00Z", "mfaAuthenticated": "true"}}},
              {"type": "Root", "arn": "arn:aws:iam::1:root", "sessionContext": {"attributes": {"creationDate": "bad"}}},
              {"userName": 5, "principalId": None, "invokedBy": "x", "type": "AWSService"}, "not an object", [1]]


def test_every_address_with_every_identity(make_chain: Callable[..., ProcessorChain]) -> None:
    base = orjson.loads(generated(1)[0])
    lines = []
    for address in ADDRESSES:
        for identity in IDENTITIES:
            for recipient in ("123456789012", "-", None):
                record = {**base, "sourceIPAddress": address, "userIdentity": identity, "recipientAccountId": recipient}
                lines.append(orjson.dumps({k: v for k, v in record.items() if v is not None or k == "userIdentity"}))
    assert_same(make_chain, lines, min_fast=200)


def test_columns_and_times_are_what_the_detectors_read_from_the_documents(
        make_chain: Callable[..., ProcessorChain]) -> None:
    rng = random.Random(2)
    lines = generated(1500, seed=4)
    lines += [m for line in lines[:150] for m in _mutations(rng, line)]
    batch = CloudTrailFastPath(make_chain()).process("file", PATH, b"\n".join(lines) + b"\n", 1, {})
    docs = [orjson.loads(line) for line in batch.rendered().splitlines()]
    assert batch.documents == len(docs) > 1500
    for path in sorted(SCHEMA.fields):
        codes, values = batch.values(path)
        get = field_getter(path)
        assert [values[c] for c in codes.tolist()] == [get(doc) for doc in docs], path
        assert len(values) == len({(type(v), v) for v in values}), path
    clock = EventClock("@timestamp")
    assert batch.times("@timestamp").tolist() == [clock.epoch(doc) for doc in docs]
    assert SCHEMA.absent("destination.port") and SCHEMA.absent("http.response.status_code")
    assert not SCHEMA.absent("user.name") and not SCHEMA.absent("aws.cloudtrail.flattened.x")


def test_build_says_why_not(make_chain: Callable[..., ProcessorChain]) -> None:
    chain = make_chain()
    assert isinstance(build(chain, include_id=True, keep_original=False, sample=b'{"eventVersion"'), CloudTrailFastPath)
    assert build(chain, include_id=True, keep_original=True, sample=b"{") == "keep_original"
    assert "one CloudTrail record per line" in build(chain, include_id=True, keep_original=False, sample=b'{"Records": [')
    plain = ProcessorChain("auto", "cloudtrail", ParserSet(), [ENRICHERS.build(validate_component(
        ENRICHERS, {"type": "user_agent"}, "enrichers", []))])
    assert build(plain, include_id=True, keep_original=False, sample=b"{") == "enrichers ['user_agent']"


def _spiky_file(path: Path) -> None:
    """Five quiet minutes, thirty busy seconds, then quiet again (log_rate sees a spike)."""
    segments = [("2024-01-01T00:00:00Z", 10.0, 3000), ("2024-01-01T00:05:00Z", 150.0, 4500),
                ("2024-01-01T00:05:30Z", 10.0, 1500)]
    with open(path, "wb") as fh:
        for seed, (start, rate, lines) in enumerate(segments):
            fh.write(b"\n".join(generated(lines, seed=seed, rate=rate, start=start)) + b"\n")


def _run(path: Path, out: Path, fast: bool, geoip: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple:
    monkeypatch.setenv("LOGWARDEN_FASTPATH", "1" if fast else "0")
    data = pipeline_config(path, out, *geoip, dataset="cloudtrail").raw.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    data["detectors"] = [{"name": "log-rate", "type": "log_rate", "keys": ["dataset", "event.action"],
                          "explain": ["source.ip", "user.name", "user_agent.original"],
                          "window": {"seconds": 10, "allowed_lateness_seconds": 0}, "model": {"warmup": 5}}]
    pipeline = Pipeline(validate(data, "test"))
    summary = asyncio.run(pipeline.run()).as_dict()
    docs = sorted((out / "documents" / "aws.cloudtrail.ndjson").read_bytes().splitlines())
    found = [orjson.loads(line) for line in (out / "findings.ndjson").read_bytes().splitlines()]
    findings = sorted(orjson.dumps({k: v for k, v in f.items() if k != "@timestamp"}, option=orjson.OPT_SORT_KEYS)
                      for f in found)
    return docs, findings, summary, dict(pipeline.fast_paths)


def test_fast_and_reference_pipeline_agree(tmp_path: Path, geoip: tuple[str, str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "trail.log"
    _spiky_file(source)
    fast_docs, fast_findings, fast, paths = _run(source, tmp_path / "fast", True, geoip, monkeypatch)
    ref_docs, ref_findings, ref, _ = _run(source, tmp_path / "ref", False, geoip, monkeypatch)
    assert list(paths.values()) == ["aws.cloudtrail"]
    assert len(fast_docs) == 9000 and fast_docs == ref_docs
    assert len(fast_findings) >= 1 and fast_findings == ref_findings
    for key in ("records_in", "documents", "dead_letters", "findings"):
        assert fast[key] == ref[key], key
