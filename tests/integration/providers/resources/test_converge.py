"""Converge or refuse, on the session's Knot: what the planner would write, the verifier must pass,
or the records' check at preview refuses it with a code and writes nothing."""

from __future__ import annotations

from typing import Any

import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import pytest

from devtools.localdns import LocalDnsServer
from dms_component.core.changes import Spf
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import PROFILES, RequiredRecord, required_records
from dms_component.core.verdicts import VERIFIED
from dms_component.providers.adapters.dns.rfc2136 import Rfc2136Host
from dms_component.providers.adapters.verifier import verify_once
from dms_component.providers.resources.records import DnsRecordsProvider
from dms_component.providers.resources.refusals import Refusal
from tests.conftest import ZONE
from tests.integration.zone import Zone

PROFILE = PROFILES["tencent-ses"]


def records(domain: str, key: str) -> list[RequiredRecord]:
    return required_records(domain, key, PROFILE)


def props(local_dns: LocalDnsServer, domain: str, recs: list[RequiredRecord], **kw: Any) -> dict[str, Any]:
    server = f"{local_dns.host}:{local_dns.port}"
    dns_settings = {"provider": "rfc2136", "zone": ZONE, "ttl": 300, "server": server}
    dns_settings |= {"tsig_name": None, "tsig_algorithm": None, "tsig_key_file": str(local_dns.key_file)}
    return {
        "domain": domain,
        "records": [r.to_dict() for r in recs],
        "preview_records": [r.to_dict() for r in recs],
        "dns": dns_settings,
        "tsig_secret": None,
        "ledger": {"backend": "sqlite", "path": ":memory:"},
        "adopt": False,
        "conflicts_check": "error",
        "nameservers": [server],
        **kw,
    }


def add_split_txt(zone: Zone, host: str, strings: tuple[str, ...]) -> None:
    """A TXT record in exactly these strings, as a DNS console that splits at 200 bytes writes it."""
    update = zone._update()
    rdata = dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, [s.encode() for s in strings])
    update.add(zone._rel(host), 300, rdata)
    zone._send(update)


def refusal(local_dns: LocalDnsServer, domain: str, recs: list[RequiredRecord]) -> Refusal:
    with pytest.raises(Refusal) as caught:
        DnsRecordsProvider().check({}, props(local_dns, domain, recs))
    assert "\n" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    ("spf", "code"),
    [
        ("v=spf1 +all", "spf.plus-all"),
        ("v=spf1 all", "spf.plus-all"),
        ("v=spf1 -all include:qcloudmail.com", "spf.include-after-all"),
        ("v=spf1 ~include:qcloudmail.com -all", "spf.include-qualifier"),
    ],
)
def test_an_spf_record_the_merge_cannot_make_pass_is_refused_at_preview(
    local_dns: LocalDnsServer, zone: Zone, unique_domain: str, dkim_key: str, spf: str, code: str
):
    unique_domain = f"{code.replace('.', '-')}-{len(spf)}.{unique_domain}"  # parameters share the fixture's name
    zone.add_txt(unique_domain, spf)
    recs = records(unique_domain, dkim_key)

    assert refusal(local_dns, unique_domain, recs).code == code
    assert zone.txt(unique_domain) == {spf}  # nothing written
    assert zone.mx(unique_domain) == set()


def test_includes_that_use_9_lookups_are_refused_as_the_merge_makes_11(
    local_dns: LocalDnsServer, zone: Zone, unique_domain: str, dkim_key: str
):
    for i in range(9):
        zone.add_txt(f"s{i}.{unique_domain}", "v=spf1 -all")
    spf = "v=spf1 " + " ".join(f"include:s{i}.{unique_domain}" for i in range(9)) + " ~all"
    zone.add_txt(unique_domain, spf)

    assert refusal(local_dns, unique_domain, records(unique_domain, dkim_key)).code == "spf.lookup-limit"
    assert zone.txt(unique_domain) == {spf}


@pytest.mark.parametrize(
    ("terms", "code"),
    [
        ("a:nx1.{d} a:nx2.{d} a:nx3.{d}", "spf.void-limit"),
        ("include:nx1.{d}", "spf.include-no-record"),
    ],
)
def test_lookups_that_find_nothing_are_refused(
    local_dns: LocalDnsServer, zone: Zone, unique_domain: str, dkim_key: str, terms: str, code: str
):
    unique_domain = f"{code.replace('.', '-')}.{unique_domain}"  # parameters share the fixture's name
    spf = f"v=spf1 {terms.format(d=unique_domain)} ~all"
    zone.add_txt(unique_domain, spf)

    assert refusal(local_dns, unique_domain, records(unique_domain, dkim_key)).code == code


