"""The Route53 provider against moto's server: writes, reads, ownership, SPF merge, paging, drift, retries."""

from __future__ import annotations

import dill
import pytest

from devtools.localdns import LocalDnsServer
from dms_component.core.changes import MERGED, RrsetChange
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import PROFILES, RequiredRecord, required_records
from dms_component.core.verdicts import VERIFIED
from dms_component.core.errors import DnsUpdateError
from dms_component.providers.adapters import dkim_keys
from dms_component.providers.adapters.dns.route53 import MAX_ATTEMPTS, Route53Host
from dms_component.providers.adapters.verifier import verify_once
from dms_component.providers.resources.records import refuse_conflicts
from tests.aws import Fault
from tests.support.route53_bridge import Route53Bridge
from tests.support.route53 import CallLog, HostedZone

PROFILE = PROFILES["tencent-ses"]


def records(domain: str, key: str = "KEY", **kw) -> list[RequiredRecord]:
    return required_records(domain, key, PROFILE, **kw)


def test_writes_all_four_records_in_route53s_format(route53: Route53Host, hosted_zone: HostedZone):
    domain = f"notify.{hosted_zone.name}"
    public = dkim_keys.generate(2048).public_b64
    recs = records(domain, public)

    plan = route53.sync([], recs)

    assert len(plan.changes) == 4
    assert hosted_zone.values(domain, "TXT") == ['"v=spf1 include:qcloudmail.com ~all"']
    assert hosted_zone.values(f"_dmarc.{domain}", "TXT") == ['"v=DMARC1; p=none"']
    assert hosted_zone.values(domain, "MX") == ["5 mxbiz1.qq.com."]
    [dkim] = hosted_zone.values(f"qcloud._domainkey.{domain}", "TXT")
    strings = dkim[1:-1].split('" "')
    assert len(strings) >= 2 and all(len(s) <= 255 for s in strings)
    assert "".join(strings) == f"v=DKIM1; k=rsa; p={public}"
    assert route53.present(recs) == recs


def test_one_change_batch_and_reads_only_at_our_names(
    route53: Route53Host, hosted_zone: HostedZone, call_log: CallLog
):
    recs = records(f"notify.{hosted_zone.name}")
    route53.zone_id()  # resolved once per process
    call_log.clear()

    route53.sync([], recs)
    assert call_log.count("change_resource_record_sets") == 1
    assert call_log.count("list_resource_record_sets") == 1  # the domain, its DKIM name and _dmarc, together

    call_log.clear()
    assert route53.sync(recs, recs).empty
    assert call_log.calls == ["list_resource_record_sets"]  # a no-op re-apply writes nothing


def test_reads_cost_the_same_in_a_crowded_zone(route53: Route53Host, hosted_zone: HostedZone, call_log: CallLog):
    domain = f"notify.{hosted_zone.name}"
    # Neighbours on every side of our names, and other types at our names.
    crowd = [f"n{i:04d}.{hosted_zone.name}" for i in range(600)]
    crowd += [f"a.notify.{hosted_zone.name}", f"zz.notify.{hosted_zone.name}", f"_dmarc.a.{hosted_zone.name}"]
    crowd += [f"notify-x.{hosted_zone.name}", f"notify0.{hosted_zone.name}", f"_dmarc.notify-x.{hosted_zone.name}"]
    hosted_zone.put_many(crowd, "TXT", ['"x"'], ttl=60)
    for rtype, value in (("A", "192.0.2.1"), ("AAAA", "2001:db8::1"), ("CAA", '0 issue "ca.example"')):
        hosted_zone.put(domain, rtype, [value])
    recs = records(domain)
    route53.zone_id()
    call_log.clear()

    route53.sync([], recs)

    assert call_log.count("list_resource_record_sets") == 1
    assert route53.present(recs) == recs
    assert route53.sync(recs, recs).empty  # the look-alike neighbours were not taken for ours
    assert hosted_zone.values(domain, "A") == ["192.0.2.1"]  # other types at our name untouched
    assert hosted_zone.values(f"a.notify.{hosted_zone.name}", "TXT") == ['"x"']


def test_update_deletes_the_exact_values_read_and_keeps_foreign_ones(
    route53: Route53Host, hosted_zone: HostedZone, monkeypatch: pytest.MonkeyPatch
):
    domain = f"notify.{hosted_zone.name}"
    hosted_zone.put(f"_dmarc.{domain}", "TXT", ['"not-dmarc=keep"'], ttl=120)
    old = records(domain)
    route53.sync([], old)
    new = records(domain, dmarc_policy="reject")
    sent: list[list[dict]] = []
    original = Route53Host._call

    def spy(provider, operation, **kwargs):
        if operation == "change_resource_record_sets":
            sent.append(kwargs["ChangeBatch"]["Changes"])
        return original(provider, operation, **kwargs)

    monkeypatch.setattr(Route53Host, "_call", spy)

    route53.sync(old, new)

    # moto would accept a DELETE with other values; Route53 would not. We send what is there.
    [[delete, create]] = sent
    assert delete["Action"] == "DELETE"
    assert delete["ResourceRecordSet"]["ResourceRecords"] == [
        {"Value": '"not-dmarc=keep"'},
        {"Value": '"v=DMARC1; p=none"'},
    ]
    assert delete["ResourceRecordSet"]["TTL"] == 300  # the TTL read back, required for a Route53 DELETE
    assert create["Action"] == "CREATE"
    assert sorted(hosted_zone.values(f"_dmarc.{domain}", "TXT")) == ['"not-dmarc=keep"', '"v=DMARC1; p=reject"']


