"""The SQLite ledger: idempotent steps, the quota, the no-delete rule and a multi-process race."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from dms_component.errors import QuotaExceeded, VerifiedDomainProtected
from providers.ledger import DEFAULT_QUOTA, LedgerEntry, open_ledger
from providers.ledger.base import PENDING, VERIFIED
from providers.ledger.sqlite import SqliteLedger


@pytest.fixture
def ledger(tmp_path: Path) -> SqliteLedger:
    return SqliteLedger(tmp_path / "state" / "ledger.sqlite", DEFAULT_QUOTA)


def rows(path: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT domain, mail_type, status FROM sender_domains ORDER BY domain").fetchall()
    finally:
        conn.close()


def fill(ledger: SqliteLedger, count: int) -> list[str]:
    names = [f"d{i}.example.com" for i in range(count)]
    for name in names:
        ledger.register(name, "batch")
        ledger.mark_verified(name)
    return names


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
    assert rows(ledger.path) == [("notify.example.com", "triggered", PENDING)]


def test_register_is_idempotent(ledger: SqliteLedger) -> None:
    first = ledger.register("notify.example.com", "triggered")
    second = ledger.register("notify.example.com", "triggered")
    # A second call returns the stored entry and does not change it.
    third = ledger.register("notify.example.com", "batch")

    assert first == second == third == LedgerEntry("notify.example.com", "triggered", PENDING)
    assert rows(ledger.path) == [("notify.example.com", "triggered", PENDING)]


def test_get_and_entries(ledger: SqliteLedger) -> None:
    assert ledger.get("missing.example.com") is None
    assert ledger.entries() == []
    ledger.register("b.example.com", "batch")
    ledger.register("a.example.com", "triggered")

    assert ledger.get("b.example.com") == LedgerEntry("b.example.com", "batch", PENDING)
    assert ledger.entries() == [
        LedgerEntry("a.example.com", "triggered", PENDING),
        LedgerEntry("b.example.com", "batch", PENDING),
    ]


def test_mark_verified(ledger: SqliteLedger) -> None:
    ledger.register("notify.example.com", "triggered")

    entry = ledger.mark_verified("notify.example.com")

    assert entry == LedgerEntry("notify.example.com", "triggered", VERIFIED)
    assert ledger.get("notify.example.com") == entry
    assert rows(ledger.path) == [("notify.example.com", "triggered", VERIFIED)]
    assert ledger.mark_verified("notify.example.com") == entry  # idempotent


def test_mark_verified_of_an_unknown_domain_raises_key_error(ledger: SqliteLedger) -> None:
    with pytest.raises(KeyError, match=r"nowhere\.example\.com"):
        ledger.mark_verified("nowhere.example.com")
    assert ledger.entries() == []


def test_quota_refuses_the_sixth_verification(ledger: SqliteLedger) -> None:
    ledger.register("sixth.example.com", "batch")  # registered while there was still room
    verified = fill(ledger, 5)

    with pytest.raises(QuotaExceeded) as exc:
        ledger.mark_verified("sixth.example.com")

    message = str(exc.value)
    assert "sixth.example.com can't be verified" in message
    assert "5 of 5" in message
    assert f"({', '.join(sorted(verified))})" in message
    assert "dms:ledger.quota" in message
    assert "\n" not in message
    assert ledger.get("sixth.example.com") == LedgerEntry("sixth.example.com", "batch", PENDING)
    assert [e.status for e in ledger.entries()].count(VERIFIED) == 5


def test_pending_domains_do_not_count_against_the_quota(ledger: SqliteLedger) -> None:
    for i in range(8):
        ledger.register(f"p{i}.example.com", "batch")
    fill(ledger, 5)
    assert [e.status for e in ledger.entries()].count(PENDING) == 8


def test_verified_domain_stays_verified_when_quota_is_full(ledger: SqliteLedger) -> None:
    names = fill(ledger, 5)
    assert ledger.mark_verified(names[0]).status == VERIFIED
    assert ledger.register(names[0], "batch").status == VERIFIED


def test_register_refused_while_quota_is_full(ledger: SqliteLedger) -> None:
    verified = fill(ledger, 5)

    with pytest.raises(QuotaExceeded) as exc:
        ledger.register("new.example.com", "triggered")

    assert "new.example.com can't be verified" in str(exc.value)
    for name in verified:
        assert name in str(exc.value)
    assert ledger.get("new.example.com") is None


def test_custom_quota(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "l.sqlite", 2)
    fill(ledger, 2)
    ledger_again = SqliteLedger(tmp_path / "l.sqlite", 3)  # a raised quota applies to the same file
    ledger_again.register("third.example.com", "batch")
    assert ledger_again.mark_verified("third.example.com").status == VERIFIED
    with pytest.raises(QuotaExceeded, match="3 of 3"):
        ledger_again.register("fourth.example.com", "batch")


def test_remove_pending_domain_deletes_it(ledger: SqliteLedger) -> None:
    ledger.register("pending.example.com", "batch")
    ledger.register("other.example.com", "batch")

    ledger.remove("pending.example.com")

    assert ledger.get("pending.example.com") is None
    assert rows(ledger.path) == [("other.example.com", "batch", PENDING)]


def test_remove_missing_domain_is_fine(ledger: SqliteLedger) -> None:
    ledger.register("kept.example.com", "batch")
    ledger.remove("never.example.com")
    assert [e.domain for e in ledger.entries()] == ["kept.example.com"]


def test_remove_verified_domain_is_refused_and_keeps_the_row(ledger: SqliteLedger) -> None:
    ledger.register("notify.example.com", "triggered")
    ledger.mark_verified("notify.example.com")

    with pytest.raises(VerifiedDomainProtected) as exc:
        ledger.remove("notify.example.com")

    assert str(exc.value).startswith("notify.example.com is a verified sender domain")
    assert "nothing was removed" in str(exc.value)
    assert rows(ledger.path) == [("notify.example.com", "triggered", VERIFIED)]


def test_ensure_removable(ledger: SqliteLedger) -> None:
    ledger.register("pending.example.com", "batch")
    ledger.register("verified.example.com", "batch")
    ledger.mark_verified("verified.example.com")

    ledger.ensure_removable("pending.example.com")
    ledger.ensure_removable("missing.example.com")
    with pytest.raises(VerifiedDomainProtected, match=r"^verified\.example\.com is a verified sender domain"):
        ledger.ensure_removable("verified.example.com")
    # ensure_removable only checks; it never deletes.
    assert [e.domain for e in ledger.entries()] == ["pending.example.com", "verified.example.com"]


def test_a_broken_ledger_file_reports_the_real_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"this is not an sqlite database " * 64)

    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        SqliteLedger(path, 5).register("notify.example.com", "triggered")


# --- the race ----------------------------------------------------------------------------------

WORKERS = 8
QUOTA = 5
ROUNDS = 5


def _race_worker(paths: list[str], index: int, start: Any, results: Any) -> None:
    """Child process: for each round, wait for all workers, then register and verify one domain."""
    for round_, path in enumerate(paths):
        domain = f"r{round_}-w{index}.example.com"
        ledger = SqliteLedger(path, QUOTA)
        start.wait(timeout=60)
        try:
            ledger.register(domain, "batch")
            ledger.mark_verified(domain)
        except QuotaExceeded as exc:
            results.put((round_, domain, "quota", str(exc)))
        except BaseException as exc:
            results.put((round_, domain, "error", repr(exc)))
        else:
            results.put((round_, domain, "ok", ""))


def test_race_of_eight_processes_against_quota_five(tmp_path: Path) -> None:
    """8 spawned processes race on a fresh ledger file, ROUNDS times: exactly QUOTA win each time."""
    ctx = multiprocessing.get_context("spawn")
    paths = [str(tmp_path / f"race-{r}.sqlite") for r in range(ROUNDS)]
    start = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=_race_worker, args=(paths, i, start, results)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    try:
        outcomes = [results.get(timeout=60) for _ in range(WORKERS * ROUNDS)]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert [p.exitcode for p in procs] == [0] * WORKERS

    errors = [o for o in outcomes if o[2] == "error"]
    assert errors == []
    for round_, path in enumerate(paths):
        mine = [o for o in outcomes if o[0] == round_]
        winners = sorted(d for _, d, kind, _ in mine if kind == "ok")
        refused = [(d, msg) for _, d, kind, msg in mine if kind == "quota"]
        assert len(mine) == WORKERS, round_
        assert len(winners) == QUOTA, (round_, mine)
        assert len(refused) == WORKERS - QUOTA, (round_, mine)

        verified = sorted(r[0] for r in rows(Path(path)) if r[2] == VERIFIED)
        assert verified == winners, round_
        for domain, message in refused:
            assert f"{domain} can't be verified" in message
            assert f"5 of 5 verified sender domains ({', '.join(winners)})" in message
