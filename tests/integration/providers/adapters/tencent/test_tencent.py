"""The Tencent Cloud shells against the local SES + DNSPod endpoint, through the official SDK.

The endpoint checks every request's TC3-HMAC-SHA256 signature, keeps state, answers with the
documented error codes, and verifies a sender domain by asking the session's Knot, where its
DNSPod zone is published.
"""

from __future__ import annotations

import pytest

from dms_component.core.changes import Spf
from dms_component.core.records import RequiredRecord
from dms_component.core.service_records import records_from_attributes
from dms_component.core.verdicts import PENDING, VERIFIED
from dms_component.core.errors import DnsUpdateError, QuotaExceeded, ServiceError, VerifiedDomainProtected
from dms_component.providers.adapters.dns.dnspod import DnspodHost
from dms_component.providers.adapters.ledger.tencent import MAIL_TYPE_TAG, TencentLedger
from dms_component.providers.adapters.tencent.client import SES_ENDPOINTS, ApiError, ses_api
from tests.fakes.tencent_cloud import FakeTencentCloud
from tests.integration.zone import Zone
from tests.support.tencent import Clock, clocked, dnspod, ledger

ZONE = "example.test"


def service_records(cloud: FakeTencentCloud, domain: str) -> list[RequiredRecord]:
    return records_from_attributes(domain, ledger(cloud).service_attributes(domain))


# -- the client: signing, credentials, throttling ---------------------------------------------------


