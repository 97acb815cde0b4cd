"""``opensearch_url`` for this folder: a noida-db whose whole process group is stopped at the end.

The shared fixture in tests/servers.py stops only noida-db's Python wrapper,
which leaves the server binary it spawned running after the session. Until
that is fixed there, this folder uses the helper that stops both.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.opensearch.helpers import Noida


@pytest.fixture(scope="session")
def opensearch_url() -> Iterator[str]:
    external = os.environ.get("LOGWARDEN_TEST_OPENSEARCH_URL")
    if external:
        yield external
        return
    server = Noida()
    server.start()
    try:
        yield server.url
    finally:
        server.cleanup()
