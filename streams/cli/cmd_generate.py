"""``logwarden generate``: write synthetic AWS log lines to a file (gzip when the name ends in .gz)."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import IO

import typer
import yaml
from pydantic import ValidationError

from streams.generator.engine import MIX_DATASETS, TrafficGenerator, TrafficSettings

WRITE_CHUNK = 1 << 20


def _anomalies(path: Path | None) -> list[dict]:
    if path is None:
        return []
    data = yaml.safe_load(path.read_text()) or []
    if isinstance(data, dict):
        data = data.get("anomalies", [])
    if not isinstance(data, list):
        raise typer.BadParameter("the anomalies file must hold a list (or a mapping with an 'anomalies' list)")
    return data


def generate(
    out: Path = typer.Argument(..., help="output file; gzip-compressed when it ends in .gz"),
    dataset: list[str] = typer.Option(["vpcflow"], "--dataset", "-d", help=f"dataset(s) to mix: {', '.join(MIX_DATASETS)}"),
    count: int = typer.Option(1_000_000, "--count", "-n", min=1, help="number of lines"),
    seed: int = typer.Option(42, "--seed", help="same seed, same lines"),
    start: str = typer.Option("2024-01-01T00:00:00Z", "--start", help="simulated start: ISO time, now or now-2h"),
    rate: float = typer.Option(1000.0, "--rate", min=0.001, help="lines per simulated second"),
    anomalies: Path | None = typer.Option(None, "--anomalies", exists=True, dir_okay=False, help="YAML list of anomalies"),
    malformed_every: int | None = typer.Option(None, "--malformed-every", min=2, help="every Nth line is malformed"),
    labels: Path | None = typer.Option(None, "--labels", help="write the anomalies' ground truth (JSON) here"),
) -> None:
    """Generate synthetic AWS log lines (VPC flow v2 by default) quickly, for replays and benchmarks."""
    try:
        settings = TrafficSettings.model_validate(
            {
                "seed": seed,
                "start": start,
                "rate": rate,
                "max_records": count,
                "datasets": {name: 1.0 for name in dataset},
                "anomalies": _anomalies(anomalies),
                "malformed_every": malformed_every,
            }
        )
    except ValidationError as err:
        raise typer.BadParameter(str(err)) from None
    traffic = TrafficGenerator(settings)
    began = time.perf_counter()
    written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    fh: IO[str]
    if out.name.endswith(".gz"):
        fh = gzip.open(out, "wt", compresslevel=1, encoding="utf-8", newline="\n")
    else:
        fh = open(out, "w", encoding="utf-8", newline="\n")
    with fh:
        for chunk in traffic.chunks():
            if chunk.lines:
                fh.write("\n".join(chunk.lines))
                fh.write("\n")
                written += len(chunk.lines)
    if labels is not None:
        labels.write_text(json.dumps(traffic.labels(), indent=2) + "\n")
    elapsed = time.perf_counter() - began
    typer.echo(f"wrote {written} lines to {out} in {elapsed:.2f}s ({written / max(elapsed, 1e-9):,.0f} lines/s)", err=True)


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