def test_a_mergeable_spf_record_passes_the_check_and_verifies(
    local_dns: LocalDnsServer,
    rfc2136: Rfc2136Host,
    nameserver: Nameserver,
    zone: Zone,
    unique_domain: str,
    dkim_key: str,
):
    zone.add_txt(unique_domain, "v=spf1 ip4:192.0.2.1 ~all")
    recs = records(unique_domain, dkim_key)
    DnsRecordsProvider().check({}, props(local_dns, unique_domain, recs))  # no refusal

    plan = rfc2136.sync([], recs)  # what `up` then writes, and what the verifier finds

    assert zone.txt(unique_domain) == {"v=spf1 ip4:192.0.2.1 include:qcloudmail.com ~all"}
    verdict = verify_once(unique_domain, recs, [nameserver])
    assert verdict.status == VERIFIED, [(i.item, i.code) for i in verdict.items if not i.ok]
    assert plan.spf.mode == "merged"


def test_a_foreign_dmarc_record_is_refused_with_its_code(
    local_dns: LocalDnsServer, zone: Zone, unique_domain: str, dkim_key: str
):
    zone.add_txt(f"_dmarc.{unique_domain}", "v=DMARC1; p=reject")
    assert refusal(local_dns, unique_domain, records(unique_domain, dkim_key)).code == "conflict.foreign-record"


def test_a_record_split_at_200_bytes_is_merged_verified_and_restored_string_for_string(
    rfc2136: Rfc2136Host, nameserver: Nameserver, zone: Zone, unique_domain: str, dkim_key: str
):
    original = "v=spf1 " + " ".join(f"ip4:192.0.2.{i}" for i in range(1, 25)) + " ~all"
    split = (original[:200], original[200:])
    add_split_txt(zone, unique_domain, split)
    recs = records(unique_domain, dkim_key)

    plan = rfc2136.sync([], recs)  # the prerequisite names the record in its 200-byte strings

    assert plan.spf.original_strings == split
    assert verify_once(unique_domain, recs, [nameserver]).status == VERIFIED

    rfc2136.sync(recs, [], Spf.from_dict(plan.spf.to_dict()))
    assert zone.txt_strings(unique_domain) == [tuple(s.encode() for s in split)]


def test_answers_a_wildcard_synthesizes_are_not_taken_for_records_at_our_names(
    local_dns: LocalDnsServer,
    rfc2136: Rfc2136Host,
    nameserver: Nameserver,
    zone: Zone,
    unique_domain: str,
    dkim_key: str,
):
    # *.<unique_domain> answers every name below it that has no records of its own (RFC 4592),
    # our names included, until we write there.
    zone.add_txt(f"*.{unique_domain}", "v=spf1 -all")
    zone.add_mx(f"*.{unique_domain}", 10, "mx.elsewhere.example.")
    domain = f"mail.{unique_domain}"
    recs = records(domain, dkim_key)
    assert zone.txt(domain) == {"v=spf1 -all"}  # what a query sees

    DnsRecordsProvider().check({}, props(local_dns, domain, recs))  # no conflict, no refusal
    plan = rfc2136.sync([], recs)

    assert plan.conflicts == () and plan.spf.mode == "created"
    assert verify_once(domain, recs, [nameserver]).status == VERIFIED
    rfc2136.sync(recs, [], plan.spf)
    assert zone.txt(f"*.{unique_domain}") == {"v=spf1 -all"}  # the wildcard is not ours: untouched
    assert zone.txt(domain) == {"v=spf1 -all"}  # synthesized again


@pytest.mark.parametrize("check", ["warn", "off"])
def test_a_foreign_record_left_in_place_that_would_fail_the_item_is_refused(
    local_dns: LocalDnsServer, zone: Zone, unique_domain: str, dkim_key: str, check: str
):
    # existingEmailDns: warn/off keeps the foreign DMARC record beside ours: two DMARC records
    # mean no DMARC at all (RFC 7489 6.6.3), so the domain would stay pending: refused instead.
    domain = f"{check}.{unique_domain}"
    zone.add_txt(f"_dmarc.{domain}", "v=DMARC1; p=reject")
    with pytest.raises(Refusal) as caught:
        DnsRecordsProvider().check({}, props(local_dns, domain, records(domain, dkim_key), conflicts_check=check))
    assert caught.value.code == "dmarc.multiple"
