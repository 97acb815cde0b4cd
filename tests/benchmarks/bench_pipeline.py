"""Pipeline throughput on VPC flow logs: the fast path against a naive loop and the reference path.

Run: ``taskset -c 0 python -m tests.benchmarks.bench_pipeline [--lines 1000000] [--reference-lines 100000]``.

Generates version-2 VPC flow lines with the generator library (a REJECT
spike, a port scan, one malformed line in 10,000), builds a GeoIP City +
ASN test database covering the generator's public ranges, then in one
process measures, on the same file, CPU seconds (``time.process_time``:
the machine may be shared) of

* the naive baseline of the issue: split a line, build one ECS dict with ISO
  timestamps, ``orjson.dumps`` it, count per key;
* ``logwarden replay --dataset vpcflow`` (the real ``Pipeline``: decode,
  parse, network + community_id + GeoIP enrichment, four detectors, NDJSON
  output), which takes the fast path;
* the same replay with ``LOGWARDEN_FASTPATH=0`` (the reference path) on the
  first ``--reference-lines`` lines.

Prints lines/s for each, the ratios and the peak RSS (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

import orjson

from processors.parsers._time import epoch_iso
from streams.cli.cmd_replay import replay_config
from streams.core.config import validate
from streams.generator.engine import TrafficGenerator, TrafficSettings
from streams.generator.fleet import PUBLIC_FIRST_OCTETS
from streams.runtime.pipeline import Pipeline

DATASETS = ["vpcflow", "aws.vpcflow"]


def generate(path: Path, lines: int) -> None:
    settings = TrafficSettings(seed=42, start="2024-01-01T00:00:00Z", rate=1000.0, max_records=lines,
                               datasets={"vpcflow": 1.0}, malformed_every=10_000,
                               anomalies=[{"kind": "reject_spike", "start": "5m", "end": "8m"},
                                          {"kind": "port_scan", "start": "10m", "end": "11m"}])
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for chunk in TrafficGenerator(settings).chunks():
            if chunk.lines:
                fh.write("\n".join(chunk.lines) + "\n")


def geoip_databases(directory: Path) -> tuple[str, str]:
    from mmdb_writer import MmdbU32

    from tests.enrich.mmdb_build import _place, write_db

    countries = [("US", "United States", "NA", "North America"), ("DE", "Germany", "EU", "Europe"),
                 ("SE", "Sweden", "EU", "Europe"), ("JP", "Japan", "AS", "Asia")]
    city, asn = {}, {}
    for i, octet in enumerate(PUBLIC_FIRST_OCTETS):
        code, name, cont, cont_name = countries[i % len(countries)]
        city[f"{octet}.0.0.0/8"] = _place(code, name, cont, cont_name, 10.0 + i, 20.0 + i, f"City {i}")
        asn[f"{octet}.0.0.0/8"] = {"autonomous_system_number": MmdbU32(64500 + i),
                                   "autonomous_system_organization": f"Example AS {i}"}
    return (str(write_db(directory / "city.mmdb", city, "GeoLite2-City")),
            str(write_db(directory / "asn.mmdb", asn, "GeoLite2-ASN")))


def naive(path: Path, out: Path) -> int:
    """The issue's baseline: split, one ECS dict with ISO timestamps, orjson, count per key."""
    counts: Counter[str] = Counter()
    n = 0
    with open(path, "rb") as fh, open(out, "wb") as sink:
        for raw in fh:
            parts = raw.decode().split()
            if len(parts) != 14:
                continue
            try:
                start, end = int(parts[10]), int(parts[11])
                doc = {"@timestamp": epoch_iso(end), "event": {"start": epoch_iso(start), "end": epoch_iso(end),
                       "action": parts[12]}, "source": {"ip": parts[3], "port": int(parts[5])},
                       "destination": {"ip": parts[4], "port": int(parts[6])},
                       "network": {"iana_number": parts[7], "packets": int(parts[8]), "bytes": int(parts[9])},
                       "aws": {"vpcflow": {"interface_id": parts[2], "account_id": parts[1], "log_status": parts[13]}}}
            except ValueError:
                continue
            sink.write(orjson.dumps(doc) + b"\n")
            counts[parts[2]] += 1
            n += 1
    return n


def pipeline_config(path: Path, out: Path, city: str, asn: str) -> object:
    cfg = replay_config(None, [str(path)], "vpcflow", str(out))
    data = cfg.raw.model_dump(exclude_unset=True)
    data["enrichers"] = [{"type": "network"}, {"type": "community_id"},
                         {"type": "geoip", "city_database": city, "asn_database": asn}]
    data["detectors"] = [
        {"name": "vpc-rejects", "type": "vpc_rejects", "datasets": DATASETS},
        {"name": "port-scan", "type": "port_scan", "datasets": DATASETS},
        {"name": "log-rate", "type": "log_rate", "keys": ["dataset", "aws.vpcflow.interface_id"]},
        {"name": "reject-share", "type": "error_rate", "datasets": DATASETS, "keys": ["aws.vpcflow.interface_id"],
         "condition": {"field": "event.action", "op": "eq", "value": "REJECT"}},
    ]
    data["finding_sinks"] = [{"type": "ndjson", "name": "findings", "path": str(out / "findings.ndjson")}]
    return validate(data, "bench")


def replay(path: Path, out: Path, city: str, asn: str, fast: bool) -> tuple[float, float, dict]:
    os.environ["LOGWARDEN_FASTPATH"] = "1" if fast else "0"
    pipeline = Pipeline(pipeline_config(path, out, city, asn))
    cpu, wall = time.process_time(), time.perf_counter()
    summary = asyncio.run(pipeline.run()).as_dict()
    return time.process_time() - cpu, time.perf_counter() - wall, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--reference-lines", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source, sample = work / "vpcflow.log", work / "sample.log"
        generate(source, args.lines)
        with open(source, "rb") as fh, open(sample, "wb") as out:
            out.writelines(line for _, line in zip(range(args.reference_lines), fh, strict=False))
        city, asn = geoip_databases(work)
        replay(sample, work / "warm", city, asn, True)  # load the compiled kernels (numba cache) once
        cpu = time.process_time()
        naive_n = naive(source, work / "naive.ndjson")
        naive_cpu = time.process_time() - cpu
        fast_cpu, fast_wall, summary = replay(source, work / "fast", city, asn, True)
        ref_cpu, ref_wall, ref_summary = replay(sample, work / "ref", city, asn, False)
        lines = summary["records_in"]
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"lines: {lines:,} (documents {summary['documents']:,}, dead letters {summary['dead_letters']}, "
              f"findings {summary['findings']})")
        print(f"naive baseline : {naive_n / naive_cpu:>12,.0f} lines/s CPU ({naive_cpu:.2f} s)")
        print(f"fast pipeline  : {lines / fast_cpu:>12,.0f} lines/s CPU ({fast_cpu:.2f} s CPU, {fast_wall:.2f} s wall)")
        print(f"reference path : {ref_summary['records_in'] / ref_cpu:>12,.0f} lines/s CPU "
              f"({ref_summary['records_in']:,} lines, {ref_cpu:.2f} s)")
        print(f"fast / naive   : {naive_cpu / naive_n and (lines / fast_cpu) / (naive_n / naive_cpu):.2f}x")
        print(f"fast / reference: {(lines / fast_cpu) / (ref_summary['records_in'] / ref_cpu):.1f}x")
        print(f"peak RSS       : {rss:,.0f} MB")


if __name__ == "__main__":
    main()
