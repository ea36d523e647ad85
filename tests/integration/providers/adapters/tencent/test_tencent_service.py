"""Tencent Cloud as it really answers (issue 22): the shells against the fake at its strictest.

Each behaviour of the fake comes from a document, an SDK model or an error code, or is an assumption
(docs/tencent.md); an assumption's test runs with both of its outcomes. Time is the test's (Clock): the
fake's limits, delays and lags move when the code under test waits, and nothing sleeps for real.
"""

from __future__ import annotations

import pytest

from dms_component.core.changes import Spf
from dms_component.core.errors import DmsError, PlanRefused
from dms_component.core.records import RequiredRecord
from dms_component.core.service_records import records_from_attributes
from dms_component.core.verdicts import PENDING, VERIFIED
from dms_component.core.errors import DnsUpdateError, DomainHasAddresses, ServiceError, VerifiedDomainProtected
from dms_component.providers.adapters.tencent.client import ApiError
from dms_component.providers.resources.records import judge_by_service
from tests.fakes.tencent_cloud import FakeTencentCloud, fake_for
from tests.integration.zone import Zone
from tests.support.tencent import ZONE, Clock, clocked, dnspod, ledger, ledger_state


def sub(domain: str) -> str:
    return domain.removesuffix("." + ZONE)


def service_records(cloud: FakeTencentCloud, domain: str, **kw: object) -> list[RequiredRecord]:
    return records_from_attributes(domain, ledger(cloud).service_attributes(domain), **kw)  # type: ignore[arg-type]


def publish(cloud: FakeTencentCloud, domain: str, clock: Clock | None = None, **kw: object) -> list[RequiredRecord]:
    """Register the domain and publish the service's records through DNSPod."""
    ledger(cloud, clock).register(domain, "triggered")
    records = service_records(cloud, domain, **kw)
    dnspod(cloud, clock).sync([], records)
    return records


@pytest.fixture
def site_cloud(request: pytest.FixtureRequest, local_dns):
    cloud = fake_for(local_dns, site=request.param).start()
    yield cloud
    cloud.stop()
    assert cloud.model_problems == []


# -- 1. the international site ------------------------------------------------------------------------


@pytest.mark.parametrize("site_cloud", ["china", "intl"], indirect=True)
def test_records_go_on_the_default_line_of_either_site(site_cloud: FakeTencentCloud, unique_domain: str) -> None:
    records = publish(site_cloud, unique_domain)

    (mx,) = site_cloud.zone_records(sub(unique_domain), "MX")
    assert (mx.line_id, mx.line) == ("0", {"china": "默认", "intl": "Default"}[site_cloud.site])
    assert dnspod(site_cloud).present(records) == records
    assert ledger(site_cloud, verify_timeout=0).mark_verified(unique_domain).status == VERIFIED


