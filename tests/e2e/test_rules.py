"""End to end: the service's rules with the real Pulumi CLI, the real Knot and a SQLite ledger.

The quota at preview, the deletion rule (destroy, removal, rename), `retire`, and the checks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from devtools.localdns import LocalDnsServer, free_port
from tests.e2e.harness import Deployment
from tests.e2e.test_stack import txt

pytestmark = pytest.mark.e2e
SPF = "v=spf1 include:qcloudmail.com ~all"


@pytest.fixture
def deployment(tmp_path: Path, local_dns: LocalDnsServer) -> Iterator[Deployment]:
    yield Deployment(tmp_path / "a", local_dns)


def rows(path: Path) -> dict[str, tuple[str, str]]:
    if not path.exists():
        return {}
    with sqlite3.connect(path) as conn:
        return {d: (t, s) for d, t, s in conn.execute("SELECT domain, mail_type, status FROM sender_domains")}


def entry(domain: str, mail_type: str = "triggered", **extra: Any) -> dict[str, Any]:
    return {"domain": domain, "type": mail_type, **extra}


def ledger(path: Path, quota: int = 5) -> dict[str, Any]:
    return {"backend": "sqlite", "path": str(path), "quota": quota}


def urns_for(deployment: Deployment, domain: str) -> list[str]:
    return [r["urn"] for r in deployment.resources() if r["urn"].endswith(f"::{domain}") or f"::{domain}/" in r["urn"]]


def published(server: LocalDnsServer, domain: str) -> dict[str, list[str]]:
    return {
        "SPF": txt(server, domain),
        "DKIM": txt(server, f"qcloud._domainkey.{domain}"),
        "DMARC": txt(server, f"_dmarc.{domain}"),
        "MX": txt(server, domain, "MX"),
    }


def failure_of(call: Any) -> str:
    with pytest.raises(auto.errors.CommandError) as failure:
        call()
    message = str(failure.value)
    assert "Traceback" not in message
    return message


# --- quota at preview ---------------------------------------------------------------------------


def test_preview_fails_when_declared_and_verified_domains_exceed_the_quota(
    tmp_path: Path, local_dns: LocalDnsServer
) -> None:
    shared = tmp_path / "shared-ledger.sqlite"
    first, second = Deployment(tmp_path / "first", local_dns), Deployment(tmp_path / "second", local_dns)
    first.configure([entry("pq-one.example.test"), entry("pq-two.example.test", "batch")], ledger=ledger(shared, 3))
    first.up()
    assert rows(shared) == {
        "pq-one.example.test": ("triggered", "verified"),
        "pq-two.example.test": ("batch", "verified"),
    }

    second.configure([entry("pq-three.example.test"), entry("pq-four.example.test", "batch")], ledger=ledger(shared, 3))
    message = failure_of(second.preview)

    assert "quota: the account allows 3 verified sender domains and 2 are verified" in message
    assert "(pq-one.example.test, pq-two.example.test)" in message
    assert "pq-four.example.test would not fit; pq-three.example.test would fit" in message
    # Nothing was written: no ledger row, no record, no resource.
    assert set(rows(shared)) == {"pq-one.example.test", "pq-two.example.test"}
    assert published(local_dns, "pq-three.example.test")["SPF"] == []
    assert not [r for r in second.resources() if "SenderIdentity" in r["type"]]

    # The first stack's own verified domains don't count twice: its preview still passes with the quota full.
    second.configure([entry("pq-three.example.test")], ledger=ledger(shared, 3))
    second.up()
    first.preview(expect_no_changes=True)


# --- the deletion rule --------------------------------------------------------------------------


def test_destroy_of_a_verified_domain_is_refused_with_one_message_that_offers_retire(
    deployment: Deployment, local_dns: LocalDnsServer
) -> None:
    domain = "rd-keep.example.test"
    deployment.configure([entry(domain)])
    deployment.up()
    before = deployment.resources()

    message = failure_of(deployment.destroy)

    assert "never deletes a verified domain; nothing was removed" in message
    assert "[ledger.verified-protected]" in message and "set dms:domains[0].retire to true" in message
    assert "dms_component." not in message and "Traceback" not in message  # no class path, no frames
    assert "state delete" not in message
    assert deployment.resources() == before
    assert rows(deployment.ledger_path) == {domain: ("triggered", "verified")}
    assert published(local_dns, domain)["SPF"] == [SPF]


def test_removing_a_verified_domain_from_config_is_refused_and_nothing_is_deleted(
    deployment: Deployment, local_dns: LocalDnsServer
) -> None:
    kept, removed = "rm-kept.example.test", "rm-verified.example.test"
    deployment.configure([entry(kept), entry(removed, "batch")])
    deployment.up()
    records_before = published(local_dns, removed)
    urns_before = urns_for(deployment, removed)
    assert len(urns_before) == 4  # the component and its three resources

    deployment.configure([entry(kept)])
    at_preview = failure_of(deployment.preview)
    message = failure_of(deployment.up)

    for text in (at_preview, message):  # refused before any resource is declared: nothing written
        assert f"{removed} is a verified sender domain of this stack and no longer in dms:domains" in text
        assert "retire: true" in text and "Traceback" not in text
    assert urns_for(deployment, removed) == urns_before
    assert published(local_dns, removed) == records_before
    assert rows(deployment.ledger_path)[removed] == ("batch", "verified")


def test_renaming_a_verified_domain_keeps_the_old_one(deployment: Deployment, local_dns: LocalDnsServer) -> None:
    old, new = "rename-old.example.test", "rename-new.example.test"
    deployment.configure([entry(old)])
    deployment.up()
    records_before = published(local_dns, old)

    # In dms:domains a new name is a new domain; the old one's removal is refused before anything,
    # so the new one doesn't take a quota slot either.
    deployment.configure([entry(new)])
    assert f"{old} is a verified sender domain of this stack" in failure_of(deployment.preview)
    message = failure_of(deployment.up)

    assert f"{old} is a verified sender domain of this stack" in message
    assert new not in rows(deployment.ledger_path)
    assert urns_for(deployment, new) == []
    assert published(local_dns, new) == {"SPF": [], "DKIM": [], "DMARC": [], "MX": []}
    assert published(local_dns, old) == records_before
    assert rows(deployment.ledger_path)[old] == ("triggered", "verified")
    assert len(urns_for(deployment, old)) == 4


def test_a_pending_domain_removed_from_config_is_deleted_cleanly(
    deployment: Deployment, local_dns: LocalDnsServer
) -> None:
    kept, pending = "pd-kept.example.test", "pd-pending.example.test"
    # A verification server that never answers keeps both pending; then only `pending` is removed.
    dead = {"nameserver": f"127.0.0.1:{free_port()}", "timeout": 1}
    deployment.configure([entry(kept), entry(pending, "batch")], verification=dead)
    deployment.up()
    assert rows(deployment.ledger_path)[pending] == ("batch", "pending")
    assert published(local_dns, pending)["SPF"] == [SPF]

    deployment.configure([entry(kept)], verification=dead)
    result = deployment.up()

    assert result.summary.resource_changes.get("delete") == 4
    assert pending not in rows(deployment.ledger_path)
    assert published(local_dns, pending) == {"SPF": [], "DKIM": [], "DMARC": [], "MX": []}
    assert urns_for(deployment, pending) == []
    # Its key went with it: no private key of the removed domain is left in the current state.
    identities = [r for r in deployment.resources() if "SenderIdentity" in r["type"]]
    assert [r["inputs"]["domain"] for r in identities] == [kept]


# --- retire -------------------------------------------------------------------------------------


def options(deployment: Deployment, domain: str) -> set[tuple[str, bool, bool]]:
    """(type, protect, retainOnDelete) of each of the domain's custom resources."""
    return {
        (r["type"].rsplit(":", 1)[-1], bool(r.get("protect")), bool(r.get("retainOnDelete")))
        for r in deployment.resources()
        if r.get("custom") and (f"::{domain}/" in r["urn"])
    }


