"""Property tests: no parser raises, whatever the input; every entry is accounted for.

Random text, random JSON values and mutations of valid lines (truncation,
byte flips, inserted separators, extra trailing fields) go through every
registered parser. Each entry must end up as exactly one event, one dead
letter or one counted drop, and every event must carry the common fields.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.core.model import Entry, ParseResult, Position
from streams.core.registry import PARSERS

DATA = Path(__file__).resolve().parents[1] / "data" / "parsers"
SEEDS = {path.stem: [line for line in path.read_text().splitlines() if line] for path in sorted(DATA.glob("*.log"))}
PARSER_TYPES = PARSERS.names()
PARSER_OBJECTS = {name: PARSERS.get(name).factory(PARSERS.get(name).config(type=name)) for name in PARSER_TYPES}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
field_keys = st.sampled_from(["eventTime", "timestamp", "updatedAt", "type", "id", "requestTime", "httpRequest",
                              "userIdentity", "detail", "message", "srcaddr", "query_timestamp", "record", "status"])
likely_objects = st.dictionaries(field_keys, json_values, max_size=8)
values = st.text(max_size=300) | json_values | likely_objects


def _check(result: ParseResult, count: int) -> None:
    accounted = len(result.events) + len(result.errors) + sum(result.dropped.values())
    assert accounted == count
    for event in result.events:
        assert isinstance(event.doc["@timestamp"], str)
        assert event.doc["cloud"]["provider"] == "aws"
        assert event.doc["event"]["dataset"] == event.dataset
        assert "kind" in event.doc["event"]
    for error in result.errors:
        assert error.reason and error.position is not None
        # Bad input must be recognised as such, not caught as an unexpected exception.
        assert not error.reason.startswith("internal:"), error


def _entries(items: list) -> list[Entry]:
    return [Entry(value, Position("prop", "s", "0", str(i))) for i, value in enumerate(items)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(values, min_size=1, max_size=5))
def test_random_input_never_raises(items: list) -> None:
    for parser in PARSER_OBJECTS.values():
        _check(parser.parse(_entries(items)), len(items))


def _mutate(line: str, data: st.DataObject) -> str:
    kind = data.draw(st.sampled_from(["truncate", "flip", "insert", "extend", "unicode", "repeat", "bignum"]))
    if not line:
        return line
    at = data.draw(st.integers(0, len(line)))
    if kind == "truncate":
        return line[:at]
    if kind == "flip":
        char = data.draw(st.characters())
        return line[:at] + char + line[at + 1:]
    if kind == "insert":
        return line[:at] + data.draw(st.sampled_from([" ", "\t", '"', "-", "{", "]", "\x00", "\n"])) + line[at:]
    if kind == "extend":
        return line + " " + data.draw(st.text(max_size=40))
    if kind == "bignum":
        return line[:at] + data.draw(st.sampled_from(["99999999999999999999", "-1", "1e400", "0.0.0", "NaN"])) + line[at:]
    if kind == "unicode":
        return line[:at] + "ü😀\u200b" + line[at:]
    return line * data.draw(st.integers(2, 50))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_lines_never_raise(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(SEEDS)))
    line = data.draw(st.sampled_from(SEEDS[name]))
    mutated = [_mutate(line, data) for _ in range(3)]
    for parser_name in {name.split("-")[0], "json", "text"}:
        if parser_name in PARSER_OBJECTS:
            _check(PARSER_OBJECTS[parser_name].parse(_entries(mutated)), len(mutated))


def test_every_dataset_has_seed_lines() -> None:
    datasets = {name.split("-")[0] for name in SEEDS}
    assert set(PARSER_TYPES) <= datasets, set(PARSER_TYPES) - datasets
