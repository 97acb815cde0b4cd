"""Labeled evaluation of the series models (NAB-style): ``python -m detectors.eval``."""
