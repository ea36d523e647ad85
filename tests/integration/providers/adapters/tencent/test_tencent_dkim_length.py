"""A new DKIM key length on a domain that exists, with the `tencent` ledger (issue 27, item 4): the service
holds the key, and UpdateEmailIdentity's DKIMOption (SDK >= 3.1.124) changes it in place.

What the service does meanwhile is not documented, so the fake models both outcomes of each assumption
(docs/tencent.md): a change drops VerifiedForSendingStatus or not (`dkim_change_unverifies`), and dual signing
asks for both keys' records or shows one (`dual_signing_records`). Every combination ends Verified with the
new key published and checked by the service; with both records shown, no moment passes without a key the
service signs with published.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.serialization import load_der_public_key

from dms_component.core.records import RequiredRecord
from dms_component.core.service_records import records_from_attributes
from dms_component.core.tags import parse_tags
from dms_component.core.verdicts import PENDING, VERIFIED
from dms_component.core.errors import ServiceError
from dms_component.providers.adapters.ledger.tencent import DUAL_SIGNING, DkimStep
from dms_component.providers.resources.identity import SenderIdentityProvider
from tests.fakes.tencent_cloud import FakeTencentCloud
from tests.integration.zone import Zone
from tests.support.tencent import ZONE, Clock, clocked, dnspod, ledger, ledger_state

BEHAVIOURS = [(drops, shown) for drops in (False, True) for shown in (2, 1)]


def key_bits(value: str) -> int:
    key = load_der_public_key(base64.b64decode((parse_tags(value) or {})["p"]))
    return key.key_size  # type: ignore[union-attr]


def served_keys(zone: Zone, domain: str, cloud: FakeTencentCloud) -> set[tuple[str, str]]:
    """(selector, value) of each key the service signs with that DNS serves now."""
    identity = cloud.identities[domain]
    return {(s, v) for s, v in identity.signing_keys() if v in zone.txt(f"{s}._domainkey.{domain}")}


def records_of(step_or_attrs: DkimStep | list, domain: str) -> list[RequiredRecord]:
    attrs = step_or_attrs.entry.service_attributes if isinstance(step_or_attrs, DkimStep) else step_or_attrs
    return records_from_attributes(domain, attrs or [])


def verified_at(cloud: FakeTencentCloud, domain: str, bits: int, clock: Clock) -> list[RequiredRecord]:
    """A domain made with `bits`, its records published, verified by the service."""
    ledger(cloud, clock).register(domain, "triggered", dkim_key_bits=bits)
    records = records_from_attributes(domain, ledger(cloud, clock).service_attributes(domain))
    dnspod(cloud, clock).sync([], records)
    assert ledger(cloud, clock, verify_timeout=0).mark_verified(domain).status == VERIFIED
    return records


def up(cloud: FakeTencentCloud, zone: Zone, domain: str, bits: int, published: list[RequiredRecord], clock: Clock):
    """What one `pulumi up` does: the identity's step, DnsRecords publishes what the service asks for, the
    verification asks the service to verify. Returns the step, whether DNS served none of the keys the service
    signs with right after the step (a gap), the records now published and the status."""
    step = ledger(cloud, clock).change_dkim_length(domain, bits)
    gap = not served_keys(zone, domain, cloud)
    records = records_of(step, domain)
    dnspod(cloud, clock).sync(published, records)
    status = ledger(cloud, clock, verify_timeout=60).mark_verified(domain).status
    return step, gap, records, status


@pytest.mark.parametrize(("drops", "shown"), BEHAVIOURS)
def test_a_new_length_on_a_verified_domain_converges_verified_with_the_new_key(
    tencent_cloud: FakeTencentCloud, unique_domain: str, zone: Zone, drops: bool, shown: int
) -> None:
    tencent_cloud.dkim_change_unverifies = drops  # assumption 1, both ways
    tencent_cloud.dual_signing_records = shown  # assumption 2, both ways
    clock = clocked(tencent_cloud)
    published = verified_at(tencent_cloud, unique_domain, 1024, clock)
    old = tencent_cloud.identities[unique_domain].dkim_value

    steps, gaps = [], []
    for _ in range(3):  # one `up` per step; the same call again once done changes nothing
        step, gap, published, status = up(tencent_cloud, zone, unique_domain, 2048, published, clock)
        steps.append(step.option)
        gaps.append(gap)
        assert status == VERIFIED and served_keys(zone, unique_domain, tencent_cloud)

    identity = tencent_cloud.identities[unique_domain]
    assert identity.dkim_option == 1 and identity.verified
    (dkim,) = [r for r in published if r.item == "DKIM"]
    assert key_bits(dkim.value) == 2048 and dkim.value != old
    assert zone.txt(dkim.host) == {dkim.value}  # published where the service says, and checked by it
    assert all(a["Status"] for a in ledger(tencent_cloud, clock).service_attributes(unique_domain))
    # The old key's record is gone once the service no longer signs with it: one DKIM record is left.
    sub = unique_domain.removesuffix("." + ZONE)
    keys = [r.value for r in tencent_cloud.records.values() if r.name.endswith(f"._domainkey.{sub}")]
    assert keys == [dkim.value]
    if shown == 2:
        assert steps == [DUAL_SIGNING, 1, 1]  # bridged: both keys signing while the new one is published
        assert gaps == [False, False, False]  # at no moment does the service sign with keys DNS lacks
    else:
        assert steps == [1, 1, 1]  # dual signing bridges nothing here: the new length at once
        assert gaps == [True, False, False]  # until the new record is published (docs/tencent.md says so)
        assert identity.dual is None


@pytest.mark.parametrize("drops", [False, True])
def test_a_pending_domain_is_given_the_new_length_at_once(
    tencent_cloud: FakeTencentCloud, unique_domain: str, drops: bool
) -> None:
    tencent_cloud.dkim_change_unverifies = drops
    ledger(tencent_cloud).register(unique_domain, "triggered", dkim_key_bits=2048)

    step = ledger(tencent_cloud).change_dkim_length(unique_domain, 1024)

    assert step.option == 0 and not step.bridging and step.entry.status == PENDING
    assert tencent_cloud.count("UpdateEmailIdentity") == 1  # no dual signing for a domain that sends nothing
    (dkim,) = [r for r in records_of(step, unique_domain) if r.item == "DKIM"]
    assert key_bits(dkim.value) == 1024


def test_the_switch_waits_until_the_service_has_checked_the_new_key(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    clock = clocked(tencent_cloud)
    published = verified_at(tencent_cloud, unique_domain, 1024, clock)
    tencent_cloud.propagation = 120.0  # the service sees the new record 2 minutes after it is written

    first = ledger(tencent_cloud, clock).change_dkim_length(unique_domain, 2048)
    dnspod(tencent_cloud, clock).sync(published, records_of(first, unique_domain))
    again = ledger(tencent_cloud, clock).change_dkim_length(unique_domain, 2048)  # an `up` at once
    clock.now += 121
    last = ledger(tencent_cloud, clock).change_dkim_length(unique_domain, 2048)

    assert first.bridging and again.bridging and again.option == DUAL_SIGNING
    assert len([r for r in records_of(again, unique_domain) if r.item == "DKIM"]) == 2
    assert last.option == 1 and not last.bridging


@pytest.mark.parametrize("shown", [2, 1])
def test_a_step_repeated_after_a_lost_answer_carries_on_from_the_service(
    tencent_cloud: FakeTencentCloud, unique_domain: str, shown: int
) -> None:
    # The answer to the DKIMOption change is lost after the service took it: the client's retry, and a
    # later run's step, read the service back instead of changing the key again.
    tencent_cloud.dual_signing_records = shown
    clock = clocked(tencent_cloud)
    verified_at(tencent_cloud, unique_domain, 1024, clock)
    tencent_cloud.drop(1, "UpdateEmailIdentity", applied=True)

    step = ledger(tencent_cloud, clock).change_dkim_length(unique_domain, 2048)
    keys = tencent_cloud.identities[unique_domain].signing_keys()
    again = ledger(tencent_cloud, clock).change_dkim_length(unique_domain, 2048)  # the next run, state unwritten

    assert step.option == again.option == (DUAL_SIGNING if shown == 2 else 1)
    assert tencent_cloud.identities[unique_domain].signing_keys() == keys  # no further key made
    assert step.entry.service_attributes == again.entry.service_attributes


def test_a_domain_that_signed_with_two_keys_is_retyped_and_signs_with_two_again(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    # Dual signing is no longer a reason to refuse a retype: the domain is made again, then asked for it.
    ledger(tencent_cloud).register(unique_domain, "triggered")
    ledger(tencent_cloud)._set_dkim_option(ledger(tencent_cloud)._api(), unique_domain, DUAL_SIGNING)
    keys = tencent_cloud.identities[unique_domain].signing_keys()

    ledger(tencent_cloud).ensure_retypable(unique_domain, "batch")
    entry = ledger(tencent_cloud).retype(unique_domain, "batch")

    identity = tencent_cloud.identities[unique_domain]
    assert entry.mail_type == "batch" and identity.dkim_option == DUAL_SIGNING
    assert len(identity.signing_keys()) == 2 and identity.signing_keys() != keys  # made again: new keys
    assert tencent_cloud.count("DeleteEmailIdentity") == 1


# -- the SenderIdentity's part: diff at preview, update, and a run killed between the service and the state --


def props(cloud: FakeTencentCloud, domain: str, bits: int) -> dict:
    return {
        "domain": domain,
        "mail_type": "triggered",
        "dkim_key_bits": bits,
        "ledger": ledger_state(cloud),
        "ledger_credential": None,
        "dkim_selector": "qcloud",
    }


@pytest.mark.parametrize("drops", [False, True])
def test_a_run_killed_after_the_service_changed_converges_on_the_next_up(
    tencent_cloud: FakeTencentCloud, unique_domain: str, zone: Zone, drops: bool
) -> None:
    tencent_cloud.dkim_change_unverifies = drops
    provider = SenderIdentityProvider()
    olds = provider.create(props(tencent_cloud, unique_domain, 1024)).outs
    published = records_from_attributes(unique_domain, olds["service_attributes"])
    dnspod(tencent_cloud).sync([], published)
    ledger(tencent_cloud, verify_timeout=0).mark_verified(unique_domain)
    news = props(tencent_cloud, unique_domain, 2048)

    # The killed run: the service was asked (dual signing), then the process died before the state was written.
    ledger(tencent_cloud).change_dkim_length(unique_domain, 2048)

    # The next `up` plans from the old state, and each update reads the service back; a bridge takes one more.
    ups = 0
    while provider.diff(unique_domain, olds, news).changes and ups < 3:
        assert not provider.diff(unique_domain, olds, news).replaces
        olds = {**news, **provider.update(unique_domain, olds, news).outs}
        records = records_from_attributes(unique_domain, olds["service_attributes"])
        dnspod(tencent_cloud).sync(published, records)
        published = records
        assert ledger(tencent_cloud, verify_timeout=5).mark_verified(unique_domain).status == VERIFIED
        ups += 1

    assert ups == (1 if drops else 2)  # dropped to pending: nothing to bridge; verified: through dual signing
    assert olds["dkim_option"] == 1 and not provider.diff(unique_domain, olds, news).changes
    (dkim,) = [r for r in published if r.item == "DKIM"]
    assert key_bits(dkim.value) == 2048 and zone.txt(dkim.host) == {dkim.value}
    assert olds["dkim_public_key"] == (parse_tags(dkim.value) or {})["p"].replace(" ", "")


@pytest.mark.parametrize("taken", [True, False])
def test_a_not_verified_answer_to_the_change_is_read_back(
    tencent_cloud: FakeTencentCloud, unique_domain: str, taken: bool
) -> None:
    # OperationDenied.DomainNotVerified answers a failed check; whether the DKIMOption in the same request was
    # taken is not said, so the service is read back: taken, the step goes on; not taken, one line with a code.
    ledger(tencent_cloud).register(unique_domain, "triggered", dkim_key_bits=2048)
    tencent_cloud.fail("OperationDenied.DomainNotVerified", 1, "UpdateEmailIdentity", applied=taken)

    if taken:
        assert ledger(tencent_cloud).change_dkim_length(unique_domain, 1024).option == 0
        return
    with pytest.raises(ServiceError) as caught:
        ledger(tencent_cloud).change_dkim_length(unique_domain, 1024)
    assert caught.value.code == "tencent.dkim-option" and "\n" not in str(caught.value)
    assert tencent_cloud.identities[unique_domain].dkim_option == 1  # nothing changed


def test_a_length_changed_outside_the_stack_shows_after_a_refresh_and_is_set_back(
    tencent_cloud: FakeTencentCloud, unique_domain: str
) -> None:
    provider = SenderIdentityProvider()
    news = props(tencent_cloud, unique_domain, 2048)
    olds = {**news, **provider.create(news).outs}
    assert olds["dkim_option"] == 1 and not provider.diff(unique_domain, olds, news).changes
    # Someone asks for 1024-bit keys in the console (the domain is pending: at once).
    ledger(tencent_cloud).change_dkim_length(unique_domain, 1024)

    olds = provider.read(unique_domain, olds).outs  # pulumi refresh
    assert olds["dkim_option"] == 0
    assert provider.diff(unique_domain, olds, news).changes  # planned at the next preview, in place
    outs = provider.update(unique_domain, olds, news).outs

    assert outs["dkim_option"] == 1 and tencent_cloud.identities[unique_domain].key_bits == 2048
