"""End to end: the real Pulumi CLI and engine on a file:// backend, the real Knot, the SQLite ledger."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.tsigkeyring
import dns.update
import pytest
from pulumi import automation as auto

from devtools.localdns import ALGORITHM, KEY_NAME, LocalDnsServer, free_port
from tests.e2e.harness import Deployment

pytestmark = pytest.mark.e2e
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how Pulumi marks a secret value


@pytest.fixture
def deployment(tmp_path: Path, local_dns: LocalDnsServer) -> Iterator[Deployment]:
    yield Deployment(tmp_path, local_dns)


def txt(server: LocalDnsServer, host: str, rtype: str = "TXT") -> list[str]:
    response = dns.query.tcp(dns.message.make_query(host, rtype), server.host, port=server.port, timeout=3)
    return sorted(
        b"".join(rd.strings).decode() if rtype == "TXT" else rd.to_text() for rrset in response.answer for rd in rrset
    )


def ledger_rows(deployment: Deployment) -> dict[str, str]:
    if not deployment.ledger_path.exists():
        return {}
    with sqlite3.connect(deployment.ledger_path) as conn:
        return dict(conn.execute("SELECT domain, status FROM sender_domains"))


def delete_behind_pulumis_back(server: LocalDnsServer, host: str, value: str) -> None:
    keyring = dns.tsigkeyring.from_text({KEY_NAME: (ALGORITHM, server.tsig_secret())})
    update = dns.update.UpdateMessage(server.zone, keyring=keyring)
    update.delete(host + ".", "TXT", f'"{value}"')
    assert dns.query.tcp(update, server.host, port=server.port, timeout=3).rcode() == 0


def deploy_pending(deployment: Deployment, domain: str, mail_type: str) -> None:
    """`up` a domain whose verification asks a server that never answers, so it stays pending."""
    deployment.configure(
        [{"domain": domain, "type": mail_type}],
        verification={"nameserver": f"127.0.0.1:{free_port()}", "timeout": 1},
    )
    deployment.up()
    assert deployment.statuses()[domain]["status"] == "Pending verification"


def by_type(deployment: Deployment, type_suffix: str) -> list[dict]:
    return [r for r in deployment.resources() if r["type"].endswith(type_suffix) or r["urn"].endswith(type_suffix)]


def test_up_verifies_both_domains_and_a_second_up_changes_nothing(deployment: Deployment, local_dns) -> None:
    notify, news = "notify-e2e.example.test", "news-e2e.example.test"
    deployment.configure([{"domain": notify, "type": "triggered"}, {"domain": news, "type": "batch"}])

    result = deployment.up()

    statuses = deployment.statuses()
    assert {d: s["status"] for d, s in statuses.items()} == {notify: "Verified", news: "Verified"}
    assert statuses[news]["type"] == "batch"
    assert all(item["ok"] for s in statuses.values() for item in s["items"])
    assert [i["item"] for i in statuses[notify]["items"]] == ["SPF", "DKIM", "DMARC", "MX"]
    assert result.summary.resource_changes.get("create") == 1 + 2 * 4  # stack + 2 x (component + 3 children)
    assert ledger_rows(deployment) == {notify: "verified", news: "verified"}
    assert txt(local_dns, notify) == ["v=spf1 include:qcloudmail.com ~all"]
    assert txt(local_dns, notify, "MX") == ["5 mxbiz1.qq.com."]

    deployment.preview(expect_no_changes=True)
    again = deployment.up()
    assert set(again.summary.resource_changes) == {"same"}

    # Secrets: the DKIM private keys and the TSIG key are encrypted in state, and never printed.
    state = deployment.state_text()
    assert "PRIVATE KEY" not in state
    assert local_dns.tsig_secret() not in state
    printed = "\n".join(deployment.output)
    assert "PRIVATE KEY" not in printed
    assert local_dns.tsig_secret() not in printed
    identities = by_type(deployment, "SenderIdentity")
    assert len(identities) == 2
    for identity in identities:
        secret = identity["outputs"]["dkim_private_key"]
        # Present and marked secret (the export decrypts it; the state file above holds ciphertext).
        assert secret[SECRET_SIG] == "1b47061264138c4ac30d75fd1eb44270"


def test_a_dmarc_policy_change_updates_one_record_in_place(deployment: Deployment, local_dns) -> None:
    domain = "dmarc-change.example.test"
    # This one writes with the TSIG key file, as the demo does, instead of a secret in config.
    deployment.configure([{"domain": domain, "type": "triggered"}], tsig_secret=False)
    deployment.up()
    dkim_before = txt(local_dns, f"qcloud._domainkey.{domain}")

    deployment.configure([{"domain": domain, "type": "triggered", "dmarcPolicy": "quarantine"}], tsig_secret=False)
    result = deployment.up()

    changes = result.summary.resource_changes
    assert changes.get("update") == 2  # the records and the verification; nothing replaced
    assert not {"create", "delete", "replace"} & set(changes)
    assert txt(local_dns, f"_dmarc.{domain}") == ["v=DMARC1; p=quarantine"]
    assert txt(local_dns, f"qcloud._domainkey.{domain}") == dkim_before  # the key is kept
    assert deployment.statuses()[domain]["status"] == "Verified"


def test_a_record_deleted_behind_pulumis_back_shows_in_refresh_and_up_repairs_it(
    deployment: Deployment, local_dns
) -> None:
    domain = "drift.example.test"
    deployment.configure([{"domain": domain, "type": "batch"}])
    deployment.up()
    delete_behind_pulumis_back(local_dns, domain, "v=spf1 include:qcloudmail.com ~all")

    deployment.refresh()

    records = by_type(deployment, "DnsRecords")[0]["outputs"]["records"]
    assert "SPF" not in [r["item"] for r in records]
    verification = by_type(deployment, "Verification")[0]["outputs"]
    spf = next(i for i in verification["items"] if i["item"] == "SPF")
    assert spf["ok"] is False and spf["code"] == "spf.missing"
    with pytest.raises(auto.errors.CommandError):
        deployment.preview(expect_no_changes=True)

    deployment.up()

    assert txt(local_dns, domain) == ["v=spf1 include:qcloudmail.com ~all"]
    assert all(i["ok"] for i in deployment.statuses()[domain]["items"])
    deployment.preview(expect_no_changes=True)


def test_a_sixth_domain_over_the_quota_fails_and_leaves_the_other_five_untouched(
    deployment: Deployment, local_dns
) -> None:
    five = [{"domain": f"quota{i}.example.test", "type": "triggered"} for i in range(5)]
    deployment.configure(five)
    deployment.up()
    before = {r["urn"]: r.get("outputs") for r in deployment.resources() if not r["type"].startswith("pulumi:")}

    sixth = {"domain": "quota5.example.test", "type": "batch"}
    deployment.configure([*five, sixth])
    with pytest.raises(auto.errors.CommandError) as failure:
        deployment.up()

    message = str(failure.value)
    assert "quota" in message and "5 of 5" in message
    assert "Traceback" not in message
    after = {r["urn"]: r.get("outputs") for r in deployment.resources() if not r["type"].startswith("pulumi:")}
    assert {u: o for u, o in after.items() if u in before} == before
    assert not [u for u in after if u not in before and "quota5" in u and "SenderIdentity" in u]
    rows = ledger_rows(deployment)
    assert rows == {d["domain"]: "verified" for d in five}
    assert txt(local_dns, sixth["domain"]) == []


def test_destroy_of_a_verified_domain_is_refused_and_nothing_is_removed(deployment: Deployment, local_dns) -> None:
    domain = "keep-verified.example.test"
    deployment.configure([{"domain": domain, "type": "triggered"}])
    deployment.up()
    count = len(deployment.resources())

    with pytest.raises(auto.errors.CommandError) as failure:
        deployment.destroy()

    message = str(failure.value)
    assert "never deletes a verified domain" in message
    assert "Traceback" not in message
    assert len(deployment.resources()) == count
    assert ledger_rows(deployment) == {domain: "verified"}
    assert txt(local_dns, domain) == ["v=spf1 include:qcloudmail.com ~all"]
    assert txt(local_dns, f"_dmarc.{domain}") == ["v=DMARC1; p=none"]


def test_destroy_of_a_pending_domain_removes_its_records_and_ledger_row(deployment: Deployment, local_dns) -> None:
    domain = "pending.example.test"
    deploy_pending(deployment, domain, "batch")
    assert ledger_rows(deployment) == {domain: "pending"}
    assert txt(local_dns, domain) == ["v=spf1 include:qcloudmail.com ~all"]

    deployment.destroy()

    assert ledger_rows(deployment) == {}
    for host in (domain, f"_dmarc.{domain}", f"qcloud._domainkey.{domain}"):
        assert txt(local_dns, host) == []
    assert txt(local_dns, domain, "MX") == []
    assert deployment.resources() == []


def test_a_config_mistake_fails_at_preview_in_one_line_before_anything_is_written(
    deployment: Deployment,
) -> None:
    deployment.configure([{"domain": "typo.example.test", "type": "bulk"}])

    with pytest.raises(auto.errors.CommandError) as failure:
        deployment.preview()

    message = str(failure.value)
    assert "dms:domains[0].type: 'bulk' is not allowed; allowed: triggered, batch" in message
    assert "Traceback" not in message
    assert not deployment.ledger_path.exists()
    assert [r for r in deployment.resources() if "SenderIdentity" in r["type"]] == []


def test_changing_the_type_of_a_verified_domain_is_refused_at_preview(deployment: Deployment, local_dns) -> None:
    domain = "retype.example.test"
    deployment.configure([{"domain": domain, "type": "triggered"}])
    deployment.up()
    before = {r["urn"]: r.get("outputs") for r in deployment.resources() if not r["type"].startswith("pulumi:")}

    deployment.configure([{"domain": domain, "type": "batch"}])
    with pytest.raises(auto.errors.CommandError) as failure:
        deployment.preview()

    message = str(failure.value)
    assert "verified sender domain" in message and "its type (triggered)" in message
    assert "Traceback" not in message
    with pytest.raises(auto.errors.CommandError):
        deployment.up()
    after = {r["urn"]: r.get("outputs") for r in deployment.resources() if not r["type"].startswith("pulumi:")}
    assert after == before
    with sqlite3.connect(deployment.ledger_path) as conn:
        assert conn.execute("SELECT mail_type, status FROM sender_domains").fetchall() == [("triggered", "verified")]


def test_a_pending_domain_is_checked_again_and_verified_by_a_later_up(deployment: Deployment, local_dns) -> None:
    domain = "later.example.test"
    deploy_pending(deployment, domain, "triggered")
    assert any("pending verification" in line for line in deployment.output)  # warned, with reasons
    with pytest.raises(auto.errors.CommandError):
        deployment.preview(expect_no_changes=True)  # pending means the next run checks again

    deployment.configure([{"domain": domain, "type": "triggered"}])  # back to the server we write to
    deployment.up()

    assert deployment.statuses()[domain]["status"] == "Verified"
    assert ledger_rows(deployment) == {domain: "verified"}
    deployment.preview(expect_no_changes=True)


def test_a_missing_tsig_key_file_fails_at_preview(deployment: Deployment, tmp_path: Path) -> None:
    deployment.configure([{"domain": "nokey.example.test", "type": "batch"}], tsig_secret=False)
    config_file = deployment.project / "Pulumi.test.yaml"
    config_file.write_text(config_file.read_text().replace(str(deployment.dns.key_file), str(tmp_path / "none.key")))

    with pytest.raises(auto.errors.CommandError) as failure:
        deployment.up()

    message = str(failure.value)
    assert "dms:dns.tsig.keyFile: can't read" in message and "Traceback" not in message
    assert not deployment.ledger_path.exists()


def test_an_spf_record_no_merge_can_make_pass_is_refused_at_preview_and_nothing_is_written(
    deployment: Deployment, local_dns
) -> None:
    domain = "plusall.example.test"
    keyring = dns.tsigkeyring.from_text({KEY_NAME: (ALGORITHM, local_dns.tsig_secret())})
    update = dns.update.UpdateMessage(local_dns.zone, keyring=keyring)
    update.add(domain + ".", 300, "TXT", '"v=spf1 +all"')
    assert dns.query.tcp(update, local_dns.host, port=local_dns.port, timeout=3).rcode() == 0
    deployment.configure([{"domain": domain, "type": "batch"}])

    with pytest.raises(auto.errors.CommandError) as failure:
        deployment.preview()

    message = str(failure.value)
    assert "[spf.plus-all]" in message and "Traceback" not in message
    with pytest.raises(auto.errors.CommandError):
        deployment.up()
    assert txt(local_dns, domain) == ["v=spf1 +all"]
    assert txt(local_dns, domain, "MX") == []
