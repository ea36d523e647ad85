"""Fixtures for the integration tests: raw access to the session's Knot zone and DKIM keys."""

from __future__ import annotations

import pytest

from devtools.localdns import LocalDnsServer
from dms_component.providers.adapters import dkim_keys
from tests.integration.zone import Zone


@pytest.fixture
def zone(local_dns: LocalDnsServer) -> Zone:
    """Raw TSIG-signed updates and plain queries, independent of the code under test."""
    return Zone(local_dns)


@pytest.fixture(scope="session")
def dkim_key() -> str:
    """One 1024-bit DKIM public key (base64) for the whole session: generation is slow."""
    return dkim_keys.generate(1024).public_b64


@pytest.fixture(scope="session")
def other_dkim_key() -> str:
    return dkim_keys.generate(1024).public_b64
