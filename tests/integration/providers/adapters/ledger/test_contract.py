"""The ledger contract, the same tests for every backend: idempotent steps, the quota, the no-delete rule."""

from __future__ import annotations

import inspect
import pickle
import threading
from typing import Any

import dill
import pytest

from dms_component.core.verdicts import PENDING_CODE, VERIFIED_CODE
from dms_component.core.errors import (
    ConfigError,
    DomainHasAddresses,
    DomainNotVerified,
    QuotaExceeded,
    SenderQuotaExceeded,
    VerifiedDomainProtected,
)
from dms_component.providers.adapters.ledger import LedgerBackend, LedgerEntry, open_ledger
from dms_component.providers.adapters.ledger.base import PENDING, VERIFIED
from tests.support.ledgers import Backend, TencentBackend, stored_addresses, stored_text, unverify, verify

AnyBackend = Backend | TencentBackend


def fill(ledger: LedgerBackend, count: int, prefix: str = "d") -> list[str]:
    names = [f"{prefix}{i}.example.com" for i in range(count)]
    for name in names:
        ledger.register(name, "batch")
        ledger.mark_verified(name)
    return names


def test_register_stores_a_pending_domain(ledger: LedgerBackend, backend: Backend, settings: dict[str, Any]) -> None:
    entry = ledger.register("notify.example.com", "triggered")

    assert entry == LedgerEntry("notify.example.com", "triggered", PENDING)
    assert backend.stored(settings) == [("notify.example.com", "triggered", PENDING_CODE)]
    assert backend.verified_count(settings) == 0


def test_register_is_idempotent(ledger: LedgerBackend, backend: Backend, settings: dict[str, Any]) -> None:
    first = ledger.register("notify.example.com", "triggered")
    second = ledger.register("notify.example.com", "triggered")
    # A second call returns the stored entry and does not change it, whatever type it asks for.
    third = ledger.register("notify.example.com", "batch")

    assert first == second == third == LedgerEntry("notify.example.com", "triggered", PENDING)
    assert backend.stored(settings) == [("notify.example.com", "triggered", PENDING_CODE)]


def test_the_owning_stack_is_kept_through_verification_and_released_on_retire(ledger: LedgerBackend) -> None:
    ledger.register("notify.example.com", "triggered", owner="organization/dms/prod")
    ledger.register("news.example.com", "batch")  # a row from before owners were kept
    # A second registration (another stack, or a rerun) never takes the row over.
    ledger.register("notify.example.com", "triggered", owner="organization/dms/dev")

    assert ledger.mark_verified("notify.example.com").owner == "organization/dms/prod"
    assert {e.domain: e.owner for e in ledger.entries()} == {
        "news.example.com": None,
        "notify.example.com": "organization/dms/prod",
    }

    ledger.release("notify.example.com")
    ledger.release("missing.example.com")  # nothing to release: fine

    assert ledger.get("notify.example.com") == LedgerEntry("notify.example.com", "triggered", VERIFIED, None)


def test_get_and_entries(ledger: LedgerBackend) -> None:
    assert ledger.get("missing.example.com") is None
    assert ledger.entries() == []
    ledger.register("b.example.com", "batch")
    ledger.register("a.example.com", "triggered")

    assert ledger.get("b.example.com") == LedgerEntry("b.example.com", "batch", PENDING)
    assert ledger.entries() == [
        LedgerEntry("a.example.com", "triggered", PENDING),
        LedgerEntry("b.example.com", "batch", PENDING),
    ]


def test_entries_lists_many_domains_in_order(backend: Backend) -> None:
    ledger = open_ledger(backend.fresh(quota=100))
    names = [f"n{i:03d}.example.com" for i in range(60)]
    for name in reversed(names):
        ledger.register(name, "batch")
    for name in names[:7]:
        ledger.mark_verified(name)

    entries = ledger.entries()
    assert [e.domain for e in entries] == names
    assert [e.status for e in entries] == [VERIFIED] * 7 + [PENDING] * 53


