"""Fixtures of the ledger contract: every test runs against SQLite and against DynamoDB on moto's server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dms_component.providers.adapters.ledger import LedgerBackend, open_ledger
from dms_component.providers.adapters.ledger.dynamodb import create_table
from tests.fakes.tencent_cloud import fake_for
from tests.support.ledgers import REGION, Backend, DynamoDbBackend, SqliteBackend, TencentBackend

TABLE = "dms-ledger-tests"


@pytest.fixture(scope="session")
def ledger_table(moto_server: str) -> str:
    """One table for the tests that need a table but no fresh ledger (most take one from backend.fresh())."""
    create_table(TABLE, REGION, endpoint=moto_server)
    return TABLE


@pytest.fixture(params=["sqlite", "dynamodb"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return SqliteBackend(tmp_path)
    return DynamoDbBackend(request.getfixturevalue("moto_server"))


@pytest.fixture
def settings(backend: Backend) -> dict[str, Any]:
    return backend.fresh(5)


@pytest.fixture
def ledger(backend: Backend, settings: dict[str, Any]) -> Iterator[LedgerBackend]:
    ledger = open_ledger(settings)
    yield ledger
    # After every test, whatever it did: the quota bookkeeping agrees with the stored domains.
    backend.verified_count(settings)


@pytest.fixture(params=["sqlite", "dynamodb", "tencent"])
def any_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend | TencentBackend]:
    """Every backend, the service itself too: for the part of the contract every LedgerBackend shares."""
    if request.param != "tencent":
        yield _plain(request, tmp_path)
        return
    cloud = fake_for(request.getfixturevalue("local_dns")).start()
    yield TencentBackend(cloud)
    cloud.stop()
    assert cloud.model_problems == []


def _plain(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return SqliteBackend(tmp_path)
    return DynamoDbBackend(request.getfixturevalue("moto_server"))


@pytest.fixture
def address_backend(any_backend: Backend | TencentBackend) -> Backend | TencentBackend:
    """The backends of the sender address contract: every backend keeps sender addresses (issue 26)."""
    return any_backend
