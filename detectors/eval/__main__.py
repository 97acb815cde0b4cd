"""``python -m detectors.eval [--small | --holdout] [--design NAME ...]``: print the table."""

from __future__ import annotations

import argparse

from detectors.eval.generate import suite
from detectors.eval.run import DESIGNS, evaluate, table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m detectors.eval", description=__doc__)
    parser.add_argument("--small", action="store_true", help="the small suite (seconds)")
    parser.add_argument("--holdout", action="store_true", help="the holdout suite written after the model")
    parser.add_argument("--design", action="append", choices=sorted(DESIGNS), help="designs to run (default: all)")
    args = parser.parse_args(argv)
    if args.holdout:
        from detectors.eval.holdout import holdout

        series = holdout()
    else:
        series = suite("small" if args.small else "full")
    print(f"{len(series)} series, {sum(len(s.values) for s in series)} points, "
          f"{sum(len(s.anomalies) for s in series)} labeled anomalies")
    rows = [evaluate(name, DESIGNS[name], series) for name in (args.design or list(DESIGNS))]
    print(table(rows))


if __name__ == "__main__":
    main()
