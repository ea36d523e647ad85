"""The embedded default ledger: one SQLite file; each step is one IMMEDIATE transaction.

Tables: sender_domains (domain, mail_type, status, owner) and sender_addresses (address, domain, sender_name,
password_set, unsubscribe, owner). No password is ever stored: only that one is set.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from dms_component.core import senders, validate
from dms_component.core.verdicts import status_code, status_label, stored_forms
from dms_component.providers.adapters.ledger.base import (
    PENDING,
    VERIFIED,
    LedgerBackend,
    LedgerEntry,
    LedgerSettings,
    SenderAddressEntry,
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
_ADDRESS_SCHEMA = """
CREATE TABLE IF NOT EXISTS sender_addresses (
    address TEXT PRIMARY KEY,
    domain TEXT NOT NULL,
    sender_name TEXT NOT NULL,
    password_set INTEGER NOT NULL DEFAULT 0,
    unsubscribe INTEGER NOT NULL DEFAULT 0,
    owner TEXT
)
"""
_ADDRESS_COLUMNS = "address, domain, sender_name, password_set, unsubscribe, owner"


class SqliteLedger(LedgerBackend):
    def __init__(self, path: str | Path, quota: int, sender_quota: int = senders.DEFAULT_SENDER_QUOTA) -> None:
        super().__init__(quota, sender_quota)
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
                conn.execute(_ADDRESS_SCHEMA)
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
            left = [a.address for a in self._addresses(conn, domain)]
            if left:
                raise senders.has_addresses(domain, left)
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


    # -- sender addresses ------------------------------------------------------------------------------------

    @staticmethod
    def _addresses(conn: sqlite3.Connection, domain: str | None = None) -> list[SenderAddressEntry]:
        where, args = ("WHERE domain = ?", (domain,)) if domain is not None else ("", ())
        query = f"SELECT {_ADDRESS_COLUMNS} FROM sender_addresses {where} ORDER BY address"
        return [_address(r) for r in conn.execute(query, args)]

    @staticmethod
    def _address_row(conn: sqlite3.Connection, address: str) -> SenderAddressEntry | None:
        query = f"SELECT {_ADDRESS_COLUMNS} FROM sender_addresses WHERE address = ?"
        row = conn.execute(query, (address,)).fetchone()
        return _address(row) if row else None

    def addresses(self, domain: str | None = None) -> list[SenderAddressEntry]:
        if not self.path.exists():
            return []  # reading at preview must not create the ledger
        with self._tx() as conn:
            return self._addresses(conn, domain.lower() if domain else None)

    def create_address(self, address: str, sender_name: str, owner: str | None = None) -> SenderAddressEntry:
        address, domain = self._checked(address, sender_name)
        name = sender_name.strip()
        with self._tx() as conn:
            existing = self._address_row(conn, address)
            if existing is not None:
                return existing  # taken over (see LedgerBackend)
            entry = self._row(conn, domain)
            if entry is None or entry.status != VERIFIED:
                raise senders.not_verified(address, domain)
            have = [a.address for a in self._addresses(conn)]
            if len(have) >= self.sender_quota:
                raise senders.sender_quota_error(address, have, self.sender_quota)
            conn.execute(
                f"INSERT INTO sender_addresses ({_ADDRESS_COLUMNS}) VALUES (?, ?, ?, 0, ?, ?)",
                (address, domain, name, senders.NO_LINK, owner),
            )
            return SenderAddressEntry(address, domain, name, False, senders.NO_LINK, owner)

    def delete_address(self, address: str) -> None:
        address, _ = self._checked(address)
        with self._tx() as conn:
            conn.execute("DELETE FROM sender_addresses WHERE address = ?", (address,))

    def _update(self, address: str, column: str, value: int) -> SenderAddressEntry:
        with self._tx() as conn:
            if conn.execute(f"UPDATE sender_addresses SET {column} = ? WHERE address = ?", (value, address)).rowcount:
                found = self._address_row(conn, address)
                if found is not None:
                    return found
        raise KeyError(f"{address} is not in the ledger")

    def set_smtp_password(self, address: str, password: str) -> SenderAddressEntry:
        address, _ = self._checked(address)
        senders.check_password(password, f"SMTP password of {address}")
        return self._update(address, "password_set", 1)  # the password itself is never stored

    def set_unsubscribe(self, address: str, language: int) -> SenderAddressEntry:
        address, _ = self._checked(address)
        return self._update(address, "unsubscribe", self._language(address, language))


def _address(row: tuple) -> SenderAddressEntry:
    address, domain, sender_name, password_set, unsubscribe, owner = row
    return SenderAddressEntry(address, domain, sender_name, bool(password_set), int(unsubscribe), owner)


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
        return SqliteLedger(self.path, int(self.quota), int(self.sender_quota))


SETTINGS = SqliteLedgerArgs
