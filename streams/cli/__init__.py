"""The ``logwarden`` command line.

Each command lives in its own module ``streams/cli/cmd_<name>.py`` exposing
``register(app: typer.Typer) -> None``; modules are discovered at start, so
adding a command is adding one module.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from streams import __version__

app = typer.Typer(
    name="logwarden",
    help="Stream processing for AWS logs: decode, parse to ECS, enrich, detect anomalies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"logwarden {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """logwarden: AWS log analytics on streams."""


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__, __name__ + "."), key=lambda i: i.name):
        if info.name.rsplit(".", 1)[-1].startswith("cmd_"):
            importlib.import_module(info.name).register(app)


_register_commands()


def main() -> None:
    app()
