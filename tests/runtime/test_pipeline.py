"""The local runtime: delivery, retries, dead letters, acks and backpressure."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from streams.core.config import validate
from streams.runtime.pipeline import Pipeline
from tests.runtime import components
from tests.runtime.components import ScriptedSink


@pytest.fixture(autouse=True)
def _test_components() -> object:
    """Register the throwaway test components only while these tests run."""
    from streams.core.registry import DECODERS, PARSERS, SINKS

    components.register()
    yield
    DECODERS.unregister("test_lines")
    PARSERS.unregister("test_csv")
    SINKS.unregister("scripted")


def _write_inputs(tmp_path: Path) -> list[str]:
    plain = tmp_path / "a.log"
    plain.write_text("".join(f"{1700000000 + i},k{i % 3},v{i}\n" for i in range(250)) + "garbage line\n")
    zipped = tmp_path / "b.log.gz"
    with gzip.open(zipped, "wt") as fh:
        fh.write("".join(f"{1700001000 + i},k{i % 3},{'poison' if i == 7 else 'ok'}\n" for i in range(120)))
    return [str(plain), str(zipped)]


def _config(tmp_path: Path, **sink: object) -> dict:
    out = tmp_path / "out"
    return {
        "pipeline": {"batch_size": 50, "max_in_flight_batches": 2, "retry_initial_seconds": 0.001, "retry_max_seconds": 0.01},
        "metrics": {"enabled": False},
        "sources": [
            {
                "type": "file",
                "paths": [str(tmp_path / "*.log*")],
                "dataset": "test_csv",
                "decoder": "test_lines",
                "checkpoint_path": str(tmp_path / "ckpt.json"),
            }
        ],
        "sinks": [
            {"type": "ndjson", "directory": str(out)},
            {"type": "scripted", "name": "flaky", **sink},
        ],
        "dead_letter": {"type": "ndjson", "directory": str(out), "filename": "dlq.ndjson"},
    }


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


async def test_every_record_lands_once_and_bad_input_is_dead_lettered(tmp_path: Path) -> None:
    _write_inputs(tmp_path)
    ScriptedSink.instances.clear()
    cfg = validate(_config(tmp_path, retry_first=3, reject_value="poison"))
    summary = await Pipeline(cfg).run()

    docs = _lines(tmp_path / "out" / "test_csv.ndjson")
    assert len(docs) == 370 and len({d["_id"] for d in docs}) == 370
    flaky = ScriptedSink.instances[-1]
    assert flaky.calls > 3  # it answered RETRY three times and the runtime retried
    assert len(flaky.accepted) == 369  # one permanent failure
    dlq = _lines(tmp_path / "out" / "dlq.ndjson")
    reasons = sorted(d["reason"] for d in dlq)
    assert reasons == ["expected epoch,key,value", "flaky: mapper_parsing_exception: value"]
    garbage = next(d for d in dlq if d["stage"] == "parse")
    assert garbage["raw"] == "garbage line" and garbage["position"]["offset"] == "251"
    assert garbage["position"]["stream"].endswith("a.log")
    poison = next(d for d in dlq if d["stage"] == "sink")
    assert json.loads(poison["raw"])["value"] == "poison"
    assert summary.records_in == 371 and summary.dead_letters == 2
    ckpt = json.loads((tmp_path / "ckpt.json").read_text())
    assert ckpt == {str(tmp_path / "a.log"): 251, str(tmp_path / "b.log.gz"): 120}


async def test_restart_resumes_after_checkpoint(tmp_path: Path) -> None:
    _write_inputs(tmp_path)
    cfg = validate(_config(tmp_path))
    await Pipeline(cfg).run()
    with open(tmp_path / "a.log", "a") as fh:
        fh.write("1700009999,k9,late\n")
    second = await Pipeline(validate(_config(tmp_path))).run()
    assert second.records_in == 1  # only the appended line is read again
    docs = _lines(tmp_path / "out" / "test_csv.ndjson")
    assert len(docs) == 371 and docs[-1]["value"] == "late"


async def test_slow_sink_bounds_what_is_read_ahead(tmp_path: Path) -> None:
    _write_inputs(tmp_path)
    ScriptedSink.instances.clear()
    pipeline = Pipeline(validate(_config(tmp_path, delay=0.02)))
    await pipeline.start()
    source = pipeline.sources[0]
    seen: list[int] = []
    real_ack = source.ack

    async def ack(token: object) -> None:
        await real_ack(token)
        sink = ScriptedSink.instances[-1]
        seen.append(pipeline.summary.records_in - len(sink.accepted))

    source.ack = ack  # type: ignore[method-assign]
    await pipeline.run()
    # read-ahead never exceeds queue bound + the batch being delivered + the one being read
    assert seen and max(seen) <= (2 + 2) * 50


async def test_stop_drains_and_leaves_unread_input_unacked(tmp_path: Path) -> None:
    _write_inputs(tmp_path)
    pipeline = Pipeline(validate(_config(tmp_path, delay=0.02)))
    await pipeline.start()
    source = pipeline.sources[0]
    real_ack = source.ack

    async def ack_then_stop(token: object) -> None:
        await real_ack(token)
        pipeline.stop()  # SIGTERM arrives after the first batch was delivered

    source.ack = ack_then_stop  # type: ignore[method-assign]
    summary = await pipeline.run()
    assert summary.interrupted
    ckpt = json.loads((tmp_path / "ckpt.json").read_text())
    acked = sum(ckpt.values())
    docs = _lines(tmp_path / "out" / "test_csv.ndjson")
    # queued batches were drained and acked; unread input was left for the next start
    assert 50 <= acked < 371
    assert len(docs) == acked == summary.records_in


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        ({"sinks": [{"type": "ndjson", "directry": "x"}]}, "sinks[0].directry", "unknown key"),
        ({"sources": [{"type": "kinesiz"}]}, "sources[0].type", "unknown source type"),
        ({"pipeline": {"batch_size": 0}}, "pipeline.batch_size", "greater than or equal"),
        ({"bogus": 1}, "bogus", "unknown key"),
        ({"sources": [{"type": "file"}]}, "sources[0].paths", "Field required"),
    ],
)
def test_config_errors_name_the_key(data: dict, path: str, fragment: str) -> None:
    from streams.core.config import ConfigError

    with pytest.raises(ConfigError) as info:
        validate(data)
    assert any(p == path and fragment in m for p, m in info.value.problems), info.value.problems
