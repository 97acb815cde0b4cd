"""Pipeline throughput: the replay pipeline against naive per-line baselines, on VPC flow, ALB and CloudTrail.

Run: ``taskset -c 0 python -m tests.benchmarks.bench_pipeline [--lines 1000000] [--other-lines 200000]
[--reference-lines 100000] [--datasets vpcflow,alb,cloudtrail] [--repeat 3]``.

For each dataset a file is generated with the generator library (VPC flow
v2 with a REJECT spike, a port scan and one malformed line in 10,000; ALB
and CloudTrail lines), and a GeoIP City + ASN test database covering the
generator's public ranges is built. Then, on the same file, it measures CPU
seconds (``time.process_time``: the machine may be shared), ``--repeat``
times in interleaved pairs (naive, pipeline), each side in a fresh process,
of

* the naive baseline of the issue: per line, split (or
  ``json.loads``), one ECS dict with ISO timestamps, ``orjson.dumps``,
  count per key;
* ``logwarden replay`` (the real ``Pipeline``: decode, parse, network +
  GeoIP enrichment, the detectors, NDJSON output), so its peak RSS
  (``ru_maxrss`` of the child) is the pipeline's own; VPC
  flow also gets community_id and all four detectors; every dataset
  with a block fast path (``processors.fast``) takes it;
* when the replay took a block fast path, the same replay with
  ``LOGWARDEN_FASTPATH=0`` (the reference path) on the first
  ``--reference-lines`` lines.

The child loads the compiled kernels (numba cache) on a small sample first;
that warm-up is not timed. Prints lines/s of every pair and their medians,
the pairs' ratios and their median (the figure to quote: the machine's
speed drifts by 20-30 % over minutes, and both sides of a pair share a
minute), peak RSS, and how much of the
pipeline's CPU went into the document sink's writes (mostly the kernel's
page-cache copy, which varies 3-5x between runs on these machines) next to
the bytes each side wrote, and the ratio without output: the pipeline's CPU
minus its document sink against the naive baseline writing to /dev/null.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from streams.cli.cmd_replay import replay_config
from streams.core.config import validate
from streams.generator.engine import TrafficGenerator, TrafficSettings
from streams.generator.fleet import PUBLIC_FIRST_OCTETS
from tests.benchmarks.naive import BASELINES

VPC = ["vpcflow", "aws.vpcflow"]
REPLAY_DATASET = {"vpcflow": "vpcflow", "alb": "elb", "cloudtrail": "cloudtrail"}


def generate(path: Path, lines: int, dataset: str = "vpcflow", rate: float = 1000.0) -> None:
    anomalies = [{"kind": "reject_spike", "start": "5m", "end": "8m"}, {"kind": "port_scan", "start": "10m", "end": "11m"}]
    settings = TrafficSettings(seed=42, start="2024-01-01T00:00:00Z", rate=rate, max_records=lines,
                               datasets={dataset: 1.0}, malformed_every=10_000 if dataset == "vpcflow" else None,
                               anomalies=anomalies if dataset == "vpcflow" else [])
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


def pipeline_config(path: Path, out: Path, city: str, asn: str, dataset: str = "vpcflow") -> object:
    cfg = replay_config(None, [str(path)], REPLAY_DATASET[dataset], str(out))
    data = cfg.raw.model_dump(exclude_unset=True)
    geoip = {"type": "geoip", "city_database": city, "asn_database": asn}
    if dataset == "vpcflow":
        data["enrichers"] = [{"type": "network"}, {"type": "community_id"}, geoip]
        data["detectors"] = [
            {"name": "vpc-rejects", "type": "vpc_rejects", "datasets": VPC},
            {"name": "port-scan", "type": "port_scan", "datasets": VPC},
            {"name": "log-rate", "type": "log_rate", "keys": ["dataset", "aws.vpcflow.interface_id"]},
            {"name": "reject-share", "type": "error_rate", "datasets": VPC, "keys": ["aws.vpcflow.interface_id"],
             "condition": {"field": "event.action", "op": "eq", "value": "REJECT"}},
        ]
    else:
        data["enrichers"] = [{"type": "network"}, geoip]
        data["detectors"] = [{"name": "log-rate", "type": "log_rate", "keys": ["dataset"]}]
        if dataset == "alb":
            data["detectors"].append({"name": "errors", "type": "error_rate", "datasets": ["elb"]})
    data["finding_sinks"] = [{"type": "ndjson", "name": "findings", "path": str(out / "findings.ndjson")}]
    return validate(data, "bench")


def replay(path: Path, out: Path, city: str, asn: str, fast: bool, dataset: str = "vpcflow") -> tuple[float, float, dict]:
    """(CPU s, wall s, summary with ``fast_paths``: the datasets whose block fast path ran)."""
    from streams.runtime.pipeline import Pipeline

    os.environ["LOGWARDEN_FASTPATH"] = "1" if fast else "0"
    pipeline = Pipeline(pipeline_config(path, out, city, asn, dataset))
    cpu, wall = time.process_time(), time.perf_counter()
    summary = asyncio.run(pipeline.run()).as_dict()
    summary["fast_paths"] = sorted(pipeline.fast_paths.values())
    return time.process_time() - cpu, time.perf_counter() - wall, summary


class _SinkClock:
    """CPU seconds spent in the document sink's writes (the page-cache copy is most of it, and its noisiest part)."""

    def __init__(self) -> None:
        self.cpu = 0.0

    def wrap(self, method):  # noqa: ANN001, ANN202
        clock = self

        async def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            start = time.process_time()
            try:
                return await method(*args, **kwargs)
            finally:
                clock.cpu += time.process_time() - start
        return timed