def test_mark_verified(ledger: LedgerBackend, backend: Backend, settings: dict[str, Any]) -> None:
    ledger.register("notify.example.com", "triggered")

    entry = ledger.mark_verified("notify.example.com")

    assert entry == LedgerEntry("notify.example.com", "triggered", VERIFIED)
    assert ledger.get("notify.example.com") == entry
    assert backend.stored(settings) == [("notify.example.com", "triggered", VERIFIED_CODE)]
    assert ledger.mark_verified("notify.example.com") == entry  # idempotent
    assert ledger.mark_verified("notify.example.com") == entry
    assert backend.verified_count(settings) == 1  # and counted once


def test_mark_verified_of_an_unknown_domain_raises_key_error(ledger: LedgerBackend, backend: Backend, settings) -> None:
    with pytest.raises(KeyError, match=r"nowhere\.example\.com"):
        ledger.mark_verified("nowhere.example.com")
    assert ledger.entries() == []
    assert backend.verified_count(settings) == 0


def test_quota_refuses_the_sixth_verification(
    ledger: LedgerBackend, backend: Backend, settings: dict[str, Any]
) -> None:
    ledger.register("sixth.example.com", "batch")  # registered while there was still room
    verified = fill(ledger, 5)

    with pytest.raises(QuotaExceeded) as exc:
        ledger.mark_verified("sixth.example.com")

    message = str(exc.value)
    assert "sixth.example.com can't be verified" in message
    assert f"5 of 5 verified sender domains ({', '.join(sorted(verified))})" in message
    assert exc.value.code == "ledger.quota" and "raise ledger.quota" in message  # the setting, for a front end to name
    assert "\n" not in message
    assert ledger.get("sixth.example.com") == LedgerEntry("sixth.example.com", "batch", PENDING)
    assert backend.verified_count(settings) == 5


def test_pending_domains_do_not_count_against_the_quota(ledger: LedgerBackend, backend: Backend, settings) -> None:
    for i in range(8):
        ledger.register(f"p{i}.example.com", "batch")
    fill(ledger, 5)
    assert [e.status for e in ledger.entries()].count(PENDING) == 8
    assert backend.verified_count(settings) == 5


def test_verified_domain_stays_verified_when_quota_is_full(ledger: LedgerBackend) -> None:
    names = fill(ledger, 5)
    assert ledger.mark_verified(names[0]).status == VERIFIED
    assert ledger.register(names[0], "batch").status == VERIFIED
    assert ledger.register(names[0], "triggered") == LedgerEntry(names[0], "batch", VERIFIED)


def test_register_refused_while_quota_is_full(
    ledger: LedgerBackend, backend: Backend, settings: dict[str, Any]
) -> None:
    ledger.register("pending.example.com", "batch")
    verified = fill(ledger, 5)

    with pytest.raises(QuotaExceeded) as exc:
        ledger.register("new.example.com", "triggered")

    assert "new.example.com can't be verified" in str(exc.value)
    assert f"({', '.join(sorted(verified))})" in str(exc.value)
    assert ledger.get("new.example.com") is None
    # A domain already in the ledger is still returned as it is.
    assert ledger.register("pending.example.com", "batch") == LedgerEntry("pending.example.com", "batch", PENDING)
    assert len(backend.stored(settings)) == 6


def test_the_quota_comes_from_the_settings(backend: Backend) -> None:
    settings = backend.fresh(quota=2)
    fill(open_ledger(settings), 2)
    raised = open_ledger({**settings, "quota": 3})  # a raised quota applies to the same ledger
    raised.register("third.example.com", "batch")
    assert raised.mark_verified("third.example.com").status == VERIFIED
    with pytest.raises(QuotaExceeded, match="3 of 3"):
        raised.register("fourth.example.com", "batch")

    lowered = open_ledger({**settings, "quota": 2})  # below what is verified: nothing more, nothing lost
    with pytest.raises(QuotaExceeded, match="already has 3 of 2"):
        lowered.register("fifth.example.com", "batch")
    assert [e.status for e in lowered.entries()] == [VERIFIED] * 3
    assert backend.verified_count(settings) == 3


