"""verify_once / verify_until asking the real Knot server, with zones set up by raw updates."""

from __future__ import annotations

import threading

import pytest

from devtools.localdns import free_port
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import PROFILES, RequiredRecord, required_records
from dms_component.core.verdicts import PENDING, VERIFIED, DomainVerdict
from dms_component.providers.adapters import dkim_keys
from dms_component.providers.adapters.dns.rfc2136 import Rfc2136Host
from dms_component.providers.adapters.verifier import verify_once, verify_until
from tests.integration.zone import Zone

PROFILE = PROFILES["tencent-ses"]


def records(domain: str, key: str) -> list[RequiredRecord]:
    return required_records(domain, key, PROFILE)


def without(recs: list[RequiredRecord], item: str) -> list[RequiredRecord]:
    return [r for r in recs if r.item != item]


def failing(verdict: DomainVerdict) -> list[str]:
    return [i.item for i in verdict.items if not i.ok]


def item(verdict: DomainVerdict, name: str):
    [found] = [i for i in verdict.items if i.item == name]
    return found


def test_good_domain_is_verified(zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str):
    recs = records(unique_domain, dkim_key)
    zone.publish(recs)

    verdict = verify_once(unique_domain, recs, [nameserver])

    assert verdict.status == VERIFIED
    assert verdict.domain == unique_domain
    assert [i.item for i in verdict.items] == ["SPF", "DKIM", "DMARC", "MX"]
    assert all(i.ok for i in verdict.items)
    assert [i.host for i in verdict.items] == [r.host for r in recs]
    assert item(verdict, "SPF").current == (recs[0].value,)
    assert item(verdict, "DKIM").current == (recs[1].value,)
    assert item(verdict, "DMARC").current == ("v=DMARC1; p=none",)
    assert item(verdict, "MX").current == ("5 mxbiz1.qq.com.",)
    assert item(verdict, "MX").expected == "5 mxbiz1.qq.com."
    assert item(verdict, "DMARC").reason == "DMARC policy p=none"


def test_records_written_by_the_provider_verify_with_a_long_dkim_key(
    rfc2136: Rfc2136Host, nameserver: Nameserver, unique_domain: str
):
    """A 2048-bit key is published in several strings; the verifier joins them back."""
    recs = records(unique_domain, dkim_keys.generate(2048).public_b64)
    rfc2136.sync([], recs)

    verdict = verify_until(unique_domain, recs, [nameserver], timeout=0)

    assert verdict.status == VERIFIED
    assert item(verdict, "DKIM").reason == "DKIM key matches"


def test_foreign_txt_does_not_disturb_verification(
    zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str
):
    recs = records(unique_domain, dkim_key)
    zone.publish(recs)
    zone.add_txt(unique_domain, "google-site-verification=abc")

    verdict = verify_once(unique_domain, recs, [nameserver])

    assert verdict.status == VERIFIED
    assert item(verdict, "SPF").current == (recs[0].value,)  # only the SPF record is reported


def test_missing_spf(zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str):
    recs = records(unique_domain, dkim_key)
    zone.publish(without(recs, "SPF"))

    verdict = verify_once(unique_domain, recs, [nameserver])

    assert verdict.status == PENDING
    assert failing(verdict) == ["SPF"]
    spf = item(verdict, "SPF")
    assert spf.current == ()
    assert spf.reason.startswith(f"no SPF record at {unique_domain}")
    assert recs[0].value in spf.reason  # tells what to publish


def test_wrong_dkim_key(zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str, other_dkim_key: str):
    recs = records(unique_domain, dkim_key)
    zone.publish(records(unique_domain, other_dkim_key))

    verdict = verify_once(unique_domain, recs, [nameserver])

    assert failing(verdict) == ["DKIM"]
    dkim = item(verdict, "DKIM")
    assert "differs from the expected key" in dkim.reason
    assert dkim.host in dkim.reason
    assert dkim.current == (f"v=DKIM1; k=rsa; p={other_dkim_key}",)
    assert dkim.expected == f"v=DKIM1; k=rsa; p={dkim_key}"


