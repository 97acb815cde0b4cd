"""Parser throughput: entries/s for every parser, beside a naive one-dict-per-line baseline.

Run: ``python -m tests.benchmarks.bench_parsers [--entries 200000] [--batch 1000]``

For each dataset a file of at least ``--entries`` lines is generated (VPC flow
lines with varied addresses, ports and times; the other datasets cycle the
fixture lines of tests/data/parsers that parse into documents), then parsed in batches as the
pipeline does. The baseline splits each line and zips it into one dict, the
least work any parser can do. Peak memory is measured with tracemalloc on a
separate pass of one batch list (so the timed pass runs at full speed).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import tracemalloc
from pathlib import Path

import orjson

from streams.core.model import Entry, Position
from streams.core.registry import PARSERS

DATA = Path(__file__).resolve().parents[1] / "data" / "parsers"
V2 = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status".split()


def vpcflow_lines(n: int, rng: random.Random) -> list[str]:
    base = 1_700_000_000
    out = []
    for i in range(n):
        start = base + i // 50
        out.append(
            f"2 123456789012 eni-{rng.randrange(16**8):08x}0abcdef1 10.0.{rng.randrange(256)}.{rng.randrange(256)} "
            f"172.31.{rng.randrange(256)}.{rng.randrange(256)} {rng.randrange(1024, 65535)} "
            f"{rng.choice((22, 80, 443, 3389, 5432))} {rng.choice((6, 6, 6, 17, 1))} {rng.randrange(1, 100)} "
            f"{rng.randrange(40, 100000)} {start} {start + 60} {rng.choice(('ACCEPT', 'ACCEPT', 'REJECT'))} OK"
        )
    return out


def seed_lines(dataset: str) -> list[str]:
    """Fixture lines of a dataset that parse into documents."""
    lines: list[str] = []
    for log in sorted(DATA.glob(f"{dataset}-*.log")):
        config = log.with_suffix(".config.json")
        if config.exists() and "_envelope" not in orjson.loads(config.read_bytes()):
            continue  # needs parser settings (custom format, real-time fields)
        expected = orjson.loads(log.with_suffix(".expected.json").read_bytes())
        good = {e["line"] for e in expected["events"]}
        raw = log.read_text().split("\n")
        lines += [raw[n - 1] for n in sorted(good)]
    return lines


def generate(dataset: str, n: int, rng: random.Random) -> list[str]:
    if dataset == "vpcflow":
        return vpcflow_lines(n, rng)
    seeds = seed_lines(dataset)
    return [seeds[i % len(seeds)] for i in range(n)]


def batches(lines: list[str], size: int, name: str) -> list[list[Entry]]:
    """Entries as a CloudWatch Logs decoder hands them over (with the envelope's timestamp)."""
    return [
        [Entry(line, Position("bench", name, "0", str(start + i)), timestamp_ms=1_700_000_000_000)
         for i, line in enumerate(lines[start:start + size])]
        for start in range(0, len(lines), size)
    ]


def naive(entry_batches: list[list[Entry]]) -> int:
    count = 0
    for batch in entry_batches:
        docs = [dict(zip(V2, entry.value.split(), strict=False)) for entry in batch]
        count += len(docs)
    return count


def run_parser(dataset: str, entry_batches: list[list[Entry]]) -> tuple[int, int]:
    registration = PARSERS.get(dataset)
    parser = registration.factory(registration.config(type=dataset))
    events = errors = 0
    for batch in entry_batches:
        result = parser.parse(batch)
        events += len(result.events)
        errors += len(result.errors)
    return events, errors


def peak_memory(dataset: str, entry_batches: list[list[Entry]]) -> float:
    tracemalloc.start()
    run_parser(dataset, entry_batches[:20])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main(argv: list[str] | None = None) -> list[dict]:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--entries", type=int, default=200_000)
    args.add_argument("--batch", type=int, default=1000)
    args.add_argument("--datasets", default=",".join(d for d in PARSERS.names() if d not in ("json", "text")) + ",json,text")
    opts = args.parse_args(argv)
    rng = random.Random(7)
    rows = []
    print(f"{'dataset':<12}{'entries':>9}{'parser/s':>12}{'naive/s':>12}{'ratio':>7}{'errors':>8}{'peak MiB/20 batches':>21}")
    with tempfile.TemporaryDirectory() as tmp:
        for dataset in opts.datasets.split(","):
            path = Path(tmp) / f"{dataset}.log"
            path.write_text("\n".join(generate(dataset, opts.entries, rng)) + "\n")
            lines = path.read_text().splitlines()
            entry_batches = batches(lines, opts.batch, dataset)
            t0 = time.perf_counter()
            naive(entry_batches)
            naive_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            events, errors = run_parser(dataset, entry_batches)
            parse_s = time.perf_counter() - t0
            row = {"dataset": dataset, "entries": len(lines), "parser_per_s": len(lines) / parse_s,
                   "naive_per_s": len(lines) / naive_s, "errors": errors,
                   "peak_mib": peak_memory(dataset, entry_batches)}
            rows.append(row)
            print(f"{dataset:<12}{row['entries']:>9}{row['parser_per_s']:>12,.0f}{row['naive_per_s']:>12,.0f}"
                  f"{row['naive_per_s'] / row['parser_per_s']:>7.1f}{errors:>8}{row['peak_mib']:>21.1f}", flush=True)
    return rows


if __name__ == "__main__":
    main()