def test_destroy_removes_exactly_ours(route53: Route53Host, hosted_zone: HostedZone):
    domain = f"notify.{hosted_zone.name}"
    hosted_zone.put(domain, "TXT", ['"google-site-verification=abc"'])
    recs = records(domain)
    route53.sync([], recs)

    route53.sync(recs, [])

    assert hosted_zone.values(domain, "TXT") == ['"google-site-verification=abc"']
    assert hosted_zone.values(domain, "MX") == []
    assert hosted_zone.values(f"_dmarc.{domain}", "TXT") == []
    assert hosted_zone.values(f"qcloud._domainkey.{domain}", "TXT") == []
    assert route53.sync(recs, []).empty


def test_existing_spf_is_merged_and_restored(route53: Route53Host, hosted_zone: HostedZone):
    domain = f"notify.{hosted_zone.name}"
    hosted_zone.put(domain, "TXT", ['"v=spf1 include:_spf.google.com ~all"'])
    recs = records(domain)

    plan = route53.sync([], recs)

    assert (plan.spf.mode, plan.spf.original) == (MERGED, "v=spf1 include:_spf.google.com ~all")
    assert plan.spf.original_strings == ("v=spf1 include:_spf.google.com ~all",)
    assert hosted_zone.values(domain, "TXT") == ['"v=spf1 include:_spf.google.com include:qcloudmail.com ~all"']
    assert route53.present(recs) == recs

    route53.sync(recs, [], plan.spf)
    assert hosted_zone.values(domain, "TXT") == ['"v=spf1 include:_spf.google.com ~all"']


def test_foreign_dmarc_is_refused_with_the_choices_and_adopt_takes_it_over(
    route53: Route53Host, hosted_zone: HostedZone
):
    domain = f"notify.{hosted_zone.name}"
    hosted_zone.put(f"_dmarc.{domain}", "TXT", ['"v=DMARC1; p=reject; rua=mailto:x@example.com"'])
    recs = records(domain)

    plan = route53.plan([], recs)
    with pytest.raises(DnsUpdateError) as refused:
        refuse_conflicts(domain, plan, "error", adopt=False)
    message = str(refused.value)
    assert f"_dmarc.{domain} TXT" in message and "set adopt to true" in message and "remove" in message.lower()
    assert refused.value.code == "conflict.foreign-record"
    assert "\n" not in message

    route53.sync([], recs, adopt=True)
    assert hosted_zone.values(f"_dmarc.{domain}", "TXT") == ['"v=DMARC1; p=none"']


def test_drift_is_seen_and_repaired(route53: Route53Host, hosted_zone: HostedZone):
    domain = f"notify.{hosted_zone.name}"
    recs = records(domain)
    route53.sync([], recs)
    hosted_zone.drop(f"_dmarc.{domain}", "TXT")
    hosted_zone.put(domain, "MX", ["10 other.example."])  # someone replaced our MX

    assert [r.item for r in route53.present(recs)] == ["SPF", "DKIM"]

    route53.sync(recs, recs)
    assert route53.present(recs) == recs
    assert hosted_zone.values(domain, "MX") == ["10 other.example.", "5 mxbiz1.qq.com."]


def throttle_every_other(code: str = "Throttling", times: int = 1000) -> Fault:
    """Answer every second Route53 request with a throttling error (XML, as Route53 does)."""
    seen = {"n": 0}

    def matches(environ) -> bool:
        if "/2013-04-01/" not in environ.get("PATH_INFO", ""):
            return False
        seen["n"] += 1
        return seen["n"] % 2 == 1

    body = (
        '<?xml version="1.0"?><ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>Rate exceeded</Message></Error>"
        "<RequestId>fault</RequestId></ErrorResponse>"
    ).encode()
    return Fault(matches, "400 Bad Request", body, "text/xml", times)


def test_throttling_is_retried_and_converges(route53: Route53Host, hosted_zone: HostedZone, moto, call_log):
    recs = records(f"notify.{hosted_zone.name}")
    with moto.faults(throttle_every_other(), throttle_every_other("PriorRequestNotComplete")) as faults:
        route53.sync([], recs)
        assert route53.sync(recs, recs).empty
    served = sum(f.served for f in faults)
    assert served >= call_log.count() // 2  # the faults really hit our calls
    assert route53.present(recs) == recs


