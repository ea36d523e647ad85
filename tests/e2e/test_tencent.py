"""End to end with Tencent Cloud: the real Pulumi CLI and engine, the `tencent` ledger and `dnspod` DNS.

Both talk to the local SES + DNSPod endpoint (tests/fakes/tencent_cloud.py) through the official
SDK. The endpoint verifies each domain itself, against the Knot zone its DNSPod side publishes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from devtools.localdns import LocalDnsServer, free_port
from tests.e2e.harness import Deployment
from tests.fakes.tencent_cloud import FakeTencentCloud

pytestmark = pytest.mark.e2e


@pytest.fixture
def deployment(tmp_path: Path, local_dns: LocalDnsServer) -> Iterator[Deployment]:
    yield Deployment(tmp_path, local_dns)


def configure(
    deployment: Deployment,
    cloud: FakeTencentCloud,
    domains: list[dict[str, Any]],
    nameserver: str | None = None,
    region: str = "ap-guangzhou",
) -> None:
    """A tencent + dnspod stack; both secret keys set the way a user would, with --secret."""
    deployment.configure(
        domains,
        tsig_secret=False,
        dns={
            "provider": "dnspod",
            "zone": deployment.dns.zone,
            "endpoint": cloud.endpoint,
            "secretId": cloud.secret_id,
            "site": cloud.site,
        },
        ledger={
            "backend": "tencent",
            "region": region,
            "endpoint": cloud.endpoint,
            "secretId": cloud.secret_id,
            "verifyTimeout": 30,
        },
        verification={"nameserver": nameserver or deployment.dns.address, "timeout": 1 if nameserver else 30},
    )
    for key in ("dms:ledger.secretKey", "dms:dns.secretKey"):
        deployment.stack.set_config(key, auto.ConfigValue(cloud.secret_key, secret=True), path=True)


def no_secret_anywhere(deployment: Deployment, cloud: FakeTencentCloud) -> None:
    assert cloud.secret_key not in deployment.state_text()
    assert cloud.secret_key not in "\n".join(deployment.output)
    config = (deployment.project / f"Pulumi.{deployment.stack_name}.yaml").read_text()
    assert cloud.secret_key not in config  # stored encrypted (`secure:`)


def test_a_tencent_and_dnspod_stack_goes_to_verified_by_the_services_word(
    deployment: Deployment, tencent_cloud: FakeTencentCloud
) -> None:
    domain = "tc-notify.example.test"
    configure(deployment, tencent_cloud, [{"domain": domain, "type": "triggered"}])

    deployment.up()

    status = deployment.statuses()[domain]
    assert status["status"] == "Verified"
    assert [i["item"] for i in status["items"]] == ["SPF", "DKIM", "DMARC", "MX"]
    identity = tencent_cloud.identities[domain]
    assert identity.verified and identity.dkim_option == 1  # verified by the service, 2048-bit key
    assert tencent_cloud.count("UpdateEmailIdentity") >= 1
    # The DKIM record is the service's: its host and key, published through DNSPod.
    (dkim,) = tencent_cloud.zone_records("qcloud._domainkey.tc-notify", "TXT")
    assert dkim.value == identity.dkim_value
    outputs = [r["outputs"] for r in deployment.resources() if r["type"].endswith("SenderIdentity")]
    assert outputs[0].get("dkim_private_key") is None  # the service keeps the private key, we have none
    no_secret_anywhere(deployment, tencent_cloud)

    deployment.refresh()  # reads the service's status and records again: nothing has changed
    deployment.preview(expect_no_changes=True)
    assert deployment.statuses()[domain]["status"] == "Verified"


def test_the_services_domain_limit_surfaces_as_the_quota_error(
    deployment: Deployment, tencent_cloud: FakeTencentCloud
) -> None:
    tencent_cloud.domain_limit = 1
    configure(deployment, tencent_cloud, [{"domain": "tc-first.example.test", "type": "triggered"}])
    deployment.up()
    configure(
        deployment,
        tencent_cloud,
        [
            {"domain": "tc-first.example.test", "type": "triggered"},
            {"domain": "tc-second.example.test", "type": "batch"},
        ],
    )

    with pytest.raises(auto.errors.CommandError) as caught:
        deployment.up()

    text = str(caught.value)
    assert "OperationDenied.ExceedDomainLimit" in text
    assert "1 sender domains (tc-first.example.test)" in text
    assert "tc-second.example.test" not in tencent_cloud.identities
    assert tencent_cloud.zone_records("tc-second", "MX") == []  # nothing written for the refused domain
    no_secret_anywhere(deployment, tencent_cloud)


def test_a_verified_domains_deletion_is_refused_and_the_service_keeps_it(
    deployment: Deployment, tencent_cloud: FakeTencentCloud
) -> None:
    domain = "tc-keep.example.test"
    configure(deployment, tencent_cloud, [{"domain": domain, "type": "batch"}])
    deployment.up()
    assert tencent_cloud.identities[domain].verified

    with pytest.raises(auto.errors.CommandError) as caught:
        deployment.destroy()

    assert "never deletes a verified domain" in str(caught.value)
    assert domain in tencent_cloud.identities
    assert tencent_cloud.count("DeleteEmailIdentity") == 0
    assert [r.value for r in tencent_cloud.zone_records("tc-keep", "MX")] == ["mxbiz1.qq.com."]
    no_secret_anywhere(deployment, tencent_cloud)


def test_a_pending_domain_is_destroyed_in_the_service_and_in_dnspod(
    deployment: Deployment, tencent_cloud: FakeTencentCloud
) -> None:
    domain = "tc-pending.example.test"
    # Our own check asks a server that never answers, so the domain stays pending.
    configure(deployment, tencent_cloud, [{"domain": domain, "type": "triggered"}], f"127.0.0.1:{free_port()}")
    deployment.up()
    assert deployment.statuses()[domain]["status"] == "Pending verification"
    assert not tencent_cloud.identities[domain].verified

    deployment.destroy()

    assert domain not in tencent_cloud.identities
    assert tencent_cloud.zone_records("tc-pending", "TXT") == []


def test_an_international_account_with_an_spf_type_record_goes_to_verified(
    deployment: Deployment, local_dns: LocalDnsServer
) -> None:
    from tests.fakes.tencent_cloud import fake_for

    cloud = fake_for(local_dns, site="intl").start()
    try:
        theirs = cloud.add_record("tc-intl", "SPF", "v=spf1 ip4:192.0.2.1 ~all")
        configure(deployment, cloud, [{"domain": "tc-intl.example.test", "type": "batch"}], region="ap-singapore")

        deployment.up()

        assert deployment.statuses()["tc-intl.example.test"]["status"] == "Verified"
        (merged,) = cloud.zone_records("tc-intl", "TXT")  # one SPF policy: theirs, as TXT, with our include
        assert merged.id == theirs.id and "include:qcloudmail.com" in merged.value
        assert {r.line for r in cloud.records.values() if not r.default_ns} == {"Default"}
        deployment.preview(expect_no_changes=True)
        assert cloud.model_problems == []
    finally:
        cloud.stop()


def test_a_dmarc_policy_the_service_failed_is_refused_at_the_next_preview(
    deployment: Deployment, tencent_cloud: FakeTencentCloud
) -> None:
    tencent_cloud.dmarc_rule = "exact"  # an assumption's other outcome (docs/tencent.md)
    domain = {"domain": "tc-reject.example.test", "type": "triggered", "dmarcPolicy": "reject"}
    configure(deployment, tencent_cloud, [domain])
    deployment.stack.set_config("dms:ledger.verifyTimeout", auto.ConfigValue("0"), path=True)
    deployment.up()  # our own checks pass; the service does not agree, so the domain stays pending
    assert deployment.statuses()["tc-reject.example.test"]["status"] == "Pending verification"

    with pytest.raises(auto.errors.CommandError) as caught:
        deployment.preview()

    text = str(caught.value)
    assert "[tencent.service-rejects]" in text and "last check failed it" in text
    assert text.count("tencent.service-rejects") >= 1 and tencent_cloud.secret_key not in text


# -- a new DKIM key length on a domain that exists (issue 27, item 4; docs/tencent.md) ----------------------


def identity_outputs(deployment: Deployment) -> dict[str, Any]:
    (outputs,) = [r["outputs"] for r in deployment.resources() if r["type"].endswith("SenderIdentity")]
    return outputs


def dkim_records(cloud: FakeTencentCloud, sub: str) -> list[str]:
    return sorted(r.value for r in cloud.records.values() if r.name.endswith(f"._domainkey.{sub}"))


def assert_new_key_verified(deployment: Deployment, cloud: FakeTencentCloud, domain: str, bits: int) -> None:
    identity = cloud.identities[domain]
    assert identity.verified and identity.dkim_option == {1024: 0, 2048: 1}[bits] and identity.key_bits == bits
    # One DKIM record left, the service's new key, where the service says; our verifier and the service agree.
    assert dkim_records(cloud, domain.split(".")[0]) == [identity.dkim_value]
    status = deployment.statuses()[domain]
    assert status["status"] == "Verified"
    (dkim,) = [i for i in status["items"] if i["item"] == "DKIM"]
    assert dkim["ok"] and dkim["host"] == f"{identity.selector}._domainkey.{domain}"
    assert identity_outputs(deployment)["dkim_public_key"] in identity.dkim_value
    deployment.preview(expect_no_changes=True)
    no_secret_anywhere(deployment, cloud)


@pytest.mark.parametrize(
    ("drops", "shown"),
    [(False, 2), (True, 1)],  # each outcome of both assumptions: verification kept / dropped, two records / one
    ids=["stays-verified-two-records", "drops-verification-one-record"],
)
def test_a_new_dkim_key_length_on_a_verified_domain_is_made_in_place(
    deployment: Deployment, tencent_cloud: FakeTencentCloud, drops: bool, shown: int
) -> None:
    tencent_cloud.dkim_change_unverifies = drops
    tencent_cloud.dual_signing_records = shown
    domain = "tc-length.example.test"
    configure(deployment, tencent_cloud, [{"domain": domain, "type": "triggered", "dkimKeyBits": 1024}])
    deployment.up()
    old_key = tencent_cloud.identities[domain].dkim_value
    assert tencent_cloud.identities[domain].verified and tencent_cloud.identities[domain].key_bits == 1024

    configure(deployment, tencent_cloud, [{"domain": domain, "type": "triggered", "dkimKeyBits": 2048}])
    plan = deployment.preview().change_summary
    assert plan.get("update", 0) >= 1 and "replace" not in plan  # in place: never made again
    deployment.up()

    assert deployment.statuses()[domain]["status"] == "Verified"
    assert tencent_cloud.count("DeleteEmailIdentity") == 0  # never made again (a create is answered RepeatCreation)
    if shown == 2:
        # Bridged: the service signs with both keys, both published and verified, until the next `up`.
        assert tencent_cloud.identities[domain].dkim_option == 2
        both = dkim_records(tencent_cloud, "tc-length")
        assert old_key in both and len(both) == 2
        assert any("dual signing" in line for line in deployment.output)
        assert deployment.preview().change_summary.get("update", 0) >= 1  # the switch still to come, shown
        deployment.up()
    assert_new_key_verified(deployment, tencent_cloud, domain, 2048)
    assert old_key not in dkim_records(tencent_cloud, "tc-length")


def test_an_up_killed_after_the_service_took_the_new_length_converges_on_the_next_up(
    deployment: Deployment, tencent_cloud: FakeTencentCloud, tmp_path: Path
) -> None:
    from tests.e2e.test_crash import kill_when, recover

    domain = "tc-crash.example.test"
    configure(deployment, tencent_cloud, [{"domain": domain, "type": "batch", "dkimKeyBits": 1024}])
    deployment.up()
    configure(deployment, tencent_cloud, [{"domain": domain, "type": "batch", "dkimKeyBits": 2048}])
    pause = tmp_path / "paused"

    kill_when(deployment, pause.exists, {"DMS_PAUSE_AT": "dkim-option", "DMS_PAUSE_FILE": str(pause)})
    assert tencent_cloud.identities[domain].dkim_option == 2  # the service took it; the state never heard
    assert identity_outputs(deployment)["dkim_key_bits"] == 1024

    recover(deployment)  # pulumi cancel, refresh, up: carries on from the service's DKIMOption
    deployment.up()  # the bridge's second step
    assert tencent_cloud.count("DeleteEmailIdentity") == 0
    assert_new_key_verified(deployment, tencent_cloud, domain, 2048)


SMTP_PASSWORD = "Tc-Smtp-Pass42"  # meets the service's rule; searched for in state, output and `dms --json`


def first_call(cloud: FakeTencentCloud, action: str) -> int:
    return next(i for i, (_, a) in enumerate(cloud.calls) if a == action)


def test_the_services_whole_order_from_a_domain_to_its_addresses_in_one_up(
    deployment: Deployment, tencent_cloud: FakeTencentCloud
) -> None:
    """Create the domain, publish, verify, create the addresses, set the passwords, set unsubscribe (issue 26);
    then remove an address. `dms status` shows what the console's list shows."""
    from tests.e2e.test_day_to_day import dms

    domain = "tc-senders.example.test"
    senders = [
        {"address": "noreply", "senderName": "Example News"},
        {"address": "team", "senderName": "Example Team", "generatePassword": True, "unsubscribe": "fr"},
    ]
    configure(deployment, tencent_cloud, [{"domain": domain, "type": "batch", "senders": senders}])
    key = "dms:domains[0].senders[0].password"
    deployment.stack.set_config(key, auto.ConfigValue(SMTP_PASSWORD, secret=True), path=True)
    tencent_cloud.reputation[domain] = (2, 1000)

    deployment.up()

    assert tencent_cloud.identities[domain].verified
    assert tencent_cloud.senders_of(domain) == [f"noreply@{domain}", f"team@{domain}"]
    assert tencent_cloud.smtp_passwords[f"noreply@{domain}"] == SMTP_PASSWORD
    generated = tencent_cloud.smtp_passwords[f"team@{domain}"]
    assert tencent_cloud.unsubscribe == {f"noreply@{domain}": ("2", 1), f"team@{domain}": ("5", 1)}
    order = ["CreateEmailIdentity", "UpdateEmailIdentity", "CreateEmailAddress", "UpdateEmailSmtpPassWord",
             "CreateAddressUnsubscribeConfig"]  # fmt: skip
    assert [first_call(tencent_cloud, a) for a in order] == sorted(first_call(tencent_cloud, a) for a in order)
    assert first_call(tencent_cloud, "CreateRecord") < first_call(tencent_cloud, "UpdateEmailIdentity")  # published
    for secret in (SMTP_PASSWORD, generated):
        assert secret not in deployment.state_text() and secret not in "\n".join(deployment.output)
    no_secret_anywhere(deployment, tencent_cloud)
    deployment.preview(expect_no_changes=True)

    status = dms(deployment, "status", "--json")
    assert SMTP_PASSWORD not in status.stdout + status.stderr and generated not in status.stdout
    [row] = json.loads(status.stdout)["domains"]
    assert row["sending"] == {"sending_enabled": True, "reputation_level": 2, "daily_quota": 1000}
    assert {a["address"]: (a["password_set"], a["unsubscribe"]) for a in row["addresses"]} == {
        f"noreply@{domain}": (True, "en"),
        f"team@{domain}": (True, "fr"),
    }

    # An address removed from the program is deleted in the service; the domain and the other stay.
    configure(deployment, tencent_cloud, [{"domain": domain, "type": "batch", "senders": senders[:1]}])
    deployment.stack.set_config(key, auto.ConfigValue(SMTP_PASSWORD, secret=True), path=True)
    deployment.up()

    assert tencent_cloud.senders_of(domain) == [f"noreply@{domain}"]
    assert tencent_cloud.count("DeleteEmailAddress") == 1 and tencent_cloud.identities[domain].verified
    deployment.preview(expect_no_changes=True)