@pytest.mark.parametrize("site_cloud", ["intl"], indirect=True)
def test_the_line_id_is_right_even_when_the_site_setting_is_not(
    site_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    # RecordLineId "0" takes priority over RecordLine (the models): a China-site name on the international site.
    records = publish(site_cloud, unique_domain)
    dnspod(site_cloud, site="china").sync(records, records[:3])

    assert site_cloud.zone_records(sub(unique_domain), "MX") == []
    assert len(site_cloud.zone_records(sub(unique_domain), "TXT")) == 1


@pytest.mark.parametrize("site_cloud", ["intl"], indirect=True)
def test_the_other_sites_line_name_alone_is_refused_by_the_service(site_cloud: FakeTencentCloud) -> None:
    api = dnspod(site_cloud)._api()
    params = {"Domain": ZONE, "SubDomain": "x", "RecordType": "TXT", "RecordLine": "默认", "Value": "v", "TTL": 600}

    with pytest.raises(ApiError, match=r"InvalidParameter\.RecordLineInvalid"):
        api.call("CreateRecord", params)


# -- 2. DNSPod's own SPF type ---------------------------------------------------------------------------


@pytest.mark.parametrize("served_as", ["TXT", "SPF"])
def test_an_spf_type_record_is_merged_into_and_becomes_txt(
    tencent_cloud: FakeTencentCloud, unique_domain: str, zone: Zone, served_as: str
) -> None:
    tencent_cloud.spf_served_as = served_as  # assumption: how DNS serves DNSPod's SPF type
    theirs = tencent_cloud.add_record(sub(unique_domain), "SPF", "v=spf1 include:_spf.example.net ~all")

    found = dnspod(tencent_cloud).read([(unique_domain, "TXT")])
    publish(tencent_cloud, unique_domain)

    assert found[(unique_domain, "TXT")].values == ("v=spf1 include:_spf.example.net ~all",)
    assert tencent_cloud.zone_records(sub(unique_domain), "SPF") == []
    (merged,) = tencent_cloud.zone_records(sub(unique_domain), "TXT")  # one policy, never a second one
    assert merged.id == theirs.id and merged.value == "v=spf1 include:_spf.example.net include:qcloudmail.com ~all"
    assert zone.txt(unique_domain) == {merged.value}
    assert ledger(tencent_cloud, verify_timeout=0).mark_verified(unique_domain).status == VERIFIED


@pytest.mark.parametrize("served_as", ["TXT", "SPF"])
def test_an_spf_type_record_that_already_has_our_include_becomes_txt(
    tencent_cloud: FakeTencentCloud, unique_domain: str, served_as: str
) -> None:
    tencent_cloud.spf_served_as = served_as
    theirs = tencent_cloud.add_record(sub(unique_domain), "SPF", "v=spf1 include:qcloudmail.com ~all")

    publish(tencent_cloud, unique_domain)

    (kept,) = tencent_cloud.zone_records(sub(unique_domain), "TXT")
    assert kept.id == theirs.id
    assert ledger(tencent_cloud, verify_timeout=0).mark_verified(unique_domain).status == VERIFIED


def test_a_disabled_spf_type_record_stays_off_and_a_weighted_one_keeps_its_weight(
    tencent_cloud: FakeTencentCloud, unique_domain: str, zone: Zone
) -> None:
    off = tencent_cloud.add_record(sub(unique_domain), "SPF", "v=spf1 -all", status="DISABLE")
    weighted = f"w.{unique_domain}"
    heavy = tencent_cloud.add_record(sub(weighted), "SPF", "v=spf1 include:_spf.example.net ~all", weight=50)

    publish(tencent_cloud, unique_domain)
    publish(tencent_cloud, weighted)

    (still_off,) = tencent_cloud.zone_records(sub(unique_domain), "SPF")
    assert (still_off.id, still_off.status) == (off.id, "DISABLE")
    assert zone.txt(unique_domain) == {"v=spf1 include:qcloudmail.com ~all"}
    (merged,) = tencent_cloud.zone_records(sub(weighted), "TXT")
    assert (merged.id, merged.weight) == (heavy.id, 50)
    for domain in (unique_domain, weighted):
        assert ledger(tencent_cloud, verify_timeout=0).mark_verified(domain).status == VERIFIED


# -- 3. retried writes that went through the first time ----------------------------------------------


@pytest.mark.parametrize("lost", ["drop", "InternalError"])
def test_a_retried_create_that_went_through_is_taken_as_done(
    tencent_cloud: FakeTencentCloud, unique_domain: str, lost: str
) -> None:
    # The first CreateRecord is carried out, but its answer is lost (the connection drops, or the service
    # fails after acting): the retry is refused as a duplicate, and the read-back finds our own record.
    if lost == "drop":
        tencent_cloud.drop(1, "CreateRecord", service="dnspod", applied=True)
    else:
        tencent_cloud.fail("InternalError", 1, "CreateRecord", service="dnspod", applied=True)

    records = publish(tencent_cloud, unique_domain)

    assert dnspod(tencent_cloud).present(records) == records
    assert len(tencent_cloud.zone_records(sub(unique_domain), "TXT")) == 1
    assert tencent_cloud.count("CreateRecord") == 5  # four records, one of them twice


def test_a_retried_create_waits_for_dnspod_to_list_the_record(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    clock = clocked(tencent_cloud)
    tencent_cloud.index_delay = 20.0  # DescribeRecordList's doc: a new record may be listed late
    tencent_cloud.drop(1, "CreateRecord", service="dnspod", applied=True)

    publish(tencent_cloud, unique_domain, clock)

    assert sum(clock.waits) >= 20.0  # read again until it was listed
    assert len(tencent_cloud.zone_records(sub(unique_domain), "TXT")) == 1


def test_a_duplicate_that_never_shows_is_one_line_with_a_code(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    clock = clocked(tencent_cloud)
    tencent_cloud.index_delay = 3600.0
    tencent_cloud.drop(1, "CreateRecord", service="dnspod", applied=True)

    with pytest.raises(DnsUpdateError) as caught:
        publish(tencent_cloud, unique_domain, clock)

    assert caught.value.code == "dnspod.record-unlisted" and "\n" not in str(caught.value)


@pytest.mark.parametrize("action", ["DeleteRecord", "ModifyRecord"])
def test_a_retried_delete_or_modify_that_went_through_is_taken_as_done(
    tencent_cloud: FakeTencentCloud, unique_domain: str, zone: Zone, action: str
) -> None:
    records = publish(tencent_cloud, unique_domain)
    tencent_cloud.fail("InternalError", 1, action, service="dnspod", applied=True)

    if action == "DeleteRecord":
        dnspod(tencent_cloud).sync(records, [])
        assert tencent_cloud.zone_records(sub(unique_domain), "MX") == []
    else:
        dnspod(tencent_cloud, ttl=900).sync(records, records)
        assert {r.ttl for r in tencent_cloud.zone_records(sub(unique_domain), "MX")} == {900}
    assert tencent_cloud.count(action) >= 2


def test_retried_ses_writes_that_went_through_are_taken_as_done(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    tencent_cloud.fail("InternalError", 1, "CreateEmailIdentity", applied=True)
    entry = ledger(tencent_cloud).register(unique_domain, "batch")
    tencent_cloud.drop(1, "DeleteEmailIdentity", applied=True)
    ledger(tencent_cloud).remove(unique_domain)

    assert entry.status == PENDING and entry.service_attributes
    assert tencent_cloud.count("CreateEmailIdentity") == 2 and tencent_cloud.count("DeleteEmailIdentity") == 2
    assert unique_domain not in tencent_cloud.identities


# -- 4. throttling and transient answers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "code", "action"),
    [
        ("ses", "InternalError.QueryDataBaseFailed", "GetEmailIdentity"),
        ("ses", "FailedOperation.ServiceNotAvailable", "GetEmailIdentity"),
        ("ses", "RequestLimitExceeded", "GetEmailIdentity"),
        ("dnspod", "RequestLimitExceeded.RequestLimitExceeded", "DescribeRecordList"),
        ("dnspod", "RequestLimitExceeded", "DescribeRecordList"),
    ],
)
def test_the_services_transient_answers_are_retried(
    tencent_cloud: FakeTencentCloud, unique_domain: str, service: str, code: str, action: str
) -> None:
    tencent_cloud.fail(code, 2, action, service=service)
    clock = Clock()

    if service == "ses":
        assert ledger(tencent_cloud, clock).get(unique_domain) is None
    else:
        assert dnspod(tencent_cloud, clock).read([(unique_domain, "TXT")]) == {}

    assert clock.waits == [0.5, 1.0] and tencent_cloud.count(action) == 3


def test_an_answer_that_is_not_transient_is_not_retried(tencent_cloud: FakeTencentCloud, unique_domain: str) -> None:
    tencent_cloud.fail("ResourceUnavailable", 1, "GetEmailIdentity")

    with pytest.raises(ServiceError, match="ResourceUnavailable"):
        ledger(tencent_cloud).get(unique_domain)
    assert tencent_cloud.count("GetEmailIdentity") == 1


@pytest.mark.parametrize(("service", "limit"), [("ses", 20), ("dnspod", 100)])
def test_past_the_per_second_limit_the_service_throttles_and_the_client_waits(
    tencent_cloud: FakeTencentCloud, unique_domain: str, service: str, limit: int
) -> None:
    clock = clocked(tencent_cloud)  # the second does not pass unless the client waits
    action = "GetEmailIdentity" if service == "ses" else "DescribeRecordList"

    for _ in range(limit + 1):
        if service == "ses":
            ledger(tencent_cloud, clock).get(unique_domain)
        else:
            dnspod(tencent_cloud, clock).read([(unique_domain, "TXT")])

    # The one over the limit is refused until the client's waits (0.5 s, then 1 s) reach the next second.
    assert tencent_cloud.count(action) == limit + 3
    assert clock.waits == [0.5, 1.0]


# -- 5. create after a delete the service has not finished -----------------------------------------


@pytest.mark.parametrize("lag", [0.0, 20.0])
def test_register_after_remove_waits_out_the_services_lag(
    tencent_cloud: FakeTencentCloud, unique_domain: str, lag: float
) -> None:
    clock = clocked(tencent_cloud)
    tencent_cloud.delete_lag = lag  # assumption: RepeatCreation while GetEmailIdentity says NotExistDomain
    ledger(tencent_cloud, clock).register(unique_domain, "triggered")
    ledger(tencent_cloud, clock).remove(unique_domain)

    entry = ledger(tencent_cloud, clock).register(unique_domain, "batch")

    assert entry.mail_type == "batch" and unique_domain in tencent_cloud.identities
    assert (sum(clock.waits) >= lag) and (clock.waits == [] if lag == 0 else clock.waits[:2] == [2.0, 4.0])


def test_a_lag_that_does_not_end_is_bounded_and_one_clear_line(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    clock = clocked(tencent_cloud)
    tencent_cloud.delete_lag = 10_000.0
    ledger(tencent_cloud, clock).register(unique_domain, "triggered")
    ledger(tencent_cloud, clock).remove(unique_domain)
    creates = tencent_cloud.count("CreateEmailIdentity")

    with pytest.raises(ServiceError) as caught:
        ledger(tencent_cloud, clock).register(unique_domain, "batch")

    assert caught.value.code == "tencent.create-after-delete" and "\n" not in str(caught.value)
    assert tencent_cloud.count("CreateEmailIdentity") - creates == 6
    assert clock.waits == [2.0, 4.0, 8.0, 16.0, 30.0]


# -- 6. the service's other answers ------------------------------------------------------------------


def test_a_domain_with_sender_addresses_is_refused_before_anything_is_deleted(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    ledger(tencent_cloud).register(unique_domain, "triggered")
    tencent_cloud.add_sender(f"noreply@{unique_domain}")

    for step in (
        lambda: ledger(tencent_cloud).ensure_removable(unique_domain),
        lambda: ledger(tencent_cloud).ensure_retypable(unique_domain, "batch"),
        lambda: ledger(tencent_cloud).retype(unique_domain, "batch"),
    ):
        with pytest.raises(DomainHasAddresses) as caught:
            step()
        assert caught.value.code == "ledger.domain-has-addresses" and "\n" not in str(caught.value)
    assert tencent_cloud.count("DeleteEmailIdentity") == 0 and unique_domain in tencent_cloud.identities


def test_the_service_itself_refuses_a_delete_while_sender_addresses_remain(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    ledger(tencent_cloud).register(unique_domain, "triggered")
    tencent_cloud.add_sender(f"noreply@{unique_domain}")

    with pytest.raises(DomainHasAddresses) as caught:
        ledger(tencent_cloud).remove(unique_domain)  # no check of our own first: the service's answer

    assert caught.value.code == "ledger.domain-has-addresses" and f"noreply@{unique_domain}" in str(caught.value)
    assert unique_domain in tencent_cloud.identities


@pytest.mark.parametrize("rtype", ["CNAME", "A"])
def test_a_record_of_another_type_is_refused_with_a_code_before_any_write(
    tencent_cloud: FakeTencentCloud, unique_domain: str, rtype: str
) -> None:
    from dms_component.providers.resources.identity import _service_outputs

    value = "track.qcloudmail.com" if rtype == "CNAME" else "192.0.2.7"
    tencent_cloud.extra_attributes = [{"Type": rtype, "SendDomain": f"track.{unique_domain}", "ExpectedValue": value}]
    entry = ledger(tencent_cloud).register(unique_domain, "triggered")

    with pytest.raises(ServiceError) as caught:
        _service_outputs(unique_domain, entry.service_attributes)

    assert caught.value.code == "tencent.record-type"
    assert f"{rtype} record at track.{unique_domain}" in str(caught.value)


@pytest.mark.parametrize("service_refuses", [True, False])
def test_a_verified_domain_is_never_deleted_whatever_the_service_would_do(
    tencent_cloud: FakeTencentCloud, unique_domain: str, service_refuses: bool
) -> None:
    # The rule is ours (the guide); the service documents NotAllowDelete without saying when.
    tencent_cloud.refuses_verified_delete = service_refuses
    ledger(tencent_cloud).register(unique_domain, "triggered")
    tencent_cloud.identities[unique_domain].verified = True

    with pytest.raises(VerifiedDomainProtected):
        ledger(tencent_cloud).remove(unique_domain)

    assert tencent_cloud.count("DeleteEmailIdentity") == 0 and unique_domain in tencent_cloud.identities


# -- 7. what the service compares -------------------------------------------------------------------


def test_a_merged_spf_record_is_reported_by_the_services_rule_and_verifies(
    tencent_cloud: FakeTencentCloud, unique_domain: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tencent_cloud.add_record(sub(unique_domain), "TXT", "v=spf1 include:_spf.example.net ~all")
    ledger(tencent_cloud).register(unique_domain, "triggered")
    records = service_records(tencent_cloud, unique_domain)
    plan = dnspod(tencent_cloud).plan([], records, Spf())

    judge_by_service(
        {"domain": unique_domain, "ledger": ledger_state(tencent_cloud)}, plan
    )  # before the service ever checked

    shown = capsys.readouterr()
    assert "SPF at" in shown.out + shown.err and "merged into the SPF record already there" in shown.out + shown.err
    assert "guide asks for one SPF record that includes qcloudmail.com" in shown.out + shown.err
    dnspod(tencent_cloud).sync([], records)
    assert ledger(tencent_cloud, verify_timeout=0).mark_verified(unique_domain).status == VERIFIED
    judge_by_service(
        {"domain": unique_domain, "ledger": ledger_state(tencent_cloud)}, dnspod(tencent_cloud).plan([], records, Spf())
    )
    assert "last check passed it" in "".join(capsys.readouterr())


@pytest.mark.parametrize("rule", ["any", "exact"])
def test_another_dmarc_policy_is_judged_from_the_services_last_check(
    tencent_cloud: FakeTencentCloud, unique_domain: str, rule: str
) -> None:
    tencent_cloud.dmarc_rule = rule  # assumption: how the service compares a DMARC record
    records = publish(tencent_cloud, unique_domain, dmarc_policy="reject")
    status = ledger(tencent_cloud, verify_timeout=0).mark_verified(unique_domain).status
    plan = dnspod(tencent_cloud).plan(records, records, Spf())

    if rule == "any":
        assert status == VERIFIED
        judge_by_service(
            {"domain": unique_domain, "ledger": ledger_state(tencent_cloud)}, plan
        )  # reported, not refused
    else:
        assert status == PENDING
        with pytest.raises(PlanRefused) as caught:
            judge_by_service({"domain": unique_domain, "ledger": ledger_state(tencent_cloud)}, plan)
        assert caught.value.code == "tencent.service-rejects"
        assert "DMARC at _dmarc." in str(caught.value) and "last check failed it" in str(caught.value)
        assert "dmarc_policy" in str(caught.value) and "\n" not in str(caught.value)


# -- the fake, as strict as the service --------------------------------------------------------------


@pytest.mark.parametrize(("minimum", "refused"), [(600, True), (1, False)])
def test_a_ttl_under_the_plans_minimum_is_refused_naming_the_setting(
    tencent_cloud: FakeTencentCloud, unique_domain: str, minimum: int, refused: bool
) -> None:
    tencent_cloud.min_ttl = minimum  # the zone's plan: free 600, the paid ones lower
    records = [RequiredRecord("MX", unique_domain, "MX", "mxbiz1.qq.com.", preference=5)]

    if refused:
        with pytest.raises(DnsUpdateError) as caught:
            dnspod(tencent_cloud, ttl=300).sync([], records)
        assert caught.value.code == "dnspod.LimitExceeded.RecordTtlLimit" and "dns.ttl" in str(caught.value)
    else:
        dnspod(tencent_cloud, ttl=300).sync([], records)
        assert [r.ttl for r in tencent_cloud.zone_records(sub(unique_domain), "MX")] == [300]


@pytest.mark.parametrize("answer", ["plain", "quoted"])
def test_txt_values_read_the_same_however_dnspod_answers_them(
    tencent_cloud: FakeTencentCloud, unique_domain: str, answer: str
) -> None:
    tencent_cloud.txt_answer = answer  # assumption: DescribeRecordList's TXT values, plain or quoted and split
    records = publish(tencent_cloud, unique_domain)

    assert dnspod(tencent_cloud).present(records) == records
    assert dnspod(tencent_cloud).plan(records, records, Spf()).empty


@pytest.mark.parametrize("limit", [None, 512, 255])
def test_a_txt_value_over_dnspods_limit_is_one_line_naming_the_record(
    tencent_cloud: FakeTencentCloud, unique_domain: str, limit: int | None
) -> None:
    # Assumption: DNSPod's help text gives 512 (the fake's default); no API document gives a limit.
    tencent_cloud.txt_limit = limit
    ledger(tencent_cloud).register(unique_domain, "triggered")
    records = service_records(tencent_cloud, unique_domain)  # a 2048-bit DKIM key: about 420 characters

    if limit is None or limit == 512:
        dnspod(tencent_cloud).sync([], records)
        assert dnspod(tencent_cloud).present(records) == records
    else:
        with pytest.raises(DnsUpdateError) as caught:
            dnspod(tencent_cloud).sync([], records)
        assert caught.value.code == "dnspod.InvalidParameter.RecordValueLengthInvalid"
        assert f"_domainkey.{unique_domain} TXT" in str(caught.value)


def test_names_and_values_are_kept_as_given_and_read_without_case(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    # Assumption: DNSPod keeps a name and an MX host as typed; DNS and this project compare without case.
    tencent_cloud.add_record(sub(unique_domain).upper(), "MX", "MXBIZ1.QQ.COM", mx=5)
    mx = RequiredRecord("MX", unique_domain, "MX", "mxbiz1.qq.com.", preference=5)

    assert dnspod(tencent_cloud).present([mx]) == [mx]
    assert dnspod(tencent_cloud).plan([], [mx], Spf()).empty


@pytest.mark.parametrize("blocks", [True, False])
def test_a_disabled_record_with_our_value_is_switched_on_not_duplicated(
    tencent_cloud: FakeTencentCloud, unique_domain: str, blocks: bool
) -> None:
    tencent_cloud.disabled_blocks_create = blocks  # assumption: a disabled twin counts as a duplicate
    asleep = tencent_cloud.add_record(sub(unique_domain), "MX", "mxbiz1.qq.com.", mx=5, status="DISABLE")
    mx = RequiredRecord("MX", unique_domain, "MX", "mxbiz1.qq.com.", preference=5)

    assert dnspod(tencent_cloud).present([mx]) == []  # not served, not counted
    dnspod(tencent_cloud).sync([], [mx])

    (record,) = tencent_cloud.zone_records(sub(unique_domain), "MX")
    assert record.id == asleep.id and record.status == "ENABLE"


def test_records_off_the_default_line_or_weighted_to_nothing_are_not_counted(
    tencent_cloud: FakeTencentCloud, unique_domain: str, zone: Zone
) -> None:
    other = tencent_cloud.add_record(sub(unique_domain), "TXT", "v=spf1 -all", line="境外")
    off = tencent_cloud.add_record(sub(unique_domain), "TXT", "v=spf1 a -all", weight=0)
    weighted = tencent_cloud.add_record(f"_dmarc.{sub(unique_domain)}", "TXT", "v=DMARC1; p=none", weight=50)
    records = publish(tencent_cloud, unique_domain)

    assert {r.id for r in tencent_cloud.zone_records(sub(unique_domain), "TXT")} >= {other.id, off.id}
    assert zone.txt(unique_domain) == {"v=spf1 include:qcloudmail.com ~all"}
    (dmarc,) = tencent_cloud.zone_records(f"_dmarc.{sub(unique_domain)}", "TXT")
    assert dmarc.id == weighted.id and dmarc.weight == 50  # kept as it is: the same value
    assert dnspod(tencent_cloud).present(records) == records


def test_verification_waits_for_the_service_to_see_the_records(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    clock = clocked(tencent_cloud)
    tencent_cloud.propagation = 120.0  # the guide: the service sees new records after 1 to 10 minutes
    publish(tencent_cloud, unique_domain, clock)

    entry = ledger(tencent_cloud, clock, verify_timeout=600).mark_verified(unique_domain)

    assert entry.status == VERIFIED and 120.0 <= sum(clock.waits) < 600
    assert tencent_cloud.count("UpdateEmailIdentity") > 1


@pytest.mark.parametrize("reverts", [True, False])
def test_a_verified_domain_whose_records_go_may_revert(
    tencent_cloud: FakeTencentCloud, unique_domain: str, reverts: bool
) -> None:
    clock = clocked(tencent_cloud)
    tencent_cloud.reverts_after = 3600.0 if reverts else None  # assumption: the service checks again
    records = publish(tencent_cloud, unique_domain, clock)
    assert ledger(tencent_cloud, clock, verify_timeout=0).mark_verified(unique_domain).status == VERIFIED

    dnspod(tencent_cloud, clock).sync(records, [])
    clock.now += 7200
    status = ledger(tencent_cloud, clock).get(unique_domain).status  # type: ignore[union-attr]

    assert status == (PENDING if reverts else VERIFIED)
    dnspod(tencent_cloud, clock).sync([], records)  # `up` writes them again: verified again
    assert ledger(tencent_cloud, clock, verify_timeout=0).mark_verified(unique_domain).status == VERIFIED


@pytest.mark.parametrize(("service", "action"), [("ses", "CreateEmailIdentity"), ("dnspod", "CreateRecord")])
def test_a_permission_refusal_names_the_keys_and_the_action(
    tencent_cloud: FakeTencentCloud, unique_domain: str, service: str, action: str
) -> None:
    tencent_cloud.denied.add(action)

    with pytest.raises(DmsError) as caught:
        publish(tencent_cloud, unique_domain)

    message = str(caught.value)  # the settings by their Python API names: each front end words them its way
    keys = "ledger" if service == "ses" else "dns"
    assert f"{keys}.secret_id" in message and action in message and tencent_cloud.secret_key not in message


def test_the_tag_filter_keeps_the_domains_with_the_tag(tencent_cloud: FakeTencentCloud, unique_domain: str) -> None:
    a, b = f"a.{unique_domain}", f"b.{unique_domain}"
    ledger(tencent_cloud).register(a, "batch")
    ledger(tencent_cloud).register(b, "triggered")
    api = ledger(tencent_cloud)._api()

    listed = api.call("ListEmailIdentities", {"TagList": [{"TagKey": "dms-mail-type", "TagValue": "batch"}]})

    assert [i["IdentityName"] for i in listed["EmailIdentities"]] == [a]


@pytest.mark.parametrize("name", ["no-dot", "bad..example.test", "-x.example.test", "x_y.example.test"])
def test_a_sender_domain_that_is_no_host_name_is_refused(tencent_cloud: FakeTencentCloud, name: str) -> None:
    with pytest.raises(ServiceError, match=r"InvalidParameterValue\.InvalidEmailIdentity"):
        ledger(tencent_cloud).register(name, "batch")


def test_a_parameter_the_sdk_model_does_not_have_is_refused(tencent_cloud: FakeTencentCloud) -> None:
    with pytest.raises(ApiError, match="UnknownParameter"):
        ledger(tencent_cloud)._api().call("GetEmailIdentity", {"EmailIdentity": "a.example.test", "Name": "x"})