def test_two_ledgers_with_the_same_settings_share_one_store(backend: Backend) -> None:
    settings = backend.fresh(quota=5)
    one, other = open_ledger(settings), open_ledger(dict(settings))
    one.register("shared.example.com", "batch")
    assert other.mark_verified("shared.example.com").status == VERIFIED
    assert one.get("shared.example.com") == LedgerEntry("shared.example.com", "batch", VERIFIED)
    with pytest.raises(VerifiedDomainProtected):
        one.remove("shared.example.com")


def test_separate_ledgers_have_separate_quotas(backend: Backend) -> None:
    first, second = open_ledger(backend.fresh(quota=1)), open_ledger(backend.fresh(quota=1))
    fill(first, 1)
    fill(second, 1, prefix="other")
    assert [e.domain for e in first.entries()] == ["d0.example.com"]
    assert [e.domain for e in second.entries()] == ["other0.example.com"]


def test_retype_a_pending_domain(ledger: LedgerBackend, backend: Backend, settings: dict[str, Any]) -> None:
    ledger.register("notify.example.com", "triggered")

    assert ledger.retype("notify.example.com", "batch") == LedgerEntry("notify.example.com", "batch", PENDING)
    assert ledger.retype("notify.example.com", "batch") == LedgerEntry("notify.example.com", "batch", PENDING)
    assert backend.stored(settings) == [("notify.example.com", "batch", PENDING_CODE)]


def test_retype_a_verified_domain_is_refused_unless_unchanged(
    ledger: LedgerBackend, backend: Backend, settings
) -> None:
    ledger.register("notify.example.com", "triggered")
    ledger.mark_verified("notify.example.com")

    assert ledger.retype("notify.example.com", "triggered") == LedgerEntry("notify.example.com", "triggered", VERIFIED)
    with pytest.raises(VerifiedDomainProtected) as exc:
        ledger.retype("notify.example.com", "batch")

    assert str(exc.value).startswith("notify.example.com is a verified sender domain")
    assert "its type (triggered)" in str(exc.value)
    assert backend.stored(settings) == [("notify.example.com", "triggered", VERIFIED_CODE)]
    assert backend.verified_count(settings) == 1


def test_retype_an_unknown_domain_raises_key_error(ledger: LedgerBackend) -> None:
    with pytest.raises(KeyError, match=r"nowhere\.example\.com"):
        ledger.retype("nowhere.example.com", "batch")
    assert ledger.entries() == []  # and creates nothing


def test_remove_pending_domain_deletes_it(ledger: LedgerBackend, backend: Backend, settings: dict[str, Any]) -> None:
    ledger.register("pending.example.com", "batch")
    ledger.register("other.example.com", "batch")

    ledger.remove("pending.example.com")

    assert ledger.get("pending.example.com") is None
    assert backend.stored(settings) == [("other.example.com", "batch", PENDING_CODE)]
    with pytest.raises(KeyError):
        ledger.mark_verified("pending.example.com")
    # It can come back later, as a new pending domain.
    assert ledger.register("pending.example.com", "triggered").mail_type == "triggered"


def test_remove_missing_domain_is_fine(ledger: LedgerBackend) -> None:
    ledger.register("kept.example.com", "batch")
    ledger.remove("never.example.com")
    assert [e.domain for e in ledger.entries()] == ["kept.example.com"]


def test_remove_verified_domain_is_refused_and_keeps_it(ledger: LedgerBackend, backend: Backend, settings) -> None:
    ledger.register("notify.example.com", "triggered")
    ledger.mark_verified("notify.example.com")

    with pytest.raises(VerifiedDomainProtected) as exc:
        ledger.remove("notify.example.com")

    assert str(exc.value).startswith("notify.example.com is a verified sender domain")
    assert "nothing was removed" in str(exc.value)
    assert backend.stored(settings) == [("notify.example.com", "triggered", VERIFIED_CODE)]
    assert backend.verified_count(settings) == 1


