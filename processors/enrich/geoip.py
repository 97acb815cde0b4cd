"""GeoIP and ASN: ``<field>.geo.*`` and ``<field>.as.*`` from MaxMind DB files.

Works with GeoLite2/GeoIP2 City or Country and ASN databases, and DB-IP
files in the same format. Private, loopback, link-local, shared, reserved
and multicast addresses are skipped. Results are cached per address in a
bounded LRU (metrics ``cache="geoip"``). Each database file is checked every
``reload_check_seconds`` by a background task and reopened when it changed,
without a restart; a missing file disables its look-ups with one warning and
is picked up when it appears.

Fields written per configured object (``source``, ``destination``, ...),
never over values a parser set: ``geo.continent_code``, ``geo.continent_name``,
``geo.country_iso_code``, ``geo.country_name``, ``geo.region_iso_code``,
``geo.region_name``, ``geo.city_name``, ``geo.postal_code``, ``geo.timezone``,
``geo.location`` (``{"lat", "lon"}``, a geo_point), ``as.number``,
``as.organization.name``.

>>> geo_fields({"country": {"iso_code": "SE", "names": {"en": "Sweden"}},
...             "subdivisions": [{"iso_code": "E", "names": {"en": "Östergötland County"}}],
...             "location": {"latitude": 58.4167, "longitude": 15.6167}}, "en")
{'country_iso_code': 'SE', 'country_name': 'Sweden', 'region_iso_code': 'SE-E', 'region_name': 'Östergötland County', 'location': {'lat': 58.4167, 'lon': 15.6167}}
>>> as_fields({"autonomous_system_number": 64500, "autonomous_system_organization": "Example Net"})
{'number': 64500, 'organization': {'name': 'Example Net'}}
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pydantic import Field, model_validator

from processors.enrich._cache import LruFunction
from processors.enrich._fields import copy_nested
from processors.enrich._ipnet import is_public, parse_ip
from processors.enrich._lifecycle import cancel_task
from processors.enrich._mmdb import FollowingReader
from streams.core.model import Event
from streams.core.registry import ENRICHERS, ComponentConfig

log = logging.getLogger(__name__)

GeoResult = tuple[dict[str, Any] | None, dict[str, Any] | None]


class GeoIpConfig(ComponentConfig):
    city_database: str | None = Field(None, description="GeoLite2/GeoIP2/DB-IP City or Country .mmdb file")
    asn_database: str | None = Field(None, description="GeoLite2/DB-IP ASN .mmdb file")
    fields: list[str] = Field(default_factory=lambda: ["source", "destination"], min_length=1)
    language: str = Field("en", description="language of place names")
    cache_size: int = Field(65_536, ge=1, le=10_000_000, description="addresses remembered")
    reload_check_seconds: float = Field(30.0, gt=0, description="how often the files are checked for changes")

    @model_validator(mode="after")
    def _one_database(self) -> GeoIpConfig:
        if not self.city_database and not self.asn_database:
            raise ValueError("set city_database, asn_database or both")
        return self


def _name(item: Any, language: str) -> str | None:
    names = item.get("names") if isinstance(item, dict) else None
    return names.get(language) if isinstance(names, dict) else None


def geo_fields(record: Any, language: str) -> dict[str, Any] | None:
    """ECS ``geo`` fields from a City/Country record, or None when it locates nothing."""
    if not isinstance(record, dict):
        return None
    geo: dict[str, Any] = {}
    continent = record.get("continent")
    if isinstance(continent, dict):
        if continent.get("code"):
            geo["continent_code"] = continent["code"]
        if name := _name(continent, language):
            geo["continent_name"] = name
    country = record.get("country")
    country_code = country.get("iso_code") if isinstance(country, dict) else None
    if country_code:
        geo["country_iso_code"] = country_code
    if name := _name(country, language):
        geo["country_name"] = name
    subdivisions = record.get("subdivisions")
    if isinstance(subdivisions, list) and subdivisions and isinstance(subdivisions[0], dict):
        region = subdivisions[0]
        if region.get("iso_code") and country_code:
            geo["region_iso_code"] = f"{country_code}-{region['iso_code']}"
        if name := _name(region, language):
            geo["region_name"] = name
    if name := _name(record.get("city"), language):
        geo["city_name"] = name
    postal = record.get("postal")
    if isinstance(postal, dict) and postal.get("code"):
        geo["postal_code"] = postal["code"]
    location = record.get("location")
    if isinstance(location, dict):
        lat, lon = location.get("latitude"), location.get("longitude")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            geo["location"] = {"lat": lat, "lon": lon}
        if location.get("time_zone"):
            geo["timezone"] = location["time_zone"]
    return geo or None


def as_fields(record: Any) -> dict[str, Any] | None:
    """ECS ``as`` fields from an ASN record."""
    if not isinstance(record, dict):
        return None
    fields: dict[str, Any] = {}
    number = record.get("autonomous_system_number")
    if isinstance(number, int):
        fields["number"] = number
    organization = record.get("autonomous_system_organization")
    if organization:
        fields["organization"] = {"name": organization}
    return fields or None


@ENRICHERS.register("geoip", GeoIpConfig)
class GeoIpEnricher:
    """Adds location and autonomous system of public addresses."""

    def __init__(self, config: GeoIpConfig):
        self.name = config.type
        self.config = config
        self.city = FollowingReader(config.city_database, "GeoIP city") if config.city_database else None
        self.asn = FollowingReader(config.asn_database, "GeoIP ASN") if config.asn_database else None
        self._lookup = LruFunction(self._lookup_uncached, config.cache_size, "geoip")
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return any(r is not None and r.reader is not None for r in (self.city, self.asn))

    def _lookup_uncached(self, text: str) -> GeoResult | None:
        ip = parse_ip(text)
        if ip is None or not is_public(ip):
            return None
        geo = geo_fields(self.city.get(ip), self.config.language) if self.city is not None else None
        asn = as_fields(self.asn.get(ip)) if self.asn is not None else None
        if geo is None and asn is None:
            return None
        return geo, asn

    def enrich(self, events: list[Event]) -> list[Event]:
        if not self.active:
            return events
        lookup = self._lookup.get
        fields = self.config.fields
        for event in events:
            doc = event.doc
            for field in fields:
                target = doc.get(field)
                if not isinstance(target, dict):
                    continue
                text = target.get("ip")
                if not isinstance(text, str):
                    continue
                found = lookup(text)
                if found is None:
                    continue
                geo, asn = found
                if geo is not None and "geo" not in target:
                    target["geo"] = copy_nested(geo)
                if asn is not None and "as" not in target:
                    target["as"] = copy_nested(asn)
        self._lookup.publish()
        return events

    def check_reload(self) -> bool:
        """Reopen changed database files; the cache is cleared when any reader changed."""
        changed = False
        for reader in (self.city, self.asn):
            if reader is not None and reader.refresh():
                changed = True
        if changed:
            self._lookup.clear()
        return changed

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.config.reload_check_seconds)
            try:
                self.check_reload()
            except Exception:  # a bad file must not kill the watcher; FollowingReader already warned
                log.exception("GeoIP database reload failed")

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._watch(), name="geoip-reload")

    async def close(self) -> None:
        await cancel_task(self._task)
        self._task = None
        for reader in (self.city, self.asn):
            if reader is not None:
                reader.close()
