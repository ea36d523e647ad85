"""Issue 26, item 8: what a review of the Tencent fake found, closed. The DNSPod shell against the fake: a
retried ModifyRecord's repeat answered both ways, the business throttles waited out (on the test's clock, never
really sleeping), DNSPod's 512-character TXT limit, and DescribeRecordList's negative Offset."""

from __future__ import annotations

import pytest

from dms_component.core.errors import ChangeRefused, DnsUpdateError
from dms_component.core.records import RequiredRecord
from dms_component.providers.adapters.tencent.client import MAX_THROTTLE_PAUSE, THROTTLE_BUDGET, ApiError
from tests.fakes.tencent_cloud import FakeTencentCloud
from tests.integration.providers.adapters.tencent.test_tencent_service import publish, sub
from tests.support.tencent import ZONE, clocked, dnspod

# -- a retried ModifyRecord whose first try went through -------------------------------------------------


@pytest.mark.parametrize("repeat", ["succeeds", "exists"])
def test_a_repeated_modify_converges_however_dnspod_answers_the_repeat(
    tencent_cloud: FakeTencentCloud, unique_domain: str, repeat: str
) -> None:
    records = publish(tencent_cloud, unique_domain)
    # Assumption: a ModifyRecord repeating what the record holds succeeds again, or answers DomainRecordExist.
    tencent_cloud.repeat_modify = repeat
    tencent_cloud.drop(1, "ModifyRecord", service="dnspod", applied=True)  # done, its answer lost: retried

    dnspod(tencent_cloud, ttl=900).sync(records, records)  # with "exists", only the read-back makes it pass

    assert tencent_cloud.count("ModifyRecord") == 5  # four records, the first twice
    for rtype in ("TXT", "MX"):
        assert {r.ttl for r in tencent_cloud.zone_records(sub(unique_domain), rtype)} == {900}


def test_a_modify_refused_as_existing_while_the_record_holds_something_else_is_refused(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    records = publish(tencent_cloud, unique_domain)
    # Not our repeat: the read-back does not find the record as asked (its TTL is still the old one), so nothing
    # is taken as done.
    tencent_cloud.fail("InvalidParameter.DomainRecordExist", 1, "ModifyRecord", service="dnspod")

    with pytest.raises(ChangeRefused) as caught:
        dnspod(tencent_cloud, ttl=900).sync(records, records)

    assert caught.value.code == "dns.change-refused" and "\n" not in str(caught.value)


# -- business throttles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "first_pause"),
    [("FailedOperation.FrequencyLimit", 5.0), ("InvalidParameter.OperationIsTooFrequent", 60.0)],
)
def test_a_burst_of_writes_for_many_domains_meets_the_business_throttle_and_converges(
    tencent_cloud: FakeTencentCloud, code: str, first_pause: float
) -> None:
    clock = clocked(tencent_cloud)  # the client waits on the test's clock, which drives the fake's window
    tencent_cloud.write_limit, tencent_cloud.write_throttle_code = (3, 60.0), code
    domains = [f"burst{i}.{ZONE}" for i in range(3)]

    published = [publish(tencent_cloud, domain, clock) for domain in domains]  # 12 writes, 3 a minute

    for domain, records in zip(domains, published, strict=True):
        assert dnspod(tencent_cloud, clock).present(records) == records, domain
    throttled = [w for w in clock.waits if w >= first_pause]
    assert throttled and throttled[0] == first_pause and max(clock.waits) <= MAX_THROTTLE_PAUSE
    assert tencent_cloud.count("CreateRecord") > 12  # some were refused, then made


def test_a_throttle_that_never_lifts_gives_up_within_the_budget_with_one_line(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    clock = clocked(tencent_cloud)
    tencent_cloud.write_limit = (0, 1e9)  # no write is ever let through

    with pytest.raises(DnsUpdateError) as caught:
        publish(tencent_cloud, unique_domain, clock)

    assert caught.value.code == "dnspod.FailedOperation.FrequencyLimit" and "\n" not in str(caught.value)
    assert "after waiting" in str(caught.value)
    assert THROTTLE_BUDGET - MAX_THROTTLE_PAUSE < sum(clock.waits) <= THROTTLE_BUDGET
    assert tencent_cloud.zone_records(sub(unique_domain), "MX") == []


# -- the TXT limit and the Offset ---------------------------------------------------------------------------


def test_dnspods_txt_limit_is_512_characters_by_default(tencent_cloud: FakeTencentCloud, unique_domain: str) -> None:
    host = f"long.{unique_domain}"
    fits = RequiredRecord("DMARC", host, "TXT", "v=DMARC1; p=none; x=" + "a" * 492)  # 512
    assert len(fits.value) == 512
    dnspod(tencent_cloud).sync([], [fits])
    assert dnspod(tencent_cloud).present([fits]) == [fits]

    over = RequiredRecord("DMARC", f"longer.{unique_domain}", "TXT", fits.value + "a")
    with pytest.raises(DnsUpdateError) as caught:
        dnspod(tencent_cloud).sync([], [over])
    assert caught.value.code == "dnspod.InvalidParameter.RecordValueLengthInvalid"


def test_describe_record_list_refuses_a_negative_offset(tencent_cloud: FakeTencentCloud, unique_domain: str) -> None:
    publish(tencent_cloud, unique_domain)
    api = dnspod(tencent_cloud)._api()
    params = {"Domain": ZONE, "Subdomain": sub(unique_domain), "Limit": 10, "ErrorOnEmpty": "no"}

    with pytest.raises(ApiError) as caught:
        api.call("DescribeRecordList", {**params, "Offset": -1})
    assert caught.value.code == "InvalidParameter.OffsetInvalid"

    everything = api.call("DescribeRecordList", {**params, "Offset": 0})["RecordList"]
    assert len(everything) == 2  # SPF and MX at the domain (DKIM and DMARC are at their own names)
    assert api.call("DescribeRecordList", {**params, "Offset": 1})["RecordList"] == everything[1:]
    assert api.call("DescribeRecordList", {**params, "Offset": 2})["RecordList"] == []