def test_ensure_removable(ledger: LedgerBackend) -> None:
    ledger.register("pending.example.com", "batch")
    ledger.register("verified.example.com", "batch")
    ledger.mark_verified("verified.example.com")

    ledger.ensure_removable("pending.example.com")
    ledger.ensure_removable("missing.example.com")
    with pytest.raises(VerifiedDomainProtected, match=r"^verified\.example\.com is a verified sender domain"):
        ledger.ensure_removable("verified.example.com")
    assert [e.domain for e in ledger.entries()] == ["pending.example.com", "verified.example.com"]


@pytest.mark.parametrize("pickler", [pickle, dill], ids=["pickle", "dill"])
def test_a_ledger_pickles_as_plain_data_and_works_after(ledger: LedgerBackend, pickler: Any) -> None:
    ledger.register("before.example.com", "batch")  # any client it used must not ride along

    copy = pickler.loads(pickler.dumps(ledger))

    assert copy.get("before.example.com") == LedgerEntry("before.example.com", "batch", PENDING)
    copy.register("after.example.com", "batch")
    assert [e.domain for e in ledger.entries()] == ["after.example.com", "before.example.com"]


def test_a_sqlite_ledger_from_before_owners_is_upgraded_in_place(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE sender_domains (domain TEXT PRIMARY KEY, mail_type TEXT NOT NULL, status TEXT NOT NULL)"
        )
        conn.execute("INSERT INTO sender_domains VALUES ('old.example.com', 'batch', ?)", (VERIFIED,))
    ledger = open_ledger({"backend": "sqlite", "path": str(path), "quota": 5})

    assert ledger.entries() == [LedgerEntry("old.example.com", "batch", VERIFIED, None)]
    assert ledger.register("new.example.com", "triggered", owner="o/p/s").owner == "o/p/s"


def test_rows_stored_before_status_codes_are_read_and_kept(
    ledger: LedgerBackend, backend: Backend, settings: dict[str, Any]
) -> None:
    # Older versions stored the display labels; they are read as the same statuses, and what is
    # written now is the code.
    backend.store_as_before(settings, ("kept.example.com", "triggered", "Verified"))
    backend.store_as_before(settings, ("old.example.com", "batch", "Pending verification"))

    assert ledger.get("kept.example.com") == LedgerEntry("kept.example.com", "triggered", VERIFIED)
    assert ledger.get("old.example.com") == LedgerEntry("old.example.com", "batch", PENDING)
    with pytest.raises(VerifiedDomainProtected):
        ledger.remove("kept.example.com")
    assert ledger.retype("old.example.com", "triggered").mail_type == "triggered"
    assert ledger.mark_verified("old.example.com").status == VERIFIED
    assert dict((d, s) for d, _, s in backend.stored(settings)) == {
        "first.example.com": PENDING_CODE,
        "kept.example.com": "Verified",
        "old.example.com": VERIFIED_CODE,
    }
    assert backend.verified_count(settings) == 2


# -- the interface every LedgerBackend shares, the service itself too (issue 20, item 5) --------------------


def test_every_ledger_takes_registers_parameters_alike() -> None:
    from dms_component.providers.adapters.ledger import BACKENDS, settings_class

    base = inspect.signature(LedgerBackend.register)
    for backend in BACKENDS:
        ledger_class = _ledger_class(backend)
        assert inspect.signature(ledger_class.register) == base, backend
        assert ledger_class.decides_records is settings_class(backend).decides_records


def _ledger_class(backend: str) -> type[LedgerBackend]:
    import importlib

    module = importlib.import_module(f"dms_component.providers.adapters.ledger.{backend}")
    return next(
        v
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, LedgerBackend) and v is not LedgerBackend
    )


