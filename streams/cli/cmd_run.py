"""``logwarden run [-c CONFIG]``: run the service (no config: the embedded default)."""

from __future__ import annotations

import asyncio
import json
import logging
import os

import typer

from streams.cli._common import load_config_or_exit, print_summary
from streams.runtime.logs import setup_logging
from streams.runtime.pipeline import Pipeline, install_signal_handlers


def run_pipeline(pipeline: Pipeline, duration: float | None) -> dict:
    async def main() -> dict:
        install_signal_handlers(pipeline)
        summary = await pipeline.run(duration=duration)
        return summary.as_dict()

    return asyncio.run(main())


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        config: str | None = typer.Option(
            os.environ.get("LOGWARDEN_CONFIG"), "-c", "--config", help="YAML config (default: the embedded demo)"
        ),
        duration: float | None = typer.Option(None, help="stop (drain) after this many seconds"),
        dry_run: bool = typer.Option(False, "--dry-run", help="run detectors, print findings, send none"),
        summary_json: bool = typer.Option(False, "--summary-json", help="print the summary as JSON on stdout"),
    ) -> None:
        """Run the pipeline until its sources end or SIGTERM/SIGINT drains it."""
        cfg = load_config_or_exit(config)
        setup_logging(cfg.logging.level, cfg.logging.format)
        log = logging.getLogger("logwarden")
        log.info("starting", extra={"config": cfg.origin, "sources": [s.type for s in cfg.sources]})
        try:
            summary = run_pipeline(Pipeline(cfg, dry_run=dry_run), duration)
        except (OSError, ValueError) as err:
            typer.echo(f"logwarden: {err}", err=True)
            raise typer.Exit(1) from None
        if summary_json:
            typer.echo(json.dumps(summary))
        print_summary(summary)