def test_dmarc_without_policy(zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str):
    recs = records(unique_domain, dkim_key)
    zone.publish(without(recs, "DMARC"))
    zone.add_txt(f"_dmarc.{unique_domain}", "v=DMARC1; rua=mailto:x@example.test")

    verdict = verify_once(unique_domain, recs, [nameserver])

    assert failing(verdict) == ["DMARC"]
    dmarc = item(verdict, "DMARC")
    assert "p=" in dmarc.reason and "none, quarantine or reject" in dmarc.reason
    assert dmarc.current == ("v=DMARC1; rua=mailto:x@example.test",)


def test_mx_elsewhere(zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str):
    recs = records(unique_domain, dkim_key)
    zone.publish(without(recs, "MX"))
    zone.add_mx(unique_domain, 10, "mx.other.example.")

    verdict = verify_once(unique_domain, recs, [nameserver])

    assert failing(verdict) == ["MX"]
    mx = item(verdict, "MX")
    assert "do not point to mxbiz1.qq.com." in mx.reason
    assert mx.current == ("10 mx.other.example.",)


def test_two_spf_records(zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str):
    recs = records(unique_domain, dkim_key)
    zone.publish(recs)
    zone.add_txt(unique_domain, "v=spf1 include:_spf.other.example ~all")

    verdict = verify_once(unique_domain, recs, [nameserver])

    assert failing(verdict) == ["SPF"]
    spf = item(verdict, "SPF")
    assert "2 SPF records" in spf.reason and "merge" in spf.reason
    assert set(spf.current) == {recs[0].value, "v=spf1 include:_spf.other.example ~all"}


def test_verify_until_times_out_pending(nameserver: Nameserver, unique_domain: str, dkim_key: str):
    recs = records(unique_domain, dkim_key)  # nothing published

    verdict = verify_until(unique_domain, recs, [nameserver], timeout=1.5)

    assert verdict.status == PENDING
    assert failing(verdict) == ["SPF", "DKIM", "DMARC", "MX"]


def test_verify_until_sees_records_appear_while_polling(
    zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str
):
    recs = records(unique_domain, dkim_key)
    assert verify_once(unique_domain, recs, [nameserver]).status == PENDING
    errors: list[BaseException] = []

    def publish_later() -> None:
        try:
            threading.Event().wait(1.0)
            zone.publish(recs)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    writer = threading.Thread(target=publish_later)
    writer.start()
    try:
        verdict = verify_until(unique_domain, recs, [nameserver], timeout=15)
    finally:
        writer.join()

    assert errors == []
    assert verdict.status == VERIFIED


@pytest.fixture(scope="module")
def dead_nameserver() -> Nameserver:
    return Nameserver("127.0.0.1", free_port())


def test_dead_nameserver_gives_failed_items_saying_it_did_not_answer(dead_nameserver: Nameserver, dkim_key: str):
    domain = "dead.example.test"
    recs = records(domain, dkim_key)

    verdict = verify_once(domain, recs, [dead_nameserver])

    assert verdict.status == PENDING
    assert [i.item for i in verdict.items] == ["SPF", "DKIM", "DMARC", "MX"]
    for i in verdict.items:
        assert not i.ok
        assert i.current == ()
        assert "did not answer" in i.reason
        assert str(dead_nameserver) in i.reason
        assert i.host in i.reason


def test_dead_nameserver_first_falls_back_to_the_next(
    zone: Zone, dead_nameserver: Nameserver, nameserver: Nameserver, unique_domain: str, dkim_key: str
):
    recs = records(unique_domain, dkim_key)
    zone.publish(recs)

    verdict = verify_once(unique_domain, recs, [dead_nameserver, nameserver])

    assert verdict.status == VERIFIED