def test_throttling_that_never_ends_fails_clearly_after_a_bounded_number_of_attempts(
    route53: Route53Host, hosted_zone: HostedZone, moto
):
    recs = records(f"notify.{hosted_zone.name}")
    route53.zone_id()
    always = throttle_every_other()
    always.matches = lambda environ: "/2013-04-01/" in environ.get("PATH_INFO", "")
    with moto.faults(always), pytest.raises(DnsUpdateError) as failed:
        route53.sync([], recs)
    assert always.served == MAX_ATTEMPTS  # the first read gave up; nothing else was tried
    assert "Throttling" in str(failed.value) and str(MAX_ATTEMPTS) in str(failed.value)
    assert route53.present(recs) == []


def test_an_error_that_is_not_throttling_is_not_retried(route53: Route53Host, hosted_zone: HostedZone, moto):
    route53.zone_id()
    denied = throttle_every_other("AccessDenied")
    denied.matches = lambda environ: "/rrset" in environ.get("PATH_INFO", "")
    with moto.faults(denied), pytest.raises(DnsUpdateError, match="ListResourceRecordSets"):
        route53.present(records(f"notify.{hosted_zone.name}"))
    assert denied.served == 1


def test_over_long_values_are_refused_before_any_call(route53: Route53Host, hosted_zone: HostedZone, call_log):
    domain = f"notify.{hosted_zone.name}"
    huge = RrsetChange(domain, "TXT", (), ("x" * 5000,), 300)
    with pytest.raises(DnsUpdateError, match="4000"):
        route53.apply([huge])
    assert call_log.count() == 0


def test_zone_by_name_must_exist(moto_server: str):
    provider = Route53Host(zone="nowhere.example.test", endpoint=moto_server)
    with pytest.raises(DnsUpdateError, match=r"no Route53 hosted zone named nowhere\.example\.test \(dns.zone\)"):
        provider.present(records("a.nowhere.example.test"))


def test_hosted_zone_id_is_used_as_given(hosted_zone: HostedZone, moto_server: str):
    provider = Route53Host(
        zone=hosted_zone.name, hosted_zone_id=f"/hostedzone/{hosted_zone.id}", endpoint=moto_server
    )
    recs = records(f"notify.{hosted_zone.name}")
    provider.sync([], recs)
    assert provider.present(recs) == recs


def test_missing_credentials_is_one_clear_line(hosted_zone: HostedZone, moto_server: str, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    provider = Route53Host(zone=hosted_zone.name, endpoint=moto_server, region="ap-east-1")  # a fresh client
    with pytest.raises(DnsUpdateError, match=r"no AWS credentials: set AWS_PROFILE or dns\.profile"):
        provider.zone_id()


def test_unknown_profile_names_the_config_key(moto_server: str):
    provider = Route53Host(zone="example.test", endpoint=moto_server, profile="no-such-profile")
    with pytest.raises(DnsUpdateError, match=r"AWS profile 'no-such-profile' \(dns.profile\)"):
        provider.zone_id()


def test_provider_pickles_without_a_client_after_use(route53: Route53Host, hosted_zone: HostedZone):
    route53.present(records(f"notify.{hosted_zone.name}"))
    clone = dill.loads(dill.dumps(route53))
    assert clone.zone == route53.zone and clone.present(records(f"notify.{hosted_zone.name}")) == []


def test_a_record_split_at_200_bytes_is_merged_verified_and_restored_string_for_string(
    route53: Route53Host, hosted_zone: HostedZone, local_dns: LocalDnsServer
):
    # A console split this SPF record at 200 bytes; Route53 keeps those strings. DELETE must name them
    # exactly, or Route53 refuses every change as if someone else had changed the record.
    domain = f"notify.{hosted_zone.name}"
    original = "v=spf1 " + " ".join(f"ip4:192.0.2.{i}" for i in range(1, 25)) + " ~all"
    split = (original[:200], original[200:])
    stored = " ".join(f'"{s}"' for s in split)
    hosted_zone.put(domain, "TXT", [stored])
    recs = records(domain, dkim_keys.generate(1024).public_b64)

    plan = route53.sync([], recs)

    assert plan.spf.original_strings == split
    [merged] = hosted_zone.values(domain, "TXT")
    assert "include:qcloudmail.com ~all" in merged
    bridge = Route53Bridge(local_dns, hosted_zone.client, hosted_zone.id, hosted_zone.name).start()
    try:  # the verifier asks a server that answers with what Route53 holds
        verdict = verify_once(domain, recs, [Nameserver.parse(bridge.address)])
        assert verdict.status == VERIFIED, [(i.code, i.reason) for i in verdict.items]
    finally:
        bridge.stop()

    route53.sync(recs, [], plan.spf)
    assert hosted_zone.values(domain, "TXT") == [stored]
