"""Shared synthetic traffic for the detector tests (generated once per session)."""

from __future__ import annotations

import pytest

from tests.detectors.traffic import Traffic, standard_injections


@pytest.fixture(scope="session")
def anomalous_traffic() -> Traffic:
    return Traffic(injections=standard_injections())


@pytest.fixture(scope="session")
def anomalous_batches(anomalous_traffic: Traffic) -> list:
    return anomalous_traffic.batches()


@pytest.fixture(scope="session")
def clean_batches() -> list:
    return Traffic(seed=11).batches()
