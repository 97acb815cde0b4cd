"""Garbage-collector settings for a running pipeline.

A pipeline allocates several container objects per record (documents,
partials, sketches) and keeps many of them alive for a while (queued
batches, detector windows). With CPython's default gen0 threshold (700)
the cyclic collector ran every few records and its older generations
re-traversed everything alive: on the reference path it took ~45 % of the
CPU on CloudTrail and ~20 % on ALB. Nearly all of these objects are
acyclic and freed by reference counting anyway, so the pipeline

* moves what exists once the first pipeline of the process is built
  (modules, configuration, GeoIP readers, detector models) to the
  permanent generation (``gc.freeze``, once: objects frozen are never
  collected, so a process that builds many pipelines, like the tests, does
  not pin each one's cycles), so collections never traverse it again, and
* collects the young generation every ``GEN0`` net allocations instead of
  700 (cyclic garbage waits a little longer; memory stays bounded by the
  same thresholds).

``LOGWARDEN_GC=default`` keeps the interpreter's settings.

>>> import gc
>>> before = gc.get_threshold()
>>> tune_gc({"LOGWARDEN_GC": "default"}), gc.get_threshold() == before
(False, True)
>>> tune_gc({}), gc.get_threshold()[0] == GEN0
(True, True)
>>> gc.set_threshold(*before); gc.unfreeze()
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping

GEN0, GEN1, GEN2 = 50_000, 20, 100
_frozen = False


def tune_gc(environ: Mapping[str, str] | None = None) -> bool:
    """Apply the pipeline's collector settings (once the pipeline is built); False when disabled."""
    env = os.environ if environ is None else environ
    if env.get("LOGWARDEN_GC", "tuned") == "default":
        return False
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True
    gc.set_threshold(GEN0, GEN1, GEN2)
    return True