def test_register_takes_the_owner_third_and_the_key_size_by_name(any_backend: AnyBackend) -> None:
    settings = any_backend.fresh()
    ledger = open_ledger(settings)

    first = ledger.register("notify.example.com", "triggered", "organization/dms/prod")
    second = ledger.register("news.example.com", "batch", "organization/dms/prod", dkim_key_bits=1024)

    if ledger.decides_records:
        # The service keeps no owner; the owner never lands where the key size goes.
        assert first.owner is None and second.owner is None
        identities = any_backend.cloud.identities  # type: ignore[union-attr]
        assert (identities["notify.example.com"].dkim_option, identities["news.example.com"].dkim_option) == (1, 0)
    else:
        assert first.owner == second.owner == "organization/dms/prod"
    assert any_backend.stored(settings) == [
        ("news.example.com", "batch", PENDING_CODE),
        ("notify.example.com", "triggered", PENDING_CODE),
    ]


def test_the_records_come_with_the_entry_where_the_service_decides_them(any_backend: AnyBackend) -> None:
    ledger = open_ledger(any_backend.fresh())

    entry = ledger.register("notify.example.com", "triggered")
    again = ledger.service_attributes("notify.example.com")

    if ledger.decides_records:
        assert entry.service_attributes and again
        wanted = [{k: a[k] for k in ("Type", "SendDomain", "ExpectedValue")} for a in entry.service_attributes]
        assert wanted == [{k: a[k] for k in ("Type", "SendDomain", "ExpectedValue")} for a in again]
    else:
        assert entry.service_attributes is None and again is None
    assert ledger.get("notify.example.com") == entry  # what the service says does not make entries differ


def test_ensure_retypable_refuses_at_preview_what_retype_would(any_backend: AnyBackend) -> None:
    ledger = open_ledger(any_backend.fresh())
    ledger.register("pending.example.com", "triggered")
    ledger.register("verified.example.com", "triggered")
    verify(any_backend, ledger, "verified.example.com")

    ledger.ensure_retypable("pending.example.com", "batch")
    ledger.ensure_retypable("verified.example.com", "triggered")
    ledger.ensure_retypable("missing.example.com", "batch")
    with pytest.raises(VerifiedDomainProtected, match=r"its type \(triggered\)"):
        ledger.ensure_retypable("verified.example.com", "batch")
    assert ledger.get("pending.example.com").mail_type == "triggered"  # type: ignore[union-attr]  # checked only


# -- sender addresses (issue 26, item 4): the same steps, rules and codes in every backend -------------------

PASSWORD = "Xy7Kq2mWzP9"  # meets the service's rule; searched for in every store


def addressed(backend: AnyBackend, quota: int = 5, sender_quota: int = 10) -> tuple[LedgerBackend, dict[str, Any]]:
    """A fresh ledger with two verified domains (one.example.com, two.example.com) and a pending one."""
    settings = backend.fresh(quota, sender_quota)  # type: ignore[call-arg]
    ledger = open_ledger(settings)
    for domain in ("one.example.com", "two.example.com", "pending.example.com"):
        ledger.register(domain, "batch")
    verify(backend, ledger, "one.example.com")
    verify(backend, ledger, "two.example.com")
    return ledger, settings


def test_an_address_is_created_under_its_verified_domain(address_backend: AnyBackend) -> None:
    ledger, settings = addressed(address_backend)

    entry = ledger.create_address("NoReply@One.Example.com", "Example Notifications", owner="o/p/s")

    assert (entry.address, entry.domain, entry.sender_name) == ("noreply@one.example.com", "one.example.com",
                                                                "Example Notifications")  # fmt: skip
    assert (entry.password_set, entry.unsubscribe) == (False, 0)
    assert stored_addresses(address_backend, settings) == [
        ("noreply@one.example.com", "one.example.com", "Example Notifications", False, 0)
    ]
    assert ledger.address("noreply@one.example.com") == entry
    assert ledger.addresses() == [entry] and ledger.addresses("one.example.com") == [entry]
    assert ledger.addresses("two.example.com") == []


def test_an_existing_address_is_taken_over_not_refused(address_backend: AnyBackend) -> None:
    ledger, settings = addressed(address_backend)
    first = ledger.create_address("noreply@one.example.com", "First", owner="o/p/s")

    # A rerun, a retried create, or a run killed before its state was written: the address is returned as it is.
    again = ledger.create_address("noreply@one.example.com", "First", owner="o/p/s")
    other_name = ledger.create_address("noreply@one.example.com", "Second")

    assert again == first == other_name
    assert [row[2] for row in stored_addresses(address_backend, settings)] == ["First"]


