"""The embedded default ledger: one SQLite file; each step is one IMMEDIATE transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from dms_component.core import validate
from dms_component.core.verdicts import status_code, status_label, stored_forms
from dms_component.providers.adapters.ledger.base import (
    PENDING,
    VERIFIED,
    LedgerBackend,
    LedgerEntry,
    LedgerSettings,
    protected,
    quota_error,
    unchangeable,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sender_domains (
    domain TEXT PRIMARY KEY,
    mail_type TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT
)
"""
_COLUMNS = "domain, mail_type, status, owner"


class SqliteLedger(LedgerBackend):
    def __init__(self, path: str | Path, quota: int) -> None:
        super().__init__(quota)
        self.path = Path(path)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            # IMMEDIATE takes the write lock up front, so check-then-write can't interleave.
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(_SCHEMA)
                if "owner" not in {r[1] for r in conn.execute("PRAGMA table_info(sender_domains)")}:
                    conn.execute("ALTER TABLE sender_domains ADD COLUMN owner TEXT")  # a ledger made before owners
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()

    @staticmethod
    def _row(conn: sqlite3.Connection, domain: str) -> LedgerEntry | None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM sender_domains WHERE domain = ?", (domain,)).fetchone()
        return _entry(row) if row else None

    @staticmethod
    def _verified(conn: sqlite3.Connection) -> list[str]:
        query = "SELECT domain FROM sender_domains WHERE status IN (?, ?)"
        return [r[0] for r in conn.execute(query, stored_forms(VERIFIED))]

    def register(
        self, domain: str, mail_type: str, owner: str | None = None, *, dkim_key_bits: int = 2048
    ) -> LedgerEntry:
        with self._tx() as conn:
            existing = self._row(conn, domain)
            if existing is not None:
                return existing
            verified = self._verified(conn)
            if len(verified) >= self.quota:
                raise quota_error(domain, verified, self.quota)
            conn.execute(
                f"INSERT INTO sender_domains ({_COLUMNS}) VALUES (?, ?, ?, ?)",
                (domain, mail_type, status_code(PENDING), owner),
            )
            return LedgerEntry(domain, mail_type, PENDING, owner)

    def mark_verified(self, domain: str) -> LedgerEntry:
        with self._tx() as conn:
            entry = self._row(conn, domain)
            if entry is None:
                raise KeyError(f"{domain} is not in the ledger")
            if entry.status == VERIFIED:
                return entry
            verified = self._verified(conn)
            if len(verified) >= self.quota:
                raise quota_error(domain, verified, self.quota)
            conn.execute("UPDATE sender_domains SET status = ? WHERE domain = ?", (status_code(VERIFIED), domain))
            return LedgerEntry(domain, entry.mail_type, VERIFIED, entry.owner)

    def retype(self, domain: str, mail_type: str) -> LedgerEntry:
        with self._tx() as conn:
            entry = self._row(conn, domain)
            if entry is None:
                raise KeyError(f"{domain} is not in the ledger")
            if entry.status == VERIFIED and entry.mail_type != mail_type:
                raise unchangeable(domain, f"its type ({entry.mail_type})")
            conn.execute("UPDATE sender_domains SET mail_type = ? WHERE domain = ?", (mail_type, domain))
            return LedgerEntry(domain, mail_type, entry.status, entry.owner)

    def remove(self, domain: str) -> None:
        with self._tx() as conn:
            entry = self._row(conn, domain)
            if entry is not None and entry.status == VERIFIED:
                raise protected(domain)
            conn.execute("DELETE FROM sender_domains WHERE domain = ?", (domain,))

    def release(self, domain: str) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE sender_domains SET owner = NULL WHERE domain = ?", (domain,))

    def get(self, domain: str) -> LedgerEntry | None:
        with self._tx() as conn:
            return self._row(conn, domain)

    def entries(self) -> list[LedgerEntry]:
        if not self.path.exists():
            return []  # reading (e.g. the quota check at preview) must not create the ledger
        with self._tx() as conn:
            return [_entry(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM sender_domains ORDER BY domain")]


def _entry(row: tuple) -> LedgerEntry:
    # Rows hold the status code; rows written before codes hold the label: read both.
    domain, mail_type, status, owner = row
    return LedgerEntry(domain, mail_type, status_label(status), owner)


@dataclass(frozen=True, kw_only=True)
class SqliteLedgerArgs(LedgerSettings):
    """One SQLite file on the machine that runs pulumi (a laptop, a demo, tests)."""

    kind: ClassVar[str] = "sqlite"

    path: str = ".state/ledger.sqlite"
    """The file; a relative path is taken from the Pulumi project folder (default .state/ledger.sqlite)."""

    def validated(self, name: validate.Namer) -> SqliteLedgerArgs:
        return replace(super().validated(name), path=validate.text(self.path, name("path")))

    def open(self) -> SqliteLedger:
        return SqliteLedger(self.path, int(self.quota))


SETTINGS = SqliteLedgerArgs
