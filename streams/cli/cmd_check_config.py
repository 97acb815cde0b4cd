"""``logwarden check-config FILE``: validate a config without connecting anywhere."""

from __future__ import annotations

import typer

from streams.cli._common import load_config_or_exit


def register(app: typer.Typer) -> None:
    @app.command("check-config")
    def check_config(path: str = typer.Argument(..., help="the YAML config file")) -> None:
        """Validate a config file (and its detectors file); exit 2 naming each bad key."""
        cfg = load_config_or_exit(path)
        typer.echo(
            f"{path}: ok ({len(cfg.sources)} sources, {len(cfg.sinks)} sinks, "
            f"{len(cfg.finding_sinks)} finding sinks, {len(cfg.detectors)} detectors)"
        )