def test_retire_lifts_the_protection_and_then_the_domain_leaves_keeping_records_and_ledger_row(
    deployment: Deployment, local_dns: LocalDnsServer
) -> None:
    kept, retired = "rt-kept.example.test", "rt-retired.example.test"
    deployment.configure([entry(kept), entry(retired, "batch")], ledger=ledger(deployment.ledger_path, 2))
    deployment.up()
    deployment.up()  # the ledger now says verified: the domain's verification becomes protected
    records_before = published(local_dns, retired)
    # The verification depends on the records and they on the identity: protecting it holds all three.
    assert {(kind, protect) for kind, protect, _ in options(deployment, retired)} == {
        ("SenderIdentity", False),
        ("DnsRecords", False),
        ("Verification", True),
    }

    # retire: true keeps the entry's resources but unprotected, and Pulumi will forget them without a delete.
    deployment.configure([entry(kept), entry(retired, "batch", retire=True)], ledger=ledger(deployment.ledger_path, 2))
    deployment.preview()
    deployment.up()
    assert options(deployment, retired) == {
        ("SenderIdentity", False, True),
        ("DnsRecords", False, True),
        ("Verification", False, True),
        ("RetiredDomains", False, True),
    }
    assert retired not in deployment.statuses()
    assert any(f"{retired} is retired" in line for line in deployment.output)
    deployment.preview(expect_no_changes=True)

    # The retired domain still holds its quota slot.
    deployment.configure(
        [entry(kept), entry(retired, "batch", retire=True), entry("rt-third.example.test")],
        ledger=ledger(deployment.ledger_path, 2),
    )
    message = failure_of(deployment.preview)
    assert (
        "(rt-kept.example.test, rt-retired.example.test)" in message
        and "rt-third.example.test would not fit" in message
    )
    # Removing the retired entry then drops its resources from the stack, and deletes nothing.
    deployment.configure([entry(kept)], ledger=ledger(deployment.ledger_path, 2))
    deployment.up()
    assert urns_for(deployment, retired) == []
    assert published(local_dns, retired) == records_before
    assert rows(deployment.ledger_path)[retired] == ("batch", "verified")

    # Destroy now takes what is left; the retired domain is untouched, and kept is protected.
    message = failure_of(deployment.destroy)
    assert f"{kept}/verification" in message and "protected" in message
    assert published(local_dns, retired) == records_before