def test_a_wrong_secret_key_is_refused_by_the_endpoint_and_the_error_never_shows_it(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    wrong = "not-the-key-" + tencent_cloud.secret_key[:6]

    with pytest.raises(ServiceError) as caught:
        ledger(tencent_cloud, secret_key=wrong).register(unique_domain, "triggered")

    message = str(caught.value)
    assert "AuthFailure.SignatureFailure" in message
    assert "ledger.secret_id" in message and "TENCENTCLOUD_SECRET_KEY" in message
    assert wrong not in message and tencent_cloud.secret_key not in message
    assert unique_domain not in tencent_cloud.identities


def test_credentials_come_from_the_sdks_environment_variables(
    tencent_cloud: FakeTencentCloud, unique_domain: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", tencent_cloud.secret_id)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", tencent_cloud.secret_key)

    entry = TencentLedger("ap-hongkong", endpoint=tencent_cloud.endpoint).register(unique_domain, "batch")

    assert entry.status == PENDING and unique_domain in tencent_cloud.identities


def test_no_credentials_anywhere_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TENCENTCLOUD_SECRET_ID", raising=False)
    monkeypatch.delenv("TENCENTCLOUD_SECRET_KEY", raising=False)

    with pytest.raises(ServiceError, match=r"no Tencent Cloud credentials: set ledger\.secret_id"):
        TencentLedger("ap-guangzhou", endpoint="http://127.0.0.1:9").get("x.example.test")


def test_regions_choose_the_documented_endpoints() -> None:
    assert ses_api("ap-guangzhou", None, "id", "key").endpoint == "ses.tencentcloudapi.com"
    assert ses_api("ap-hongkong", None, "id", "key").endpoint == "ses.tencentcloudapi.com"
    assert ses_api("ap-singapore", None, "id", "key").endpoint == "ses.intl.tencentcloudapi.com"
    assert set(SES_ENDPOINTS) == {"ap-guangzhou", "ap-hongkong", "ap-singapore"}
    with pytest.raises(ServiceError, match="ap-beijing"):
        ses_api("ap-beijing", None, "id", "key")


def test_throttling_is_retried_with_backoff(tencent_cloud: FakeTencentCloud, unique_domain: str) -> None:
    tencent_cloud.throttle(3, "CreateEmailIdentity")
    delays: list[float] = []
    options = {"first_delay": 0.5, "sleep": delays.append}

    entry = ledger(tencent_cloud, api_options=options).register(unique_domain, "triggered")

    assert entry.status == PENDING
    assert tencent_cloud.count("CreateEmailIdentity") == 4
    assert delays == [0.5, 1.0, 2.0]


def test_throttling_that_does_not_stop_gives_up_with_a_clear_message(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    tencent_cloud.throttle(100)

    with pytest.raises(ServiceError, match=r"RequestLimitExceeded.*still throttled after 6 tries"):
        ledger(tencent_cloud).get(unique_domain)


# -- the ledger: the service's sender domains --------------------------------------------------------


def test_register_creates_a_2048_bit_domain_tagged_with_its_mail_type(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    entry = ledger(tencent_cloud).register(unique_domain, "batch")

    made = tencent_cloud.identities[unique_domain]
    assert entry.domain == unique_domain and entry.mail_type == "batch" and entry.status == PENDING
    assert made.dkim_option == 1
    assert made.tags == [{"TagKey": MAIL_TYPE_TAG, "TagValue": "batch"}]
    assert ledger(tencent_cloud).get(unique_domain) == entry


def test_register_again_is_idempotent(tencent_cloud: FakeTencentCloud, unique_domain: str) -> None:
    first = ledger(tencent_cloud).register(unique_domain, "triggered")
    key = tencent_cloud.identities[unique_domain].dkim_value

    again = ledger(tencent_cloud).register(unique_domain, "triggered")

    assert again == first
    assert tencent_cloud.identities[unique_domain].dkim_value == key  # the same domain, not made anew


def test_the_records_come_from_the_service_not_from_this_project(local_dns, unique_domain: str) -> None:
    from tests.fakes.tencent_cloud import fake_for

    # An account whose service uses another selector and another value form, as in its API example.
    cloud = fake_for(local_dns, dkim_selector="mail", dkim_value_format="k=rsa;p={key}").start()
    try:
        ledger(cloud).register(unique_domain, "triggered")
        records = service_records(cloud, unique_domain)
    finally:
        cloud.stop()

    dkim = next(r for r in records if r.item == "DKIM")
    assert dkim.host == f"mail._domainkey.{unique_domain}"
    assert dkim.value == cloud.identities[unique_domain].dkim_value
    assert dkim.value.startswith("k=rsa;p=MII")
    assert [r.item for r in records] == ["SPF", "DKIM", "DMARC", "MX"]


def test_the_services_domain_limit_is_a_quota_error_naming_the_domains(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    others = [f"q{i}.{unique_domain}" for i in range(2)]
    for name in others:
        ledger(tencent_cloud).register(name, "triggered")
    tencent_cloud.domain_limit = 2

    with pytest.raises(QuotaExceeded) as caught:
        ledger(tencent_cloud).register(unique_domain, "triggered")

    message = str(caught.value)
    assert "OperationDenied.ExceedDomainLimit" in message
    assert f"2 sender domains ({others[0]}, {others[1]})" in message
    assert unique_domain not in tencent_cloud.identities


def test_a_domain_of_another_account_is_refused_clearly(tencent_cloud: FakeTencentCloud, unique_domain: str) -> None:
    tencent_cloud.created_by_others.add(unique_domain)

    with pytest.raises(ServiceError, match=r"another Tencent Cloud account \(InvalidParameterValue.CreatedByOther\)"):
        ledger(tencent_cloud).register(unique_domain, "triggered")


def test_the_service_verifies_only_once_dnspod_publishes_its_records(
    tencent_cloud: FakeTencentCloud, unique_domain: str, zone: Zone
) -> None:
    ledger(tencent_cloud).register(unique_domain, "triggered")
    records = service_records(tencent_cloud, unique_domain)

    assert ledger(tencent_cloud, verify_timeout=0).mark_verified(unique_domain).status == PENDING
    dnspod(tencent_cloud).sync([], records)
    entry = ledger(tencent_cloud, verify_timeout=0).mark_verified(unique_domain)

    assert entry.status == VERIFIED and entry.mail_type == "triggered"
    assert tencent_cloud.identities[unique_domain].verified
    assert zone.txt(f"_dmarc.{unique_domain}") == {"v=DMARC1; p=none"}


def test_mark_verified_asks_again_until_the_service_agrees(tencent_cloud: FakeTencentCloud, unique_domain: str) -> None:
    clock = clocked(tencent_cloud)
    ledger(tencent_cloud, clock).register(unique_domain, "triggered")
    records = service_records(tencent_cloud, unique_domain)

    class Publishing(Clock):
        def sleep(self, seconds: float) -> None:
            clock.sleep(seconds)
            self.waits.append(seconds)
            if len(self.waits) == 2:
                dnspod(tencent_cloud).sync([], records)  # the records appear while we wait

    waiting = Publishing()
    entry = ledger(tencent_cloud, verify_timeout=60, clock=clock, sleep=waiting.sleep).mark_verified(unique_domain)

    assert entry.status == VERIFIED
    assert waiting.waits == [2.0, 4.0]
    assert tencent_cloud.count("UpdateEmailIdentity") == 3


def test_domain_not_verified_from_the_service_means_pending_not_a_failure(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    tencent_cloud.not_verified_as_error = True
    ledger(tencent_cloud).register(unique_domain, "triggered")

    assert ledger(tencent_cloud, verify_timeout=0).mark_verified(unique_domain).status == PENDING


def test_a_verified_domain_is_never_deleted(tencent_cloud: FakeTencentCloud, unique_domain: str) -> None:
    ledger(tencent_cloud).register(unique_domain, "triggered")
    dnspod(tencent_cloud).sync([], service_records(tencent_cloud, unique_domain))
    ledger(tencent_cloud, verify_timeout=0).mark_verified(unique_domain)
    deletes = tencent_cloud.count("DeleteEmailIdentity")

    with pytest.raises(VerifiedDomainProtected, match="never deletes a verified domain"):
        ledger(tencent_cloud).remove(unique_domain)

    assert unique_domain in tencent_cloud.identities
    assert tencent_cloud.count("DeleteEmailIdentity") == deletes  # refused here, before asking


def test_the_service_itself_refuses_to_delete_a_verified_domain(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    # Keep the endpoint honest: its own rule, whatever the client does.
    ledger(tencent_cloud).register(unique_domain, "triggered")
    tencent_cloud.identities[unique_domain].verified = True

    with pytest.raises(ApiError, match=r"OperationDenied\.NotAllowDelete"):
        ledger(tencent_cloud)._api().call("DeleteEmailIdentity", {"EmailIdentity": unique_domain})


def test_a_pending_domain_is_deleted_and_a_missing_one_is_fine(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    ledger(tencent_cloud).register(unique_domain, "triggered")

    ledger(tencent_cloud).remove(unique_domain)
    ledger(tencent_cloud).remove(unique_domain)

    assert unique_domain not in tencent_cloud.identities
    assert ledger(tencent_cloud).get(unique_domain) is None


def test_entries_list_the_accounts_domains_with_the_services_status(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    a, b = f"a.{unique_domain}", f"b.{unique_domain}"
    ledger(tencent_cloud).register(b, "batch")
    ledger(tencent_cloud).register(a, "triggered")
    tencent_cloud.identities[b].verified = True

    entries = ledger(tencent_cloud).entries()

    assert [(e.domain, e.mail_type, e.status) for e in entries] == [(a, "triggered", PENDING), (b, "batch", VERIFIED)]


def test_retype_remakes_a_pending_domain_and_refuses_a_verified_one(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    ledger(tencent_cloud).register(unique_domain, "triggered")
    old_key = tencent_cloud.identities[unique_domain].dkim_value

    tencent_cloud.identities[unique_domain].dkim_option = 0  # made with a 1024-bit key

    entry = ledger(tencent_cloud).retype(unique_domain, "batch")

    assert entry.mail_type == "batch" and tencent_cloud.identities[unique_domain].tags[0]["TagValue"] == "batch"
    assert tencent_cloud.identities[unique_domain].dkim_value != old_key  # a new key: the records follow
    assert tencent_cloud.identities[unique_domain].dkim_option == 0  # of the same size
    tencent_cloud.identities[unique_domain].verified = True
    with pytest.raises(VerifiedDomainProtected, match=r"its type \(batch\)"):
        ledger(tencent_cloud).retype(unique_domain, "triggered")


def test_the_ledger_repr_holds_no_secret(tencent_cloud: FakeTencentCloud) -> None:
    assert tencent_cloud.secret_key not in repr(ledger(tencent_cloud))
    assert tencent_cloud.secret_key not in repr(dnspod(tencent_cloud))


# -- DNSPod ----------------------------------------------------------------------------------------


def records_for(domain: str, key: str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A" + "Q" * 360) -> list[RequiredRecord]:
    return [
        RequiredRecord("SPF", domain, "TXT", "v=spf1 include:qcloudmail.com ~all"),
        RequiredRecord("DKIM", f"qcloud._domainkey.{domain}", "TXT", f"v=DKIM1; k=rsa; p={key}"),
        RequiredRecord("DMARC", f"_dmarc.{domain}", "TXT", "v=DMARC1; p=none"),
        RequiredRecord("MX", domain, "MX", "mxbiz1.qq.com.", preference=5),
    ]


def test_dnspod_publishes_records_that_dns_serves(
    tencent_cloud: FakeTencentCloud, unique_domain: str, zone: Zone
) -> None:
    records = records_for(unique_domain)
    sub = unique_domain.removesuffix("." + ZONE)

    dnspod(tencent_cloud, ttl=600).sync([], records)

    (dkim,) = tencent_cloud.zone_records(f"qcloud._domainkey.{sub}", "TXT")
    assert dkim.value == records[1].value and dkim.ttl == 600  # one record, unsplit
    (mx,) = tencent_cloud.zone_records(sub, "MX")
    assert (mx.mx, mx.value) == (5, "mxbiz1.qq.com.")
    assert zone.served(records) == records
    assert len(zone.txt_strings(records[1].host)[0]) == 2  # served as 255-byte strings
    assert dnspod(tencent_cloud).present(records) == records


def test_dnspod_read_gives_logical_values_and_nothing_for_empty_names(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    records = records_for(unique_domain)
    dnspod(tencent_cloud).sync([], records)

    found = dnspod(tencent_cloud).read([(unique_domain, "MX"), (unique_domain, "TXT"), (f"x.{unique_domain}", "TXT")])

    assert found[(unique_domain, "MX")].values == ("5 mxbiz1.qq.com.",)
    assert found[(unique_domain, "TXT")].values == ("v=spf1 include:qcloudmail.com ~all",)
    assert (f"x.{unique_domain}", "TXT") not in found


def test_dnspod_merges_into_an_existing_spf_record_in_place_and_gives_it_back(
    tencent_cloud: FakeTencentCloud, unique_domain: str, zone: Zone
) -> None:
    sub = unique_domain.removesuffix("." + ZONE)
    theirs = "v=spf1 include:_spf.example.net ~all"
    api = ledger(tencent_cloud)._api()
    from dataclasses import replace

    dns_api = replace(api, service="dnspod", region="")
    dns_api.call(
        "CreateRecord",
        {"Domain": ZONE, "SubDomain": sub, "RecordType": "TXT", "RecordLine": "默认", "Value": theirs, "TTL": 600},
    )
    (original,) = tencent_cloud.zone_records(sub, "TXT")
    records = records_for(unique_domain)

    plan = dnspod(tencent_cloud).sync([], records)

    (merged,) = tencent_cloud.zone_records(sub, "TXT")
    assert merged.id == original.id  # changed in place: the domain never lacked an SPF record
    assert zone.txt(unique_domain) == {"v=spf1 include:_spf.example.net include:qcloudmail.com ~all"}

    dnspod(tencent_cloud).sync(records, [], plan.spf)

    assert zone.txt(unique_domain) == {theirs}
    assert [r.id for r in tencent_cloud.zone_records(sub, "TXT")] == [original.id]
    assert tencent_cloud.zone_records(sub, "MX") == []


def test_dnspod_refuses_to_apply_over_a_change_made_since_the_read(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    records = records_for(unique_domain)
    provider = dnspod(tencent_cloud)
    plan = provider.plan([], records, Spf())
    provider.sync([], records[3:])  # someone publishes the MX in between
    provider.sync(records[3:], [])
    provider.sync([], [RequiredRecord("MX", unique_domain, "MX", "other.example.net.", preference=10)])

    with pytest.raises(DnsUpdateError, match=r"changed in DNSPod since it was read.*nothing was changed"):
        provider.apply(plan.changes)

    sub = unique_domain.removesuffix("." + ZONE)
    assert tencent_cloud.zone_records(sub, "TXT") == []


def test_dnspod_rewrites_a_records_ttl_in_place(
    tencent_cloud: FakeTencentCloud, unique_domain: str, zone: Zone
) -> None:
    records = records_for(unique_domain)
    dnspod(tencent_cloud, ttl=600).sync([], records)
    sub = unique_domain.removesuffix("." + ZONE)
    (before,) = tencent_cloud.zone_records(sub, "MX")

    dnspod(tencent_cloud, ttl=900).sync(records, records)

    (after,) = tencent_cloud.zone_records(sub, "MX")
    assert (after.id, after.ttl) == (before.id, 900)
    assert zone.ttl(unique_domain, "MX") == 900


def test_dnspod_names_a_zone_the_account_does_not_have(tencent_cloud: FakeTencentCloud) -> None:
    provider = DnspodHost(
        "other.test",
        endpoint=tencent_cloud.endpoint,
        secret_id=tencent_cloud.secret_id,
        secret_key=tencent_cloud.secret_key,
    )

    with pytest.raises(DnsUpdateError, match=r"DNSPod has no zone other.test in this account"):
        provider.read([("notify.other.test", "TXT")])


def test_dnspod_with_a_wrong_key_names_the_dns_keys_not_the_secret(tencent_cloud: FakeTencentCloud) -> None:
    provider = DnspodHost(
        ZONE, endpoint=tencent_cloud.endpoint, secret_id=tencent_cloud.secret_id, secret_key="nope"
    )

    with pytest.raises(DnsUpdateError) as caught:
        provider.read([(f"x.{ZONE}", "TXT")])

    assert "dns.secret_id" in str(caught.value) and "nope" not in str(caught.value)
