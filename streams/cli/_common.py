"""Helpers shared by CLI commands: config loading with readable errors, the summary table."""

from __future__ import annotations

import sys
from typing import Any

import typer

from streams.core.config import Config, ConfigError, load


def load_config_or_exit(path: str | None) -> Config:
    try:
        return load(path)
    except ConfigError as err:
        typer.echo(f"logwarden: {err}", err=True)
        raise typer.Exit(2) from None


def print_summary(summary: dict[str, Any], title: str = "logwarden summary") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_header=False)
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in sorted(value.items())) or "-"
        table.add_row(key.replace("_", " "), str(value))
    Console(file=sys.stderr).print(table)
