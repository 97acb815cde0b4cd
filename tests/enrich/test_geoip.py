from __future__ import annotations

import logging
import os

import pytest

from processors.enrich.geoip import GeoIpConfig, GeoIpEnricher
from streams.core.metrics import CACHE_LOOKUPS
from streams.core.registry import ENRICHERS
from tests.enrich import mmdb_build
from tests.enrich.helpers import events, flow


@pytest.fixture
def dbs(tmp_path):
    return mmdb_build.city_db(tmp_path / "city.mmdb"), mmdb_build.asn_db(tmp_path / "asn.mmdb")


def build(city, asn=None, **kw) -> GeoIpEnricher:
    cfg = ENRICHERS.get("geoip").config(type="geoip", city_database=str(city) if city else None,
                                         asn_database=str(asn) if asn else None, **kw)
    return ENRICHERS.build(cfg)


def test_public_addresses_get_geo_and_as(dbs):
    enricher = build(*dbs)
    [event] = enricher.enrich(events(flow("89.160.20.156", "2a02:cf40:add::1")))
    src, dst = event.doc["source"], event.doc["destination"]
    assert src["geo"] == {
        "continent_code": "EU", "continent_name": "Europe", "country_iso_code": "SE", "country_name": "Sweden",
        "region_iso_code": "SE-E", "region_name": "Östergötland County", "city_name": "Linköping",
        "location": {"lat": 58.4167, "lon": 15.6167}, "timezone": "Europe/Stockholm",
    }
    assert src["as"] == {"number": 29518, "organization": {"name": "Bredband2 AB"}}
    assert dst["geo"]["country_iso_code"] == "NO" and "city_name" not in dst["geo"]
    assert dst["as"]["number"] == 64500


@pytest.mark.parametrize("address", ["10.1.2.3", "127.0.0.1", "169.254.169.254", "100.64.1.1", "224.0.0.5",
                                     "::1", "fe80::1", "240.0.0.1", "not an ip", ""])
def test_private_reserved_and_bad_addresses_are_skipped(dbs, address):
    enricher = build(*dbs)
    [event] = enricher.enrich(events(flow(address, "192.168.1.1")))
    assert "geo" not in event.doc["source"] and "as" not in event.doc["source"]


def test_odd_documents_do_not_raise(dbs):
    enricher = build(*dbs)
    docs = [{}, {"source": "89.160.20.156"}, {"source": {"ip": 42}}, {"source": {"ip": ["89.160.20.156"]}},
            {"destination": None}]
    out = enricher.enrich(events(*docs))
    assert [e.doc for e in out] == [{}, {"source": "89.160.20.156"}, {"source": {"ip": 42}},
                                    {"source": {"ip": ["89.160.20.156"]}}, {"destination": None}]


def test_parser_values_win_and_documents_do_not_share_objects(dbs):
    enricher = build(*dbs)
    preset = {"country_iso_code": "XX"}
    docs = [flow("89.160.20.156", "8.8.8.8"), flow("89.160.20.156", "8.8.8.8")]
    docs[0]["source"]["geo"] = preset
    out = enricher.enrich(events(*docs))
    assert out[0].doc["source"]["geo"] is preset
    assert out[1].doc["source"]["geo"]["country_iso_code"] == "SE"
    again = enricher.enrich(events(flow("89.160.20.156", "8.8.8.8")))[0]
    assert again.doc["source"]["geo"] == out[1].doc["source"]["geo"]
    assert again.doc["source"]["geo"]["location"] is not out[1].doc["source"]["geo"]["location"]


def test_language_and_fields_options(dbs):
    enricher = build(dbs[0], None, language="de", fields=["client"])
    [event] = enricher.enrich(events({"client": {"ip": "81.2.69.142"}, "source": {"ip": "81.2.69.142"}}))
    assert event.doc["client"]["geo"]["country_name"] == "United Kingdom (de)"
    assert "geo" not in event.doc["source"]


def test_cache_is_bounded_and_counted(dbs):
    enricher = build(*dbs, cache_size=2)
    hits = CACHE_LOOKUPS.labels("geoip", "hit")
    before = hits._value.get()
    docs = [flow(f"89.160.20.{i % 3}", "10.0.0.1") for i in range(30)]
    enricher.enrich(events(*docs))
    hit_count, miss_count, size = enricher._lookup.stats()
    assert size == 2
    assert hit_count + miss_count == 60
    assert hits._value.get() - before == hit_count


def test_missing_database_disables_with_one_warning_then_loads_when_it_appears(tmp_path, caplog):
    path = tmp_path / "later.mmdb"
    with caplog.at_level(logging.WARNING):
        enricher = build(path)
        assert not enricher.active
        for _ in range(3):
            assert enricher.check_reload() is False
        [event] = enricher.enrich(events(flow("89.160.20.156", "8.8.8.8")))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "not found" in warnings[0].getMessage() and str(path) in warnings[0].getMessage()
    assert "geo" not in event.doc["source"]
    mmdb_build.city_db(path)
    assert enricher.check_reload() is True
    [event] = enricher.enrich(events(flow("89.160.20.156", "8.8.8.8")))
    assert event.doc["source"]["geo"]["country_iso_code"] == "SE"


def test_corrupt_database_warns_and_is_off(tmp_path, caplog):
    path = tmp_path / "bad.mmdb"
    path.write_bytes(b"this is not a maxmind database" * 10)
    with caplog.at_level(logging.WARNING):
        enricher = build(path)
    assert not enricher.active
    assert "cannot be read" in caplog.text


def test_database_change_on_disk_is_picked_up_and_cache_cleared(dbs):
    city, asn = dbs
    enricher = build(city, asn)
    first = enricher.enrich(events(flow("89.160.20.156", "8.8.8.8")))[0]
    assert first.doc["source"]["geo"]["country_iso_code"] == "SE"
    assert enricher.check_reload() is False
    mmdb_build.city_db(city, mmdb_build.CITY_V2)
    os.utime(city, ns=(os.stat(city).st_atime_ns, os.stat(city).st_mtime_ns + 1_000_000_000))
    assert enricher.check_reload() is True
    second = enricher.enrich(events(flow("89.160.20.156", "8.8.8.8")))[0]
    assert second.doc["source"]["geo"]["country_iso_code"] == "FI"
    assert second.doc["source"]["as"]["number"] == 29518


async def test_background_watcher_reloads_without_restart(dbs):
    city, asn = dbs
    enricher = build(city, asn, reload_check_seconds=0.02)
    await enricher.start()
    try:
        mmdb_build.city_db(city, mmdb_build.CITY_V2)
        import asyncio

        for _ in range(200):
            await asyncio.sleep(0.02)
            doc = enricher.enrich(events(flow("89.160.20.156", "8.8.8.8")))[0].doc
            if doc["source"]["geo"]["country_iso_code"] == "FI":
                break
        assert doc["source"]["geo"]["country_iso_code"] == "FI"
    finally:
        await enricher.close()


def test_config_requires_a_database():
    with pytest.raises(ValueError, match="city_database, asn_database"):
        GeoIpConfig(type="geoip")
