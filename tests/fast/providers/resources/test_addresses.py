"""SenderAddress's diff: what a change of each input does to the address (issue 26, items 2 and 5)."""

from __future__ import annotations

from typing import Any

import pytest

from dms_component.core.address_plan import address_plan, address_rows, render_address_plan
from dms_component.providers.resources.addresses import SenderAddressProvider

OLDS = {
    "domain": "n.example.test",
    "address": "noreply@n.example.test",
    "sender_name": "News",
    "password": "Send3r-Pass9word",
    "generate_password": False,
    "unsubscribe": 2,
    "domain_status": "Verified",
    "ledger": {"backend": "sqlite", "path": "ledger.sqlite"},
    "created": True,
}


def diff(olds: dict[str, Any], **news: Any) -> Any:
    return SenderAddressProvider().diff("id", olds, {**{k: v for k, v in olds.items() if k != "created"}, **news})


def test_a_new_sender_name_replaces_the_address_deleting_it_first() -> None:
    found = diff(OLDS, sender_name="Newsletter")
    assert found.changes and found.replaces == ["sender_name"] and found.delete_before_replace


@pytest.mark.parametrize("change", [{"password": "An0ther-Pass7word"}, {"unsubscribe": 5}, {"generate_password": True}])
def test_a_new_password_or_unsubscribe_setting_is_set_in_place(change: dict[str, Any]) -> None:
    found = diff(OLDS, **change)
    assert found.changes and not found.replaces


def test_nothing_changed_is_no_change_and_an_address_not_made_yet_is_tried_again() -> None:
    assert not diff(OLDS).changes
    waiting = diff({**OLDS, "created": False})
    assert waiting.changes and not waiting.replaces  # its domain was pending: this `up` tries again


def test_a_retired_domains_address_is_never_touched() -> None:
    assert not diff(OLDS, retired=True, sender_name="Other").changes


def test_the_address_plan_creates_the_missing_replaces_a_renamed_and_leaves_the_undeclared_alone() -> None:
    declared = [
        {"address": "a@n.test", "sender_name": "A", "unsubscribe": 2.0},
        {"address": "b@n.test", "sender_name": "B", "unsubscribe": 0},
        {"address": "c@n.test", "sender_name": "C", "unsubscribe": 0},
    ]
    existing = [
        {"address": "b@n.test", "sender_name": "Bee", "unsubscribe": 0, "password_set": True},
        {"address": "c@n.test", "sender_name": "C", "unsubscribe": 0},
        {"address": "console@n.test", "sender_name": "Console", "unsubscribe": 0},
    ]
    plan = address_plan(declared, existing)
    assert [(p["address"], p["action"]) for p in plan] == [
        ("a@n.test", "create"),
        ("b@n.test", "replace"),
        ("c@n.test", "keep"),
    ]
    assert render_address_plan(plan)[0] == '  + CREATE   ADDRESS a@n.test "A" (unsubscribe en)'
    rows = {r["address"]: (r["status_code"], r["password_set"]) for r in address_rows(declared, existing)}
    assert rows == {
        "b@n.test": ("address.made", True),
        "c@n.test": ("address.made", False),
        "console@n.test": ("address.undeclared", False),
        "a@n.test": ("address.waiting", False),
    }


def test_refresh_reads_what_the_service_says_never_the_password(tmp_path) -> None:
    from dms_component.providers.adapters.ledger.sqlite import SqliteLedger

    ledger = SqliteLedger(tmp_path / "ledger.sqlite", 5)
    ledger.register("n.example.test", "batch")
    ledger.mark_verified("n.example.test")
    ledger.create_address("noreply@n.example.test", "Renamed in the console")  # no password, no link
    props = {**OLDS, "ledger": {"backend": "sqlite", "path": str(tmp_path / "ledger.sqlite")}}

    read = SenderAddressProvider().read("noreply@n.example.test", props).outs

    assert (read["sender_name"], read["password_set"], read["unsubscribe"]) == ("Renamed in the console", False, 0)
    assert read["password"] == OLDS["password"]  # the input as declared: the service never returns a password
    assert diff(read, **{k: OLDS[k] for k in ("sender_name", "unsubscribe")}).replaces == ["sender_name"]


def test_an_address_made_stays_made_when_its_domain_reads_pending_again(tmp_path) -> None:
    """A verified domain whose check is pending in a later `up` (a record change not served yet) still holds its
    addresses in the service: the address keeps its state, so removing it later deletes it, and a generated
    password is not silently replaced by a new one."""
    from dms_component.providers.adapters.ledger.sqlite import SqliteLedger

    ledger = SqliteLedger(tmp_path / "ledger.sqlite", 5)
    ledger.register("n.example.test", "batch")
    ledger.mark_verified("n.example.test")
    props = {
        **{k: v for k, v in OLDS.items() if k != "created"},
        "password": None,
        "generate_password": True,
        "ledger": {"backend": "sqlite", "path": str(tmp_path / "ledger.sqlite")},
    }
    provider = SenderAddressProvider()
    made = provider.create(props).outs
    generated = made["smtp_password"]

    pending = {**props, "unsubscribe": 5, "domain_status": "Pending verification"}
    now = provider.update("id", made, pending).outs

    assert now["created"] and now["smtp_password"] == generated
    provider.delete("id", now)  # removed from the program
    assert ledger.addresses("n.example.test") == []


def test_an_address_made_again_in_an_update_gets_its_unsubscribe_link_back(tmp_path) -> None:
    """Deleted in the console (no refresh since): the next update that makes it again (here for a new password)
    sets its unsubscribe link too, not only its password."""
    from dms_component.providers.adapters.ledger.sqlite import SqliteLedger

    ledger = SqliteLedger(tmp_path / "ledger.sqlite", 5)
    ledger.register("n.example.test", "batch")
    ledger.mark_verified("n.example.test")
    props = {
        **{k: v for k, v in OLDS.items() if k != "created"},
        "ledger": {"backend": "sqlite", "path": str(tmp_path / "ledger.sqlite")},
    }
    provider = SenderAddressProvider()
    made = provider.create(props).outs
    ledger.delete_address("noreply@n.example.test")  # in the console

    provider.update("id", made, {**props, "password": "An0ther-Pass7word"})

    found = ledger.address("noreply@n.example.test")
    assert found is not None and found.password_set and found.unsubscribe == 2


def test_a_declared_password_refresh_found_unset_is_set_again_by_the_next_up(tmp_path) -> None:
    """Made again in the console with the same sender name (SmtpPwdType 0): refresh sees no password, and the
    next `up` sets the declared one again instead of showing no changes."""
    from dms_component.providers.adapters.ledger.sqlite import SqliteLedger

    ledger = SqliteLedger(tmp_path / "ledger.sqlite", 5)
    ledger.register("n.example.test", "batch")
    ledger.mark_verified("n.example.test")
    props = {
        **{k: v for k, v in OLDS.items() if k != "created"},
        "unsubscribe": 0,  # so only the password differs
        "ledger": {"backend": "sqlite", "path": str(tmp_path / "ledger.sqlite")},
    }
    provider = SenderAddressProvider()
    made = provider.create(props).outs
    ledger.delete_address("noreply@n.example.test")  # in the console: deleted, made again, no password
    ledger.create_address("noreply@n.example.test", "News")

    read = provider.read("id", made).outs
    assert read["created"] and not read["password_set"]
    assert provider.diff("id", read, props).changes
    provider.update("id", read, props)
    found = ledger.address("noreply@n.example.test")
    assert found is not None and found.password_set