def child(args: argparse.Namespace) -> None:
    """One measured replay in this (child) process; prints a JSON line with CPU, wall, summary and peak RSS.

    Also the CPU time spent inside the document sink's writes and the bytes it
    wrote, so a reader can tell the output's share from the processing's.
    """
    from streams.sinks.ndjson import NdjsonSink

    path, work = Path(args.child), Path(args.work)
    city, asn = str(work / "city.mmdb"), str(work / "asn.mmdb")
    if args.warm:
        replay(Path(args.warm), work / f"warm-{os.getpid()}", city, asn, args.fast, args.dataset)
        shutil.rmtree(work / f"warm-{os.getpid()}")
    clock = _SinkClock()
    NdjsonSink.write = clock.wrap(NdjsonSink.write)
    NdjsonSink.write_ndjson = clock.wrap(NdjsonSink.write_ndjson)
    out = work / f"out-{os.getpid()}"
    cpu, wall, summary = replay(path, out, city, asn, args.fast, args.dataset)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    written = sum(f.stat().st_size for f in (out / "documents").iterdir())
    # Deleting the output drops its dirty pages: a gigabyte left for the kernel to write back
    # slows the next measurement's writes (CloudTrail's sink after VPC flow: 0.11 -> 0.45 s).
    shutil.rmtree(out)
    print(json.dumps({"cpu": cpu, "wall": wall, "summary": summary, "rss_mb": rss, "sink_cpu": clock.cpu,
                      "document_bytes": written}))


def run_child(work: Path, path: Path, dataset: str, fast: bool, warm: Path | None) -> dict:
    cmd = [sys.executable, "-m", "tests.benchmarks.bench_pipeline", "--child", str(path), "--work", str(work),
           "--dataset", dataset, "--fast" if fast else "--no-fast"] + (["--warm", str(warm)] if warm else [])
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def naive_child(args: argparse.Namespace) -> None:
    """One naive baseline run in this (child) process: to a file, then to /dev/null; prints a JSON line."""
    path, work = Path(args.naive), Path(args.work)
    target = work / f"naive-{os.getpid()}.ndjson"
    cpu = time.process_time()
    n = BASELINES[args.dataset](path, target)
    to_file = time.process_time() - cpu
    written = target.stat().st_size
    target.unlink()
    cpu = time.process_time()
    BASELINES[args.dataset](path, Path(os.devnull))
    print(json.dumps({"n": n, "cpu": to_file, "devnull_cpu": time.process_time() - cpu, "bytes": written}))


def run_naive(work: Path, path: Path, dataset: str) -> dict:
    cmd = [sys.executable, "-m", "tests.benchmarks.bench_pipeline", "--naive", str(path), "--work", str(work),
           "--dataset", dataset]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def head(source: Path, target: Path, lines: int) -> Path:
    with open(source, "rb") as fh, open(target, "wb") as out:
        out.writelines(line for _, line in zip(range(lines), fh, strict=False))
    return target


