"""Small MaxMind DB files built by the tests (GeoLite2 record layout), never downloaded."""

from __future__ import annotations

import os
from pathlib import Path

from mmdb_writer import MmdbF64, MmdbU32, MMDBWriter
from netaddr import IPSet


def _place(country: str, country_name: str, continent: str, continent_name: str, lat: float, lon: float,
           city: str | None = None, region: tuple[str, str] | None = None) -> dict:
    record: dict = {
        "continent": {"code": continent, "names": {"en": continent_name}},
        "country": {"iso_code": country, "names": {"en": country_name, "de": country_name + " (de)"}},
        "location": {"latitude": MmdbF64(lat), "longitude": MmdbF64(lon), "time_zone": "Europe/Stockholm"},
    }
    if city:
        record["city"] = {"names": {"en": city}}
    if region:
        record["subdivisions"] = [{"iso_code": region[0], "names": {"en": region[1]}}]
    return record


#: network -> City record
CITY_V1 = {
    "89.160.20.0/24": _place("SE", "Sweden", "EU", "Europe", 58.4167, 15.6167, "Linköping", ("E", "Östergötland County")),
    "81.2.69.0/24": _place("GB", "United Kingdom", "EU", "Europe", 51.5142, -0.0931, "London", ("ENG", "England")),
    "2a02:cf40::/32": _place("NO", "Norway", "EU", "Europe", 62.0, 10.0),
    # a private range with data: the enricher must skip it anyway
    "10.0.0.0/8": _place("US", "United States", "NA", "North America", 37.75, -97.82),
}
CITY_V2 = {
    "89.160.20.0/24": _place("FI", "Finland", "EU", "Europe", 60.17, 24.94, "Helsinki"),
}
ASN = {
    "89.160.0.0/16": {"autonomous_system_number": MmdbU32(29518), "autonomous_system_organization": "Bredband2 AB"},
    "2a02:cf40::/32": {"autonomous_system_number": MmdbU32(64500), "autonomous_system_organization": "Example v6"},
}


def write_db(path: Path, records: dict[str, dict], database_type: str) -> Path:
    """Write ``records`` to ``path`` atomically (temporary file, then rename)."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type=database_type,
                        languages=["en", "de"], description="logwarden test database")
    for network, record in records.items():
        writer.insert_network(IPSet([network]), record)
    tmp = path.with_suffix(".tmp")
    writer.to_db_file(str(tmp))
    os.replace(tmp, path)
    return path


def city_db(path: Path, records: dict[str, dict] | None = None) -> Path:
    return write_db(path, CITY_V1 if records is None else records, "GeoLite2-City")


def asn_db(path: Path) -> Path:
    return write_db(path, ASN, "GeoLite2-ASN")
