"""The processor chain: decode -> parse (per dataset) -> enrich, on batches.

The service's runtime and ``logwarden parse`` run the very same chain, so what
``parse`` prints is what the service indexes.

Dataset choice per entry: the source's explicit ``dataset`` always wins; else
the decoder's hint (CloudWatch log group, S3 key); else content sniffing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from streams.core import metrics
from streams.core.model import DeadLetter, Entry, Event, Record, Stage, raw_text
from streams.core.registry import DECODERS, ENRICHERS, PARSERS, ComponentConfig


@dataclass(slots=True)
class ChainResult:
    events: list[Event] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)


def default_enricher_configs() -> list[dict[str, Any]]:
    """The enrichers that need no external data, on unless the config says otherwise."""
    try:
        from processors.enrich import DEFAULT_ENRICHERS  # type: ignore[attr-defined]
    except ImportError:
        return []
    return [dict(item) for item in DEFAULT_ENRICHERS]


class ParserSet:
    """Builds one parser per dataset on first use, with its configured options."""

    def __init__(self, configs: dict[str, ComponentConfig] | None = None, keep_original: bool = False):
        self._configs = dict(configs or {})
        self._keep_original = keep_original
        self._parsers: dict[str, Any] = {}

    def get(self, dataset: str) -> Any:
        parser = self._parsers.get(dataset)
        if parser is None:
            reg = PARSERS.get(dataset)
            cfg = self._configs.get(dataset)
            if cfg is None:
                cfg = reg.config.model_validate({"type": dataset})
            if getattr(cfg, "keep_original", False) is None:
                cfg = cfg.model_copy(update={"keep_original": self._keep_original})
            parser = reg.factory(cfg)
            self._parsers[dataset] = parser
        return parser


class ProcessorChain:
    """Decode, parse and enrich a batch of records.

    ``dataset``: force every entry to this dataset (a source's ``dataset:``).
    ``decoder``: the decoder type (``auto`` sniffs per record).
    """

    def __init__(
        self,
        decoder: str = "auto",
        dataset: str | None = None,
        parsers: ParserSet | None = None,
        enrichers: Iterable[Any] = (),
    ):
        reg = DECODERS.get(decoder)
        self.decoder = reg.factory(reg.config.model_validate({"type": decoder}))
        self.dataset = dataset
        self.parsers = parsers or ParserSet()
        self.enrichers = list(enrichers)

    def decode(self, records: list[Record], result: ChainResult) -> list[Entry]:
        decoded = self.decoder.decode(records)
        result.dead_letters.extend(decoded.errors)
        for reason, n in decoded.dropped.items():
            result.dropped[f"decode:{reason}"] += n
        return decoded.entries

    def route(self, entries: list[Entry], result: ChainResult) -> dict[str, list[Entry]]:
        groups: dict[str, list[Entry]] = {}
        forced = self.dataset
        sniff = None
        for entry in entries:
            ds = forced or entry.dataset
            if ds is None:
                if sniff is None:
                    from processors.decode.detect import sniff
                ds = sniff(entry.value)
            if ds is None or ds not in PARSERS:
                result.dead_letters.append(
                    DeadLetter(
                        raw_text(entry.value),
                        f"no parser for dataset {ds!r}" if ds else "dataset not recognised",
                        Stage.PARSE,
                        entry.position,
                        ds,
                    )
                )
                continue
            group = groups.get(ds)
            if group is None:
                groups[ds] = group = []
            group.append(entry)
        return groups

    def parse(self, groups: dict[str, list[Entry]], result: ChainResult) -> None:
        for ds, group in groups.items():
            parsed = self.parsers.get(ds).parse(group)
            result.events.extend(parsed.events)
            result.dead_letters.extend(parsed.errors)
            for reason, n in parsed.dropped.items():
                result.dropped[f"parse:{reason}"] += n
            metrics.STAGE_OUT.labels("parse", ds).inc(len(parsed.events))

    def process(self, records: list[Record]) -> ChainResult:
        result = ChainResult()
        entries = self.decode(records, result)
        self.parse(self.route(entries, result), result)
        events = result.events
        for enricher in self.enrichers:
            events = enricher.enrich(events)
        result.events = events
        for letter in result.dead_letters:
            metrics.DEAD_LETTERED.labels(letter.stage.value, reason_label(letter.reason)).inc()
        for reason, n in result.dropped.items():
            stage, _, why = reason.partition(":")
            metrics.DROPPED.labels(stage, why).inc(n)
        return result


def reason_label(reason: str) -> str:
    """A low-cardinality metric label for a free-text reason."""
    head = reason.split(":", 1)[0].strip()
    return head[:48] if head else "unknown"


def build_enrichers(configs: list[ComponentConfig] | None) -> list[Any]:
    if configs is None:
        from streams.core.config import validate_component

        problems: list[tuple[str, str]] = []
        configs = [
            c
            for c in (validate_component(ENRICHERS, d, "enrichers", problems) for d in default_enricher_configs())
            if c is not None
        ]
    return [ENRICHERS.build(cfg) for cfg in configs]
