"""``logwarden replay [--dataset D] [-c CONFIG] FILES...``: run the pipeline over exported log files."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import typer

from streams.cli._common import load_config_or_exit, print_summary
from streams.core.config import Config, validate
from streams.runtime.logs import setup_logging
from streams.runtime.pipeline import Pipeline, install_signal_handlers
from streams.sources.file import FileSource


def replay_config(base: Config | None, files: list[str], dataset: str | None, out: str) -> Config:
    """The base config (or a local default) with its sources replaced by one file source."""
    from streams.core.defaults import replay_defaults

    data: dict[str, Any] = dict(base.raw.model_dump(exclude_unset=True)) if base else replay_defaults(out)
    data["sources"] = [{"type": "file", "name": "replay", "paths": files, "dataset": dataset}]
    if base is None:
        data.setdefault("metrics", {})["enabled"] = False
    return validate(data, base.origin if base else "replay defaults")


async def _run(pipeline: Pipeline, show_progress: bool) -> dict[str, Any]:
    install_signal_handlers(pipeline)
    await pipeline.start()
    source = next(s for s in pipeline.sources if isinstance(s, FileSource))
    if not show_progress:
        return (await pipeline.run()).as_dict()
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("replay"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[rate]}"), TimeRemainingColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("replay", total=source.bytes_total or None, rate="")
        runner = asyncio.create_task(pipeline.run())
        while not runner.done():
            summary = pipeline.summary
            rate = summary.records_in / summary.elapsed if summary.elapsed > 0 else 0
            progress.update(task, completed=source.bytes_read, rate=f"{rate:,.0f} records/s")
            await asyncio.wait({runner}, timeout=0.2)
        progress.update(task, completed=source.bytes_total)
        return runner.result().as_dict()


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay(
        files: list[str] = typer.Argument(..., help="log files or globs (plain or gzip)"),
        dataset: str | None = typer.Option(None, "--dataset", "-d", help="dataset (default: detected)"),
        config: str | None = typer.Option(None, "-c", "--config", help="config for sinks/detectors"),
        out: str = typer.Option("./logwarden-out", "--out", help="output directory (without -c)"),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
    ) -> None:
        """Replay exported log files through the whole pipeline, with a progress bar."""
        base = load_config_or_exit(config) if config else None
        cfg = replay_config(base, files, dataset, out)
        setup_logging(cfg.logging.level, cfg.logging.format)
        pipeline = Pipeline(cfg)
        try:
            summary = asyncio.run(_run(pipeline, progress and sys.stderr.isatty()))
        except (OSError, ValueError) as err:
            typer.echo(f"logwarden: {err}", err=True)
            raise typer.Exit(1) from None
        print_summary(summary, "replay summary")