def test_retire_of_a_pending_domain_leaves_its_records_and_row_too(
    deployment: Deployment, local_dns: LocalDnsServer
) -> None:
    domain = "rt-pending.example.test"
    dead = {"nameserver": f"127.0.0.1:{free_port()}", "timeout": 1}
    deployment.configure([entry(domain)], verification=dead)
    deployment.up()
    assert {protect for _, protect, _ in options(deployment, domain)} == {False}  # pending: deletable

    deployment.configure([entry(domain, retire=True)], verification=dead)
    deployment.up()
    deployment.configure([], verification=dead)
    deployment.up()

    assert deployment.resources() and urns_for(deployment, domain) == []
    assert rows(deployment.ledger_path) == {domain: ("triggered", "pending")}
    assert published(local_dns, domain)["SPF"] == [SPF]
    deployment.destroy()  # nothing of the domain is in the stack any more: destroy has nothing to refuse
    assert published(local_dns, domain)["SPF"] == [SPF]


# --- the checks ---------------------------------------------------------------------------------


def test_a_registrable_domain_warns_at_preview_and_fails_when_the_check_is_error(
    deployment: Deployment, local_dns: LocalDnsServer
) -> None:
    # The zone apex example.test is a registrable domain (its TLD is the Public Suffix List's * rule).
    deployment.configure([entry("example.test")])
    deployment.preview()
    printed = "\n".join(deployment.output)
    assert "warning: dms:domains[0].domain: example.test is a registrable domain" in printed

    deployment.configure([entry("example.test")], checks={"subdomain": "error"})
    message = failure_of(deployment.preview)
    assert "invalid sender domain: dms:domains[0].domain: example.test is a registrable domain" in message
    assert "(dms:checks.subdomain is error) [rules.subdomain]" in message
    assert not deployment.ledger_path.exists()


def test_a_domain_declared_for_both_types_fails_at_preview_with_the_reason(deployment: Deployment) -> None:
    deployment.configure([entry("both.example.test"), entry("both.example.test", "batch")])

    message = failure_of(deployment.preview)

    assert "dms:domains[1].domain: both.example.test is declared twice, for triggered and for batch mail" in message
    assert "separate domains for triggered and batch mail" in message
    assert not deployment.ledger_path.exists()


def test_a_bad_check_setting_fails_at_preview_in_one_line(deployment: Deployment) -> None:
    deployment.configure([entry("chk.example.test")], checks={"subdomain": "loud"})
    message = failure_of(deployment.preview)
    assert "invalid stack config: dms:checks.subdomain: 'loud' is not allowed; allowed: error, warn, off" in message
