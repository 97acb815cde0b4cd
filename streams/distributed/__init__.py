"""Distributed detectors: workers publish partial window aggregates, a faust agent merges and scores them.

* ``wire``: the partials-topic message format;
* ``publisher``: a worker's side (the ``detector_partials`` sink);
* ``merger``: per-partition merge state, watermarks over workers, scoring;
* ``app``: the faust app and agent (``logwarden merge-detectors``).
"""
