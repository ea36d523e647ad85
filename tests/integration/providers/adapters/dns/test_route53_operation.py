"""Route53 within one Pulumi operation: reads reused for plans, several domains in one change batch.

The provider process builds its providers with `reuse_reads=True` and runs up to four domains at
once; these tests do the same with threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

import dms_component.providers.adapters.dns.route53 as route53_module
from dms_component.core.changes import MERGED
from dms_component.core.records import PROFILES, RequiredRecord, required_records
from dms_component.core.errors import DnsUpdateError
from dms_component.providers.adapters.dns.route53 import PAGE_MAX, Route53Host
from dms_component.providers.resources.records import refuse_conflicts
from tests.aws import Fault
from tests.support.route53 import CallLog, HostedZone


def records(domain: str) -> list[RequiredRecord]:
    return required_records(domain, "KEY", PROFILES["tencent-ses"])


@pytest.fixture
def operation(hosted_zone: HostedZone, moto_server: str) -> Route53Host:
    """The provider as Pulumi's provider process builds it for one operation."""
    return Route53Host(zone=hosted_zone.name, endpoint=moto_server, reuse_reads=True, sleep=lambda _s: None)


def refusing(domain: str) -> Callable:
    return lambda plan: refuse_conflicts(domain, plan, "error", adopt=False)


def at_once(work: Callable[[str], object], domains: list[str]) -> list[object]:
    """Run `work` for each domain in its own thread, as the provider host's four threads do; errors returned."""

    def outcome(domain: str) -> object:
        try:
            return work(domain)
        except DnsUpdateError as exc:
            return exc

    with ThreadPoolExecutor(len(domains)) as pool:
        return list(pool.map(outcome, domains))


