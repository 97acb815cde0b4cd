"""Enrichers: add context to parsed events (see ``base.py`` and ``docs/enrichment.md``)."""

from processors.enrich.defaults import DEFAULT_ENRICHERS

__all__ = ["DEFAULT_ENRICHERS"]
