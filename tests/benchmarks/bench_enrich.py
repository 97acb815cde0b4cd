"""Cost of the enrichment chain on generated VPC flow entries.

Run: ``python -m tests.benchmarks.bench_enrich [--entries 200000]``.

Generates VPC flow log lines (default v2 format) with realistic repetition
(addresses drawn from a Zipf distribution over a few thousand hosts, 300
interfaces, common service ports), parses them with the VPC flow parser,
then runs the full enrichment chain: network, community_id, user_agent,
geoip (City + ASN databases built here with mmdb-writer) and eni (a static
describe-network-interfaces file, the same code path the API cache feeds).
Prints CPU-time entries/s (the machine may be shared) for parse alone and parse + enrichment, the chain's cost per
entry and per enricher, cache hit rates and peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from processors.enrich.defaults import DEFAULT_ENRICHERS
from streams.core.model import Entry, Position
from streams.core.registry import ENRICHERS, PARSERS

SEED = 7


def _zipf_picker(rng: random.Random, items: list[str], s: float = 1.1):
    weights = [1.0 / (rank + 1) ** s for rank in range(len(items))]
    return lambda k: rng.choices(items, weights=weights, k=k)


def generate_lines(count: int, rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    internal = [f"10.{rng.randrange(0, 4)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(600)]
    external = [f"{rng.choice([3, 13, 34, 52, 81, 89, 104, 151, 185, 203])}.{rng.randrange(256)}."
                f"{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(3400)]
    enis = [f"eni-{rng.getrandbits(68):017x}" for _ in range(300)]
    pick_internal, pick_external = _zipf_picker(rng, internal), _zipf_picker(rng, external)
    pick_eni = _zipf_picker(rng, enis, 0.8)
    services = [443, 80, 53, 22, 3306, 5432, 6379, 8080, 123, 3389]
    lines = []
    ins, outs, eni_ids = pick_internal(count), pick_external(count), pick_eni(count)
    for i in range(count):
        roll = rng.random()
        proto = 6 if roll < 0.8 else (17 if roll < 0.97 else 1)
        sport, dport = rng.randrange(32768, 61000), rng.choice(services)
        if proto == 1:
            sport = dport = 0
        src, dst = ins[i], (outs[i] if rng.random() < 0.6 else ins[(i * 7) % count])
        if rng.random() < 0.5:
            src, dst, sport, dport = dst, src, dport, sport
        start = 1_700_000_000 + i // 100
        action = "ACCEPT" if rng.random() < 0.9 else "REJECT"
        lines.append(f"2 123456789012 {eni_ids[i]} {src} {dst} {sport} {dport} {proto} "
                     f"{rng.randrange(1, 50)} {rng.randrange(40, 90000)} {start} {start + 60} {action} OK")
    return lines, external, enis


def build_databases(tmp: Path, external: list[str], enis: list[str], rng: random.Random) -> dict[str, str]:
    from mmdb_writer import MmdbF64, MmdbU32, MMDBWriter
    from netaddr import IPSet

    city = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City", languages=["en"],
                      description="bench")
    asn = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-ASN", languages=["en"],
                     description="bench")
    networks = sorted({".".join(a.split(".")[:2]) + ".0.0/16" for a in external})
    for n, net in enumerate(networks):
        city.insert_network(IPSet([net]), {
            "continent": {"code": "EU", "names": {"en": "Europe"}},
            "country": {"iso_code": "SE", "names": {"en": "Sweden"}},
            "subdivisions": [{"iso_code": "E", "names": {"en": "Östergötland County"}}],
            "city": {"names": {"en": f"City {n}"}},
            "location": {"latitude": MmdbF64(58.4 + n / 1000), "longitude": MmdbF64(15.6), "time_zone": "Europe/Stockholm"},
        })
        asn.insert_network(IPSet([net]), {"autonomous_system_number": MmdbU32(64500 + n),
                                          "autonomous_system_organization": f"Net {n}"})
    city.to_db_file(str(tmp / "city.mmdb"))
    asn.to_db_file(str(tmp / "asn.mmdb"))
    interfaces = [{"NetworkInterfaceId": eni, "VpcId": "vpc-1", "SubnetId": f"subnet-{i % 6}",
                   "InterfaceType": "interface", "Description": "ELB app/shop/1" if i % 10 == 0 else "",
                   "Attachment": {"InstanceId": f"i-{i:017x}"} if i % 10 else {},
                   "Groups": [{"GroupId": "sg-1", "GroupName": "web"}],
                   "TagSet": [{"Key": "team", "Value": f"t{i % 5}"}, {"Key": "env", "Value": "prod"}]}
                  for i, eni in enumerate(enis)]
    (tmp / "enis.json").write_text(json.dumps({"NetworkInterfaces": interfaces}))
    return {"city": str(tmp / "city.mmdb"), "asn": str(tmp / "asn.mmdb"), "enis": str(tmp / "enis.json")}


def chain_configs(files: dict[str, str]) -> list[dict]:
    return [*DEFAULT_ENRICHERS,
            {"type": "geoip", "city_database": files["city"], "asn_database": files["asn"]},
            {"type": "eni", "api": False, "static_file": files["enis"]}]


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--entries", type=int, default=200_000)
    args.add_argument("--batch", type=int, default=1000)
    opts = args.parse_args(argv)
    rng = random.Random(SEED)
    lines, external, enis = generate_lines(opts.entries, rng)
    with tempfile.TemporaryDirectory() as tmp:
        files = build_databases(Path(tmp), external, enis, rng)
        enrichers = []
        for item in chain_configs(files):
            registration = ENRICHERS.get(item["type"])
            enrichers.append(registration.factory(registration.config(**item)))
        parser = PARSERS.build(PARSERS.get("vpcflow").config(type="vpcflow", community_id=False))
        entries = [Entry(line, Position("bench", "vpc", "0", str(i)), "vpcflow") for i, line in enumerate(lines)]
        batches = [entries[i:i + opts.batch] for i in range(0, len(entries), opts.batch)]

        t0 = time.process_time()
        parsed = [parser.parse(batch).events for batch in batches]
        parse_seconds = time.process_time() - t0
        costs = {e.name: 0.0 for e in enrichers}
        t1 = time.process_time()
        for events in parsed:
            for enricher in enrichers:
                started = time.process_time()
                events = enricher.enrich(events)
                costs[enricher.name] += time.process_time() - started
        enrich_seconds = time.process_time() - t1
        n = sum(len(events) for events in parsed)
        sample = parsed[0][0].doc

    print(f"entries: {n:,} in batches of {opts.batch}")
    print(f"parse only:            {n / parse_seconds:12,.0f} entries/s")
    print(f"parse + enrichment:    {n / (parse_seconds + enrich_seconds):12,.0f} entries/s")
    print(f"enrichment chain only: {n / enrich_seconds:12,.0f} entries/s  ({enrich_seconds / n * 1e6:.2f} us/entry)")
    for name, seconds in costs.items():
        print(f"  {name:<14} {seconds / n * 1e6:6.2f} us/entry")
    for enricher in enrichers:
        for attr in ("_classify", "_packed", "_parse", "_lookup"):
            cache = getattr(enricher, attr, None)
            if cache is not None:
                hits, misses, size = cache.stats()
                print(f"  cache {cache.name:<22} hit rate {hits / max(1, hits + misses):6.1%}  entries {size:,}")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    print("sample document:", json.dumps(sample, default=str)[:1500], file=sys.stderr)


if __name__ == "__main__":
    main()