def test_domains_changed_at_the_same_time_share_one_change_batch(
    route53: Route53Host, hosted_zone: HostedZone, call_log: CallLog, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(route53_module, "GATHER", 2.0)  # room for every thread to join, however loaded the machine
    domains = [f"d{i}.{hosted_zone.name}" for i in range(4)]
    route53.zone_id()
    call_log.clear()

    outcomes = at_once(lambda d: route53.sync([], records(d)), domains)

    assert [len(plan.changes) for plan in outcomes] == [4, 4, 4, 4]  # type: ignore[attr-defined]
    assert call_log.count("change_resource_record_sets") == 1
    for domain in domains:
        assert route53.present(records(domain)) == records(domain)


def test_a_refused_domain_in_a_shared_batch_fails_alone(
    operation: Route53Host, hosted_zone: HostedZone, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(route53_module, "GATHER", 2.0)
    a, b, c = (f"{x}.{hosted_zone.name}" for x in "abc")
    for domain in (a, b, c):  # as each records resource's check does before the create
        assert not operation.plan([], records(domain)).conflicts
    # Meanwhile someone publishes a DMARC record at b: the batch planned from the earlier read is refused.
    hosted_zone.put(f"_dmarc.{b}", "TXT", ['"v=DMARC1; p=reject"'])

    outcomes = at_once(lambda d: operation.sync([], records(d), accept=refusing(d)), [a, b, c])

    assert not isinstance(outcomes[0], Exception) and not isinstance(outcomes[2], Exception)
    assert isinstance(outcomes[1], DnsUpdateError) and f"_dmarc.{b} TXT" in str(outcomes[1])
    assert operation.present(records(a)) == records(a) and operation.present(records(c)) == records(c)
    assert hosted_zone.values(b, "MX") == [] and hosted_zone.values(f"_dmarc.{b}", "TXT") == ['"v=DMARC1; p=reject"']


def test_one_listing_of_a_small_zone_serves_every_check_and_create(
    operation: Route53Host, hosted_zone: HostedZone, call_log: CallLog
):
    domains = [f"d{i}.{hosted_zone.name}" for i in range(5)]
    call_log.clear()

    for domain in domains:
        operation.plan([], records(domain))  # the checks
    for domain in domains:
        operation.sync([], records(domain))  # the creates
    assert call_log.count("list_resource_record_sets") == 1
    assert call_log.count("list_hosted_zones_by_name") == 1

    call_log.clear()
    assert all(operation.sync(records(d), records(d)).empty for d in domains)  # what we wrote is known
    assert call_log.calls == []
    assert [operation.present(records(d)) for d in domains] == [records(d) for d in domains]  # fresh reads agree


@pytest.mark.parametrize(("domains", "listings"), [(3, 3), (8, 3 + 4)])
def test_in_a_bigger_zone_domains_are_listed_one_by_one_until_listing_the_whole_zone_costs_no_more(
    operation: Route53Host, hosted_zone: HostedZone, call_log: CallLog, domains: int, listings: int
):
    hosted_zone.put_many([f"n{i:04d}.{hosted_zone.name}" for i in range(3 * PAGE_MAX + 50)], "TXT", ['"x"'])  # 4 pages
    names = [f"d{i}.{hosted_zone.name}" for i in range(domains)]
    call_log.clear()

    for domain in names:
        operation.plan([], records(domain))
    for domain in names:
        operation.sync([], records(domain))

    # 3 domains: one listing each. 8: one each for the first 3, then the zone's 4 pages answer the rest.
    assert call_log.count("list_resource_record_sets") == listings
    assert [operation.present(records(d)) for d in names] == [records(d) for d in names]


def test_a_plan_from_a_stale_read_is_refused_and_made_again_from_a_fresh_one(
    operation: Route53Host, hosted_zone: HostedZone, call_log: CallLog
):
    domain = f"notify.{hosted_zone.name}"
    operation.plan([], records(domain))  # the check: no SPF record yet
    hosted_zone.put(domain, "TXT", ['"v=spf1 include:_spf.google.com ~all"'])  # then someone adds one
    call_log.clear()

    plan = operation.sync([], records(domain))

    assert call_log.count("change_resource_record_sets") == 2  # the stale CREATE refused, then the merge
    assert plan.spf.mode == MERGED
    assert hosted_zone.values(domain, "TXT") == ['"v=spf1 include:_spf.google.com include:qcloudmail.com ~all"']
    assert operation.present(records(domain)) == records(domain)


def test_without_reuse_every_plan_reads_afresh(route53: Route53Host, hosted_zone: HostedZone, call_log: CallLog):
    domain = f"notify.{hosted_zone.name}"
    route53.zone_id()
    call_log.clear()
    route53.plan([], records(domain))
    hosted_zone.put(domain, "TXT", ['"v=spf1 include:_spf.google.com ~all"'])

    route53.sync([], records(domain))

    assert call_log.count("list_resource_record_sets") == 2
    assert call_log.count("change_resource_record_sets") == 1  # planned from what was there


def test_a_hosted_zone_id_of_another_zone_is_refused_before_any_change(
    hosted_zone: HostedZone, moto_server: str, call_log: CallLog
):
    other = hosted_zone.client.create_hosted_zone(Name="other.example.test", CallerReference="other-zone")
    other_id = other["HostedZone"]["Id"].rsplit("/", 1)[-1]
    provider = Route53Host(zone=hosted_zone.name, hosted_zone_id=other_id, endpoint=moto_server)

    with pytest.raises(DnsUpdateError, match=rf"{other_id} \(dns.hosted_zone_id\) is other.example.test, not"):
        provider.sync([], records(f"notify.{hosted_zone.name}"))
    assert call_log.count("change_resource_record_sets") == 0


def test_moto_here_refuses_writes_as_route53_does(hosted_zone: HostedZone):
    """The compare-and-swap above relies on Route53's rules, which tests/aws.py gives moto."""
    from botocore.exceptions import ClientError

    name = f"x.{hosted_zone.name}"

    def change(action: str, value: str, ttl: int = 300) -> None:
        rrset = {"Name": name + ".", "Type": "TXT", "TTL": ttl, "ResourceRecords": [{"Value": value}]}
        hosted_zone.client.change_resource_record_sets(
            HostedZoneId=hosted_zone.id, ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": rrset}]}
        )

    change("CREATE", '"a"')
    for action, value, ttl, reason in (
        ("CREATE", '"b"', 300, "already exists"),
        ("DELETE", '"b"', 300, "do not match"),
        ("DELETE", '"a"', 60, "do not match"),
    ):
        with pytest.raises(ClientError, match=reason) as refused:
            change(action, value, ttl)
        assert refused.value.response["Error"]["Code"] == "InvalidChangeBatch"
    assert hosted_zone.values(name, "TXT") == ['"a"']
    change("DELETE", '"a"')
    change("CREATE", '"a"')  # again, after the delete: Route53 accepts it
    assert hosted_zone.values(name, "TXT") == ['"a"']


# --- Waiting for INSYNC (moto's changes are INSYNC at once; `held` keeps them PENDING until released)


@pytest.fixture
def held(moto) -> Iterator[object]:
    moto.changes_pending = True
    try:
        yield moto
    finally:
        moto.changes_pending = False


def releasing_after(server, sleeps: int) -> Callable[[float], None]:
    """A provider's `sleep` that lets the change reach INSYNC at its `sleeps`-th wait."""
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        if len(waited) == sleeps:
            server.changes_pending = False

    sleep.waited = waited  # type: ignore[attr-defined]
    return sleep


def test_sync_returns_once_the_change_is_insync(hosted_zone: HostedZone, moto_server: str, held):
    sleep = releasing_after(held, 2)
    provider = Route53Host(zone=hosted_zone.name, endpoint=moto_server, sleep=sleep)
    before = held.get_change_calls

    plan = provider.sync([], records(f"notify.{hosted_zone.name}"))

    assert held.get_change_calls - before == 2  # PENDING, then INSYNC
    assert sleep.waited == [1.0, 2.0]  # type: ignore[attr-defined]
    assert plan.applied


def test_a_change_still_pending_at_the_deadline_says_it_will_finish_and_what_to_do(
    hosted_zone: HostedZone, moto_server: str, held
):
    provider = Route53Host(zone=hosted_zone.name, endpoint=moto_server, insync_timeout=0, sleep=lambda _s: None)
    domain = f"notify.{hosted_zone.name}"

    with pytest.raises(DnsUpdateError, match=r"is still PENDING after 0 s; it was accepted and will finish on its own"):
        provider.sync([], records(domain))
    assert hosted_zone.values(domain, "MX") == ["5 mxbiz1.qq.com."]  # accepted: it is in the zone


def test_without_settling_the_change_is_named_and_waited_on_later_once_per_batch(
    hosted_zone: HostedZone, moto_server: str, held, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(route53_module, "GATHER", 2.0)
    sleep = releasing_after(held, 1)
    provider = Route53Host(zone=hosted_zone.name, endpoint=moto_server, reuse_reads=True, sleep=sleep)
    domains = [f"d{i}.{hosted_zone.name}" for i in range(4)]
    before = held.get_change_calls

    plans = at_once(lambda d: provider.sync([], records(d), settle=False), domains)
    assert held.get_change_calls == before  # nobody waited
    assert len({p.applied for p in plans}) == 1  # type: ignore[attr-defined]  # one batch

    at_once(lambda d: provider.wait_served(plans[0].applied), domains)  # type: ignore[attr-defined]
    assert held.get_change_calls - before == 1  # one thread polled; the others found it INSYNC


def test_a_change_route53_has_forgotten_counts_as_served(hosted_zone: HostedZone, moto_server: str, moto):
    body = (
        b'<?xml version="1.0"?><ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
        b"<Error><Type>Sender</Type><Code>NoSuchChange</Code><Message>C0LD</Message></Error></ErrorResponse>"
    )
    gone = Fault(lambda environ: "/change/C0LD" in environ.get("PATH_INFO", ""), "404 Not Found", body, "text/xml", 1)
    provider = Route53Host(zone=hosted_zone.name, endpoint=moto_server, sleep=lambda _s: None)
    with moto.faults(gone):
        provider.wait_served("C0LD")  # a later `pulumi up` of a domain written months ago
    assert gone.served == 1


def test_waits_on_several_batches_at_once_all_end_once_insync(
    hosted_zone: HostedZone, moto_server: str, held, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(route53_module, "GATHER", 0.0)
    provider = Route53Host(zone=hosted_zone.name, endpoint=moto_server, sleep=releasing_after(held, 1))
    first, second = (provider.sync([], records(f"{x}.{hosted_zone.name}"), settle=False).applied for x in "ab")
    assert first and second and first != second
    before = held.get_change_calls

    assert at_once(provider.wait_served, [first, second, first, second]) == [None] * 4  # no error either

    assert held.get_change_calls - before == 2  # each change asked until INSYNC once, whoever waited on it
