"""The corpus of tricky zones (corpus_cases.yaml), served by the session's Knot and verified through the real shell."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template
from typing import Any

import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.tsig
import dns.update
import pytest
import yaml

from devtools.localdns import LocalDnsServer
from dms_component.core import dkim
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import PROFILES, Profile, RequiredRecord, required_records
from dms_component.providers.adapters import dkim_keys
from dms_component.providers.adapters.verifier import verify_once
from tests.integration.zone import read_tsig, txt_rdata_text

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "corpus_cases.yaml").read_text())
PAIR = dkim_keys.generate(1024)
OTHER = dkim_keys.generate(1024)
ITEMS = ("SPF", "DKIM", "DMARC", "MX")


def substitutions(domain: str) -> dict[str, str]:
    key = PAIR.public_b64
    return {
        "domain": domain,
        "key": key,
        "other_key": OTHER.public_b64,
        "key_a": key[:100],
        "key_b": key[100:],
        "key_spaced": " ".join(key[i : i + 60] for i in range(0, len(key), 60)),
    }


def required(case: dict[str, Any], domain: str) -> list[RequiredRecord]:
    profile = PROFILES["tencent-ses"]
    if "mx_host" in case:
        mx_host = Template(case["mx_host"]).substitute(domain=domain)
        profile = Profile(**{**profile.__dict__, "mx_host": mx_host})
    return required_records(domain, PAIR.public_b64, profile)


def zone_records(case: dict[str, Any], domain: str) -> list[tuple[str, str, str]]:
    """(absolute name, type, rdata text) for each line of the case's zone."""
    text = Template(case["zone"] or "").substitute(substitutions(domain))
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, rtype, rdata = line.split(None, 2)
        absolute = domain if name == "@" else name.rstrip(".") if name.endswith(".") else f"{name}.{domain}"
        out.append((absolute.lower(), rtype.upper(), rdata))
    return out


def publish(server: LocalDnsServer, domain: str, records: list[tuple[str, str, str]]) -> None:
    """One TSIG-signed update; rdata parsed with the case's domain as origin, as a zone file would."""
    name, algorithm, secret = read_tsig(server)
    keyname = dns.name.from_text(name)
    update = dns.update.UpdateMessage(
        server.zone, keyring={keyname: dns.tsig.Key(keyname, secret, algorithm)}, keyname=keyname
    )
    origin = dns.name.from_text(domain)
    for host, rtype, _ in records:
        update.delete(dns.name.from_text(host), rtype)  # a rerun in the same session starts clean
    for host, rtype, text in records:
        rdata = dns.rdata.from_text("IN", rtype, text, origin=origin, relativize=False)
        update.add(dns.name.from_text(host), 300, rdata)
    response = dns.query.tcp(update, server.host, port=server.port, timeout=5)
    assert response.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(response.rcode())


def good_records(recs: list[RequiredRecord]) -> list[tuple[str, str, str]]:
    out = []
    for r in recs:
        text = txt_rdata_text(r.value) if r.rtype == "TXT" else f"{r.preference} {r.value}"
        out.append((r.host, r.rtype, text))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_corpus_case(case: dict[str, Any], local_dns: LocalDnsServer, nameserver: Nameserver) -> None:
    domain = f"{case['name']}.corpus.example.test"
    recs = required(case, domain)
    own = zone_records(case, domain)
    written = {(host, rtype) for host, rtype, _ in own}
    publish(local_dns, domain, own + [g for g in good_records(recs) if (g[0], g[1]) not in written])
    private_key = OTHER.private_pem if case.get("private_key") == "other" else PAIR.private_pem

    verdict = verify_once(domain, recs, [nameserver], dkim_probe=dkim.probe_message(private_key, domain, "qcloud"))

    expect = {item: "ok" for item in ITEMS} | case["expect"]
    for item in verdict.items:
        want = Template(expect[item.item]).substitute(domain=domain)
        if want == "ok":
            assert item.ok, f"{case['name']} {item.item}: {item.reason}"
        else:
            words = want.removeprefix("fail: ")
            assert not item.ok, f"{case['name']} {item.item} passed: {item.reason}"
            assert words in item.reason, f"{case['name']} {item.item}: {item.reason!r} lacks {words!r}"
            assert item.host in item.reason or item.host in words or domain in item.reason


def test_every_rule_of_the_issue_has_a_case() -> None:
    names = {c["name"] for c in CASES}
    for rule in (
        "spf-two-records",
        "spf-version-10",
        "spf-split-strings",
        "spf-uppercase",
        "spf-lookalike-include",
        "spf-eleven-lookups",
        "spf-three-void-lookups",
        "spf-include-loop",
        "spf-plus-all",
        "dkim-via-cname",
        "dkim-revoked",
        "dkim-whitespace-in-key",
        "dkim-wrong-key",
        "dmarc-via-cname",
        "dmarc-two-records",
        "dmarc-version-not-first",
        "dmarc-bad-policy",
        "dmarc-bad-tag-value",
        "mx-uppercase",
        "mx-host-without-address",
    ):
        assert rule in names
    assert all(re.fullmatch(r"[a-z0-9-]+", n) for n in names)
    assert all(c.get("about") for c in CASES)
