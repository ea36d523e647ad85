"""What only the SQLite ledger has: its file, its backend name, its errors.

The rules every ledger keeps (idempotent steps, the quota, the no-delete rule, races) are the
contract tests in tests/integration/providers/adapters/ledger/, run against SQLite and DynamoDB alike.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dms_component.core.verdicts import PENDING_CODE
from dms_component.providers.adapters.ledger import DEFAULT_QUOTA, LedgerEntry, open_ledger
from dms_component.providers.adapters.ledger.base import PENDING
from dms_component.providers.adapters.ledger.sqlite import SqliteLedger


@pytest.fixture
def ledger(tmp_path: Path) -> SqliteLedger:
    return SqliteLedger(tmp_path / "state" / "ledger.sqlite", DEFAULT_QUOTA)


def rows(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT domain, mail_type, status FROM sender_domains ORDER BY domain").fetchall()
    finally:
        conn.close()


def test_default_quota_is_five() -> None:
    assert DEFAULT_QUOTA == 5


def test_open_ledger_builds_sqlite(tmp_path: Path) -> None:
    ledger = open_ledger({"backend": "sqlite", "path": str(tmp_path / "l.sqlite"), "quota": 7})
    assert isinstance(ledger, SqliteLedger)
    assert ledger.quota == 7
    assert ledger.path == tmp_path / "l.sqlite"
    with pytest.raises(ValueError, match="unknown ledger backend 'etcd'"):
        open_ledger({"backend": "etcd", "path": "x"})


def test_register_creates_parent_directory_and_a_pending_row(ledger: SqliteLedger) -> None:
    entry = ledger.register("notify.example.com", "triggered")

    assert entry == LedgerEntry("notify.example.com", "triggered", PENDING)
    assert ledger.path.exists()
    assert rows(ledger.path) == [("notify.example.com", "triggered", PENDING_CODE)]  # stored as the code


def test_reading_a_missing_ledger_does_not_create_it(ledger: SqliteLedger) -> None:
    assert ledger.entries() == []
    assert not ledger.path.exists()


def test_a_broken_ledger_file_reports_the_real_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"this is not an sqlite database " * 64)

    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        SqliteLedger(path, 5).register("notify.example.com", "triggered")
