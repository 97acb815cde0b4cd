"""The synthetic traffic itself: format, determinism, anomalies, malformed lines."""

from __future__ import annotations

import ipaddress
from collections import Counter

import pytest
from pydantic import ValidationError

from processors.decode.auto import AutoDecoder
from processors.decode.detect import sniff
from streams.core.model import Position, Record
from streams.generator import TrafficGenerator, TrafficSettings, generate_lines, generate_vpcflow_lines

START = "2024-01-02T00:00:00Z"
T0 = 1704153600


def flows(lines):
    """Parsed VPC flow v2 lines: dicts of the fields detectors look at."""
    out = []
    for line in lines:
        f = line.split(" ")
        out.append({"eni": f[2], "src": f[3], "dst": f[4], "dport": int(f[6]), "proto": int(f[7]),
                    "start": int(f[10]), "end": int(f[11]), "action": f[12]})
    return out


def run(**settings):
    gen = TrafficGenerator(TrafficSettings(seed=11, start=START, **settings))
    return gen, [line for chunk in gen.chunks() for line in chunk.lines]


def test_same_seed_same_lines_other_seed_other_lines():
    a = list(generate_vpcflow_lines(5000, seed=1, start=START))
    assert a == list(generate_vpcflow_lines(5000, seed=1, start=START))
    assert a != list(generate_vpcflow_lines(5000, seed=2, start=START))


def test_lines_are_well_formed_vpc_flow_v2():
    lines = list(generate_vpcflow_lines(20_000, seed=3, start=START, rate=100))
    assert len(lines) == 20_000
    assert all(sniff(line) == "vpcflow" for line in lines[:2000])
    rows = flows(lines)
    assert all(len(line.split(" ")) == 14 and line.startswith("2 123456789012 eni-") for line in lines)
    assert all(T0 <= r["end"] and r["end"] - 60 < r["start"] < r["end"] for r in rows)
    assert [r["end"] for r in rows] == sorted(r["end"] for r in rows)  # simulated (event) time order
    assert {r["proto"] for r in rows} == {1, 6, 17}
    actions = Counter(r["action"] for r in rows)
    assert 0.01 < actions["REJECT"] / len(rows) < 0.04  # background REJECT rate 2 %
    addresses = [ipaddress.ip_address(a) for r in rows[:2000] for a in (r["src"], r["dst"])]
    assert any(a.is_private for a in addresses) and any(a.is_global for a in addresses)
    assert {443, 80, 22} <= {r["dport"] for r in rows}
    # Zipf-like: the busiest ENI carries far more than a uniform share
    top = Counter(r["eni"] for r in rows).most_common(1)[0][1]
    assert top / len(rows) > 3 / 40


def test_port_scan_probes_many_distinct_ports_inside_its_window_only():
    gen, lines = run(duration="20m", rate=50, anomalies=[{"kind": "port_scan", "start": "5m", "end": "8m", "rate": 20}])
    (label,) = gen.labels()
    scanner, eni = label["entity"]["source_ip"], label["entity"]["eni"]
    probes = [r for r in flows(lines) if r["src"] == scanner]
    assert probes and all(r["eni"] == eni for r in probes)
    assert all(T0 + 300 <= r["end"] < T0 + 480 for r in probes)
    assert len({r["dport"] for r in probes}) > 0.95 * len(probes) > 0.8 * 20 * 180
    assert Counter(r["action"] for r in probes)["REJECT"] / len(probes) > 0.9
    assert label["start"] == "2024-01-02T00:05:00Z" and label["end"] == "2024-01-02T00:08:00Z"


