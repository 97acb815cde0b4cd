"""``logwarden backtest``: run detectors over recorded logs or a series, write an HTML report."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

DEFAULT_DETECTORS = [
    {"type": "log_rate", "name": "log_rate", "keys": ["dataset", "aws.vpcflow.interface_id", "aws.elb.name",
                                                      "aws.cloudwatch.log_group"]},
    {"type": "vpc_rejects", "name": "vpc_rejects"},
    {"type": "port_scan", "name": "port_scan"},
    {"type": "error_rate", "name": "error_rate"},
]


class InputFormat(StrEnum):
    LOGS = "logs"
    ECS = "ecs"
    SERIES = "series"


def _detectors(config: Path | None, series: bool) -> list:
    from detectors.reload import load_detector_configs
    from streams.core.config import ConfigError, validate_detectors

    try:
        if config is not None:
            return load_detector_configs(config)
        if series:
            return validate_detectors([{"type": "log_rate", "name": "series"}])
        return validate_detectors(DEFAULT_DETECTORS)
    except ConfigError as err:
        typer.echo(f"logwarden: {err}", err=True)
        raise typer.Exit(2) from None


def _series_points(paths: list[str]) -> list[tuple[float, float]]:
    from detectors.models.series_io import BadRow, read_series

    points: list[tuple[float, float]] = []
    bad = 0
    for path in paths:
        with open(path, newline="") as handle:
            for row in read_series(handle):
                if isinstance(row, BadRow):
                    bad += 1
                elif row.x == row.x:  # not NaN
                    points.append((row.t, row.x))
    if bad:
        typer.echo(f"logwarden: skipped {bad} malformed series rows", err=True)
    return sorted(points)


def register(app: typer.Typer) -> None:
    @app.command("backtest")
    def backtest(
        inputs: list[str] = typer.Argument(..., help="recorded log files (plain/gzip), ECS NDJSON files, or CSV series"),
        fmt: InputFormat = typer.Option(InputFormat.LOGS, "--format", "-f", help="logs, ecs (NDJSON documents) or series"),
        config: Path | None = typer.Option(None, "-c", "--config", help="config or detectors file (default: all four detectors)"),
        dataset: str | None = typer.Option(None, "--dataset", "-d", help="dataset of the inputs (default: detected)"),
        out: Path = typer.Option(Path("backtest.html"), "--out", "-o", help="HTML report to write"),
        findings_out: Path | None = typer.Option(None, "--findings", help="also write the findings as NDJSON here"),
        render: str = typer.Option("ecs", "--render", help="finding format for --findings/--print: ecs or ocsf"),
        print_findings: bool = typer.Option(False, "--print", help="print findings to stdout as they are found"),
        detector: str | None = typer.Option(None, "--detector", help="series: the log_rate detector to use"),
        max_panels: int = typer.Option(50, "--max-panels", min=1, help="panels (keys) drawn in the report"),
    ) -> None:
        """Run detectors over recorded data and write a self-contained HTML report (one panel per key)."""
        import orjson

        from detectors.backtest import ecs_batches, run_events, run_logs, run_series
        from detectors.findings import to_ecs, to_ocsf
        from detectors.report import render as render_html
        from detectors.runner import DetectorSet

        if render not in ("ecs", "ocsf"):
            raise typer.BadParameter("ecs or ocsf", param_hint="--render")
        configs = _detectors(config, fmt is InputFormat.SERIES)
        detector_set = DetectorSet(configs, clock=lambda: 0.0)
        try:
            if fmt is InputFormat.SERIES:
                rates = [c.name for c in configs if c.type == "log_rate" and c.enabled]
                name = detector or (rates[0] if rates else None)
                if name not in rates:
                    raise typer.BadParameter(f"needs a log_rate detector (have: {', '.join(rates) or 'none'})",
                                             param_hint="--detector")
                result = run_series(detector_set, name, Path(inputs[0]).stem, _series_points(inputs))
            elif fmt is InputFormat.ECS:
                result = run_events(detector_set, ecs_batches(inputs, dataset))
            else:
                result = run_logs(detector_set, inputs, dataset)
        except OSError as err:
            typer.echo(f"logwarden: {err}", err=True)
            raise typer.Exit(1) from None
        result.source = f"inputs: {', '.join(inputs)}"
        as_doc = to_ocsf if render == "ocsf" else to_ecs
        lines = [orjson.dumps(as_doc(f), default=str).decode() for f in result.findings]
        if print_findings:
            sys.stdout.write("".join(line + "\n" for line in lines))
        if findings_out is not None:
            findings_out.write_text("".join(line + "\n" for line in lines))
        out.write_text(render_html(result, f"logwarden backtest: {', '.join(Path(i).name for i in inputs)}",
                                   max_panels))
        opened = len({f.id for f in result.findings})
        typer.echo(f"{result.events:,} inputs, {opened} findings; report: {out}", err=True)