def _rates(values: list[float]) -> str:
    return " / ".join(f"{v:,.0f}" for v in values)


def bench(work: Path, dataset: str, lines: int, reference_lines: int, repeat: int = 3) -> None:
    """``repeat`` interleaved pairs (naive, pipeline), each side in a fresh process; prints every pair and medians.

    The machine's speed drifts over minutes (the same replay measured 0.50 s and 0.66 s CPU an hour apart), so
    one pair can land on either side of a drift; interleaving puts both sides of a pair in the same minute,
    and the median pair ratio is the figure to quote.
    """
    source = work / f"{dataset}.log"
    generate(source, lines, dataset)
    warm = head(source, work / f"{dataset}-warm.log", 20_000)
    pairs = []
    for _ in range(repeat):
        naive = run_naive(work, source, dataset)
        got = run_child(work, source, dataset, True, warm)
        pairs.append((naive, got))
    summary = pairs[-1][1]["summary"]
    fast = bool(summary["fast_paths"])
    naive_rates = [n["n"] / n["cpu"] for n, _ in pairs]
    rates = [g["summary"]["records_in"] / g["cpu"] for _, g in pairs]
    ratios = [r / n for r, n in zip(rates, naive_rates, strict=True)]
    sink = [g["sink_cpu"] for _, g in pairs]
    cpus = " / ".join(f"{g['cpu']:.2f}" for _, g in pairs)
    without = [g["summary"]["records_in"] / (g["cpu"] - g["sink_cpu"]) / (n["n"] / n["devnull_cpu"]) for n, g in pairs]
    print(f"== {dataset}: {summary['records_in']:,} lines (documents {summary['documents']:,}, "
          f"dead letters {summary['dead_letters']}, findings {summary['findings']}); "
          f"{repeat} interleaved pairs, each side in a fresh process")
    print(f"naive baseline  : {median(naive_rates):>10,.0f} lines/s CPU (median; pairs {_rates(naive_rates)})")
    print(f"pipeline        : {median(rates):>10,.0f} lines/s CPU (median; pairs {_rates(rates)}; "
          f"CPU {cpus} s){' fast path' if fast else ' reference path'}")
    print(f"pipeline / naive: {median(ratios):>10.2f}x (median of the pairs' ratios: "
          f"{' / '.join(f'{r:.2f}' for r in ratios)}; lowest {min(ratios):.2f}x)")
    print(f"peak RSS        : {max(g['rss_mb'] for _, g in pairs):>10,.0f} MB (pipeline process, highest of the pairs)")
    print(f"document sink   : {median(sink):>10.2f} s CPU of the pipeline's (median), writing "
          f"{pairs[-1][1]['document_bytes'] / 2**20:,.0f} MB (the naive baseline wrote {pairs[-1][0]['bytes'] / 2**20:,.0f} MB)")
    print(f"without output  : {median(without):>10.2f}x (median; pipeline minus its document sink against the naive "
          f"baseline writing to /dev/null; not the issue's measure)")
    if fast and reference_lines:
        ref = run_child(work, head(source, work / f"{dataset}-ref.log", reference_lines), dataset, False, warm)
        ref_rate = ref["summary"]["records_in"] / ref["cpu"]
        print(f"reference path  : {ref_rate:>10,.0f} lines/s CPU ({ref['summary']['records_in']:,} lines)")
        print(f"fast / reference: {median(rates) / ref_rate:>10.1f}x")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="VPC flow lines")
    parser.add_argument("--other-lines", type=int, default=200_000, help="ALB and CloudTrail lines")
    parser.add_argument("--reference-lines", type=int, default=100_000)
    parser.add_argument("--datasets", default="vpcflow,alb,cloudtrail")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved (naive, pipeline) pairs per dataset")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--naive", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--warm", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", default="vpcflow", help=argparse.SUPPRESS)
    parser.add_argument("--fast", action=argparse.BooleanOptionalAction, default=True, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.naive:
        naive_child(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        geoip_databases(work)
        for dataset in args.datasets.split(","):
            lines = args.lines if dataset == "vpcflow" else args.other_lines
            bench(work, dataset, lines, args.reference_lines, args.repeat)


if __name__ == "__main__":
    main()