@pytest.mark.parametrize("domain", ["pending.example.com", "unknown.example.com"])
def test_an_address_under_a_domain_not_verified_is_refused(address_backend: AnyBackend, domain: str) -> None:
    ledger, settings = addressed(address_backend)

    with pytest.raises(DomainNotVerified) as exc:
        ledger.create_address(f"noreply@{domain}", "Example")

    assert exc.value.code == "ledger.domain-not-verified" and "dms wait" in str(exc.value)
    assert stored_addresses(address_backend, settings) == []


def test_the_sender_quota_counts_every_domains_addresses_in_one_step(address_backend: AnyBackend) -> None:
    ledger, settings = addressed(address_backend, sender_quota=3)
    ledger.create_address("a@one.example.com", "A")
    ledger.create_address("b@one.example.com", "B")
    ledger.create_address("c@two.example.com", "C")  # the quota is the account's, not the domain's

    with pytest.raises(SenderQuotaExceeded) as exc:
        ledger.create_address("d@two.example.com", "D")

    assert exc.value.code == "ledger.sender-quota" and "3 of 3 sender addresses" in str(exc.value)
    assert "Raise ledger.sender_quota" in str(exc.value)  # the setting, for a front end to name
    assert [row[0] for row in stored_addresses(address_backend, settings)] == [
        "a@one.example.com",
        "b@one.example.com",
        "c@two.example.com",
    ]
    # An existing address is still taken over while the quota is full; a raised quota makes room.
    assert ledger.create_address("a@one.example.com", "A").address == "a@one.example.com"
    raised = open_ledger({**settings, "sender_quota": 4})
    assert raised.create_address("d@two.example.com", "D").address == "d@two.example.com"


def test_the_sender_quota_is_checked_at_preview_like_at_apply(address_backend: AnyBackend) -> None:
    ledger, settings = addressed(address_backend, sender_quota=2)
    ledger.create_address("a@one.example.com", "A")

    ledger.ensure_sender_quota(["a@one.example.com", "b@two.example.com"])  # one new: fits
    plan = ledger.sender_quota_plan(["a@one.example.com", "b@two.example.com", "c@two.example.com"])
    assert plan.over == ("c@two.example.com",)
    with pytest.raises(SenderQuotaExceeded) as exc:
        ledger.ensure_sender_quota(["b@two.example.com", "c@two.example.com"])

    assert exc.value.code == "ledger.sender-quota" and "c@two.example.com would not fit" in str(exc.value)
    assert [row[0] for row in stored_addresses(address_backend, settings)] == ["a@one.example.com"]  # checked only


def test_two_racers_for_the_last_address_slot_cannot_both_win(address_backend: AnyBackend) -> None:
    ledger, settings = addressed(address_backend, sender_quota=3)
    if isinstance(address_backend, TencentBackend):
        address_backend.cloud.sender_limit = 3  # there the service's own limit is the atomic step
    ledger.create_address("a@one.example.com", "A")
    ledger.create_address("b@one.example.com", "B")
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def racer(i: int) -> None:
        own = open_ledger(dict(settings))  # its own connection or client
        start.wait(timeout=60)
        try:
            own.create_address(f"r{i}@two.example.com", f"R{i}")
            outcomes.append("ok")
        except SenderQuotaExceeded:
            outcomes.append("quota")

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert sorted(outcomes) == ["ok"] + ["quota"] * 5
    assert len(stored_addresses(address_backend, settings)) == 3