def test_reject_spike_rate_spike_and_silence_are_visible():
    gen, lines = run(
        duration="30m",
        rate=50,
        anomalies=[
            {"kind": "reject_spike", "start": "10m", "end": "12m", "sources": 4},
            {"kind": "rate_spike", "start": "20m", "end": "22m", "factor": 8},
            {"kind": "silence", "start": "5m", "end": "15m"},
        ],
    )
    rows = flows(lines)
    spike, rate, silence = gen.labels()

    def count(eni, lo, hi, action=None):
        return sum(1 for r in rows if r["eni"] == eni and T0 + lo <= r["end"] < T0 + hi and action in (None, r["action"]))

    eni = spike["entity"]["eni"]
    assert count(eni, 600, 720, "REJECT") > 20 * max(1, count(eni, 0, 120, "REJECT"))
    sources = {r["src"] for r in rows if r["eni"] == eni and r["action"] == "REJECT" and T0 + 600 <= r["end"] < T0 + 720}
    assert set(spike["params"]["source_ips"]) <= sources
    eni = rate["entity"]["eni"]
    assert count(eni, 1200, 1320) > 4 * count(eni, 900, 1020) > 0
    eni = silence["entity"]["eni"]
    assert count(eni, 300, 900) == 0 and count(eni, 0, 300) > 1000 and count(eni, 900, 1200) > 1000


def test_malformed_every_nth_line_cycles_through_kinds_and_reaches_dead_letters():
    lines = list(generate_vpcflow_lines(4000, seed=5, start=START, malformed_every=500))
    bad = [i for i, line in enumerate(lines) if not (len(line.split(" ")) == 14 and line.split(" ")[6].isdigit())]
    assert bad == list(range(499, 4000, 500))
    records = [Record(line.encode(), Position("g", "generator", "0", str(i)), 0.0) for i, line in enumerate(lines)]
    result = AutoDecoder().decode(records)
    assert [d.position.offset for d in result.errors] == ["1499", "3499"]  # the truncated-JSON variant
    assert len(result.entries) == 3998


def test_dataset_mix_produces_alb_and_cloudtrail_entries():
    lines = list(generate_lines(TrafficSettings(seed=9, start=START, max_records=4000,
                                                datasets={"vpcflow": 0.6, "alb": 0.3, "cloudtrail": 0.1})))
    kinds = Counter(sniff(line) for line in lines)
    assert set(kinds) == {"vpcflow", "elb", "cloudtrail"}
    assert 0.2 < kinds["elb"] / len(lines) < 0.4 and 0.05 < kinds["cloudtrail"] / len(lines) < 0.15


@pytest.mark.parametrize(
    "bad",
    [
        {"datasets": {"netflow": 1}},
        {"duration": "soon"},
        {"anomalies": [{"kind": "port_scan", "start": "10m", "end": "5m"}]},
        {"anomalies": [{"kind": "meteor", "start": "1m", "end": "2m"}]},
        {"anomalies": [{"kind": "silence", "start": "1m", "end": "2m", "colour": "red"}]},
        {"speed_of_light": 1},
    ],
)
def test_bad_settings_are_rejected(bad):
    with pytest.raises(ValidationError):
        TrafficSettings(**bad)


def test_unknown_eni_in_an_anomaly_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown ENI"):
        TrafficGenerator(TrafficSettings(anomalies=[{"kind": "silence", "start": 0, "end": 60, "eni": "eni-nope"}]))


def test_rate_spike_of_a_whole_log_group():
    settings = dict(duration="20m", rate=50, datasets={"vpcflow": 0.8, "cloudtrail": 0.2})
    gen = TrafficGenerator(TrafficSettings(seed=11, start=START, **settings))
    group = next(c.log_group for c in gen.channels if c.dataset == "cloudtrail")
    gen = TrafficGenerator(TrafficSettings(seed=11, start=START, **settings,
                                           anomalies=[{"kind": "rate_spike", "start": "10m", "end": "12m",
                                                       "log_group": group, "factor": 6}]))
    (label,) = gen.labels()
    assert label["entity"] == {"log_group": group}
    per_minute = Counter()
    for chunk in gen.chunks():
        for t, channel in zip(chunk.times, chunk.channels, strict=True):
            if gen.channels[channel].log_group == group:
                per_minute[int(t - T0) // 60] += 1
    assert min(per_minute[m] for m in (10, 11)) > 3 * max(per_minute[m] for m in range(0, 10))
    with pytest.raises(ValueError, match="unknown log group"):
        TrafficGenerator(TrafficSettings(anomalies=[{"kind": "rate_spike", "start": 0, "end": 9, "log_group": "nope"}]))
    with pytest.raises(ValidationError, match="rate_spike only"):
        TrafficSettings(anomalies=[{"kind": "silence", "start": 0, "end": 9, "log_group": group}])
