"""``logwarden merge-detectors CONFIG``: run the faust merge agents of the distributed detectors."""

from __future__ import annotations

import typer

from streams.cli._common import load_config_or_exit


def register(app: typer.Typer) -> None:
    @app.command("merge-detectors")
    def merge_detectors(
        path: str = typer.Argument(..., help="the workers' YAML config (with a detector_partials sink)"),
        sink: str = typer.Option(None, help="name of the detector_partials sink when there are several"),
        loglevel: str = typer.Option("info", help="faust worker log level"),
    ) -> None:
        """Merge the workers' partial aggregates per key and window, run the detectors, emit findings."""
        cfg = load_config_or_exit(path)
        candidates = [s for s in cfg.sinks if s.type == "detector_partials" and (sink is None or s.name == sink)]
        if len(candidates) != 1:
            typer.echo("logwarden: the config needs exactly one detector_partials sink (use --sink NAME)", err=True)
            raise typer.Exit(2)
        if not cfg.finding_sinks:
            typer.echo("logwarden: the config has no finding_sinks: findings would go nowhere", err=True)
            raise typer.Exit(2)
        import faust

        from streams.distributed.app import build_app

        faust_app = build_app(candidates[0], cfg.finding_sinks)
        worker = faust.Worker(faust_app, loglevel=loglevel, override_logging=False)
        worker.execute_from_commandline()
