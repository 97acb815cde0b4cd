"""``logwarden parse --dataset D [FILE|-]``: parse log entries to ECS documents on stdout.

Runs the same processor chain as the service (decoders, the dataset's parser,
and the enrichers that need no external data). Bad entries are reported on
stderr as JSON with their line number and reason; the exit code is 0 when
the input was read, even with bad entries; a count summary ends stderr.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import orjson
import typer
import yaml

from processors.chain import ParserSet, ProcessorChain, build_enrichers
from streams.cli._common import load_config_or_exit
from streams.core.config import ConfigError, validate_component
from streams.core.registry import PARSERS
from streams.sources.file import FileSource, FileSourceConfig

# Envelope "datasets": their payloads carry entries of other datasets, chosen per entry
# (from the log group, the S3 key, or the content).
ENVELOPES = {"cloudwatch": "cloudwatch", "firehose": "firehose"}


def parser_configs(dataset: str | None, options: list[str], base: dict[str, Any]) -> dict[str, Any]:
    configs = dict(base)
    if not options:
        return configs
    if dataset is None:
        raise ConfigError([("--option", "parser options need --dataset")], "command line")
    section: dict[str, Any] = {"type": dataset}
    if dataset in configs:
        section.update(configs[dataset].model_dump(exclude_unset=True))
    for item in options:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError([(f"--option {item}", "expected KEY=VALUE")], "command line")
        section[key.strip()] = yaml.safe_load(value) if value else ""
    problems: list[tuple[str, str]] = []
    cfg = validate_component(PARSERS, section, f"parsers.{dataset}", problems)
    if problems:
        raise ConfigError(problems, "command line")
    configs[dataset] = cfg
    return configs


async def _parse(chain: ProcessorChain, path: str, keep: dict[str, int]) -> None:
    source = FileSource(FileSourceConfig(type="file", name="parse", paths=[path]))
    await source.start()
    out = sys.stdout.buffer
    err = sys.stderr.buffer
    dumps = orjson.dumps
    async for batch in source.batches():
        keep["records"] += len(batch.records)
        result = chain.process(batch.records)
        if result.events:
            out.write(b"\n".join(dumps(e.doc, default=str) for e in result.events) + b"\n")
        for letter in result.dead_letters:
            line = int(letter.position.offset) if letter.position.offset.isdigit() else letter.position.offset
            err.write(dumps({"line": line, "entry": letter.position.sub, "reason": letter.reason, "raw": letter.raw[:2000]}) + b"\n")
        keep["documents"] += len(result.events)
        keep["errors"] += len(result.dead_letters)
        for reason, n in result.dropped.items():
            keep[f"dropped:{reason}"] = keep.get(f"dropped:{reason}", 0) + n
    out.flush()


def register(app: typer.Typer) -> None:
    @app.command("parse")
    def parse(
        file: str = typer.Argument("-", help="input file (plain or gzip); - for stdin"),
        dataset: str | None = typer.Option(
            None, "--dataset", "-d",
            help="dataset (default: detected per entry); cloudwatch or firehose: envelopes whose entries are detected",
        ),
        decoder: str = typer.Option("auto", "--decoder", help="decoder type"),
        config: str | None = typer.Option(None, "-c", "--config", help="take parser/enricher settings from a config"),
        option: list[str] = typer.Option([], "--option", "-o", help="parser option KEY=VALUE (repeatable)"),
        keep_original: bool = typer.Option(False, "--keep-original", help="keep event.original"),
    ) -> None:
        """Parse entries to ECS JSON documents, one per line on stdout."""
        cfg = load_config_or_exit(config) if config else None
        if dataset in ENVELOPES:
            decoder, dataset = ENVELOPES[dataset], None
        if dataset is not None and dataset not in PARSERS:
            typer.echo(f"logwarden: unknown dataset {dataset!r}; known: {', '.join(PARSERS.names())}", err=True)
            raise typer.Exit(2)
        try:
            configs = parser_configs(dataset, option, cfg.parsers if cfg else {})
        except ConfigError as err:
            typer.echo(f"logwarden: {err}", err=True)
            raise typer.Exit(2) from None
        enrichers = build_enrichers(cfg.enrichers if cfg else None)
        chain = ProcessorChain(decoder, dataset, ParserSet(configs, keep_original), enrichers)
        counts = {"records": 0, "documents": 0, "errors": 0}
        try:
            asyncio.run(_parse(chain, file, counts))
        except FileNotFoundError as err:
            typer.echo(f"logwarden: {err}", err=True)
            raise typer.Exit(1) from None
        except BrokenPipeError:
            return
        sys.stderr.write(orjson.dumps({"summary": counts}).decode() + "\n")