def test_delete_an_address(address_backend: AnyBackend) -> None:
    ledger, settings = addressed(address_backend)
    ledger.create_address("a@one.example.com", "A")
    ledger.create_address("b@one.example.com", "B")

    ledger.delete_address("a@one.example.com")
    ledger.delete_address("a@one.example.com")  # missing: fine
    ledger.delete_address("never@two.example.com")

    assert [row[0] for row in stored_addresses(address_backend, settings)] == ["b@one.example.com"]
    assert ledger.address("a@one.example.com") is None
    assert ledger.create_address("a@one.example.com", "A again").sender_name == "A again"  # it can come back


def test_the_ledger_keeps_only_that_a_password_is_set(address_backend: AnyBackend) -> None:
    ledger, settings = addressed(address_backend)
    ledger.create_address("a@one.example.com", "A")

    entry = ledger.set_smtp_password("a@one.example.com", PASSWORD)

    assert entry.password_set is True
    assert ledger.address("a@one.example.com") == entry
    assert stored_addresses(address_backend, settings)[0][3] is True
    assert PASSWORD not in stored_text(address_backend, settings)
    assert PASSWORD not in repr(ledger.addresses())


def test_a_password_that_breaks_the_rule_is_refused_and_nothing_changes(address_backend: AnyBackend) -> None:
    ledger, settings = addressed(address_backend)
    ledger.create_address("a@one.example.com", "A")

    with pytest.raises(ConfigError) as exc:
        ledger.set_smtp_password("a@one.example.com", "short1A")

    assert exc.value.code == "senders.password" and "short1A" not in str(exc.value)
    assert stored_addresses(address_backend, settings)[0][3] is False
    with pytest.raises(KeyError):
        ledger.set_smtp_password("missing@one.example.com", PASSWORD)


def test_the_unsubscribe_setting(address_backend: AnyBackend) -> None:
    ledger, settings = addressed(address_backend)
    ledger.create_address("a@one.example.com", "A")

    assert ledger.set_unsubscribe("a@one.example.com", 2).unsubscribe == 2
    assert stored_addresses(address_backend, settings)[0][4] == 2
    assert ledger.set_unsubscribe("a@one.example.com", 7).unsubscribe == 7  # another language
    assert ledger.set_unsubscribe("a@one.example.com", 0).unsubscribe == 0  # no link
    assert ledger.address("a@one.example.com").unsubscribe == 0  # type: ignore[union-attr]
    with pytest.raises(ConfigError) as exc:
        ledger.set_unsubscribe("a@one.example.com", 11)
    assert exc.value.code == "senders.unsubscribe"
    with pytest.raises(KeyError):
        ledger.set_unsubscribe("missing@one.example.com", 2)
    assert stored_addresses(address_backend, settings)[0][4] == 0


@pytest.mark.parametrize(
    ("address", "name", "code"),
    [
        ("bad address@one.example.com", "A", "senders.address"),
        ("noreply", "A", "senders.address"),  # the ledger takes full addresses
        ("a@one.example.com", "", "senders.sender-name"),
        ("a@one.example.com", "A <b>", "senders.sender-name"),
    ],
)
def test_a_bad_address_or_sender_name_is_refused_by_every_ledger(
    address_backend: AnyBackend, address: str, name: str, code: str
) -> None:
    ledger, settings = addressed(address_backend)
    with pytest.raises(ConfigError) as exc:
        ledger.create_address(address, name)
    assert exc.value.code == code
    assert stored_addresses(address_backend, settings) == []


def test_a_domain_with_addresses_is_not_removed(address_backend: AnyBackend) -> None:
    ledger, settings = addressed(address_backend)
    ledger.create_address("a@one.example.com", "A")
    with pytest.raises(VerifiedDomainProtected):  # the verified rule comes first
        ledger.remove("one.example.com")

    unverify(address_backend, settings, "one.example.com")  # pending again, its address kept
    with pytest.raises(DomainHasAddresses) as exc:
        ledger.remove("one.example.com")

    assert exc.value.code == "ledger.domain-has-addresses" and "a@one.example.com" in str(exc.value)
    assert ledger.get("one.example.com") is not None
    ledger.delete_address("a@one.example.com")  # the resource layer deletes the addresses first
    ledger.remove("one.example.com")
    assert ledger.get("one.example.com") is None
