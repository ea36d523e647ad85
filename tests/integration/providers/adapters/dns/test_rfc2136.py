"""The RFC 2136 provider against a real Knot server: writes, idempotence, ownership, errors."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest

from devtools.localdns import LocalDnsServer, free_port
from dms_component.core.changes import RrsetChange, logical
from dms_component.core.errors import setting
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import PROFILES, RequiredRecord, required_records
from dms_component.core.txt import STRING_MAX as TXT_STRING_MAX
from dms_component.core.errors import ConfigError, DnsUpdateError
from dms_component.providers.adapters import dkim_keys
from dms_component.providers.adapters.dns.rfc2136 import Rfc2136Host, TsigKey
from tests.integration.zone import Zone, read_tsig

PROFILE = PROFILES["tencent-ses"]
FOREIGN = "google-site-verification=abc"


def records(domain: str, key: str, **kw) -> list[RequiredRecord]:
    return required_records(domain, key, PROFILE, **kw)


def by_item(recs: list[RequiredRecord]) -> dict[str, RequiredRecord]:
    return {r.item: r for r in recs}


def added(plan) -> set[tuple[str, str, str]]:
    return {(c.host, c.rtype, v) for c in plan.changes for v in c.after if v not in c.before}


def removed(plan) -> set[tuple[str, str, str]]:
    return {(c.host, c.rtype, v) for c in plan.changes for v in c.before if v not in c.after}


def values(recs: list[RequiredRecord]) -> set[tuple[str, str, str]]:
    return {(r.host, r.rtype, logical(r)) for r in recs}


def test_sync_writes_all_four_records(rfc2136: Rfc2136Host, zone: Zone, unique_domain: str, dkim_key: str):
    recs = records(unique_domain, dkim_key)
    assert rfc2136.present(recs) == []
    assert zone.served(recs) == []

    plan = rfc2136.sync([], recs)

    assert added(plan) == values(recs) and removed(plan) == set()
    assert rfc2136.present(recs) == recs
    # An independent look at the server agrees, value by value.
    assert zone.txt(unique_domain) == {f"v=spf1 include:{PROFILE.spf_include} ~all"}
    assert zone.txt(f"qcloud._domainkey.{unique_domain}") == {f"v=DKIM1; k=rsa; p={dkim_key}"}
    assert zone.txt(f"_dmarc.{unique_domain}") == {"v=DMARC1; p=none"}
    assert zone.mx(unique_domain) == {"5 mxbiz1.qq.com."}
    # With the provider's TTL.
    assert {zone.ttl(r.host, r.rtype) for r in recs} == {rfc2136.ttl}


def test_second_sync_is_an_empty_plan(rfc2136: Rfc2136Host, zone: Zone, unique_domain: str, dkim_key: str):
    recs = records(unique_domain, dkim_key)
    rfc2136.sync([], recs)

    again = rfc2136.sync(recs, recs)
    fresh = rfc2136.sync([], recs)  # a provider that lost its ownership list still sees nothing to do

    assert again.empty and fresh.empty
    # No duplicates were written.
    assert len(zone.rdatas(unique_domain, "TXT")) == 1
    assert len(zone.rdatas(unique_domain, "MX")) == 1


def test_changed_dmarc_policy_replaces_only_that_value(
    rfc2136: Rfc2136Host, zone: Zone, unique_domain: str, dkim_key: str
):
    old = records(unique_domain, dkim_key)
    new = records(unique_domain, dkim_key, dmarc_policy="reject")
    rfc2136.sync([], old)

    plan = rfc2136.sync(old, new)

    assert added(plan) == values([by_item(new)["DMARC"]])
    assert removed(plan) == values([by_item(old)["DMARC"]])
    assert zone.txt(f"_dmarc.{unique_domain}") == {"v=DMARC1; p=reject"}
    assert zone.served(new) == new
    assert rfc2136.present(old) == [r for r in old if r.item != "DMARC"]


def test_foreign_txt_survives_writing_and_removing_ours(
    rfc2136: Rfc2136Host, zone: Zone, unique_domain: str, dkim_key: str
):
    zone.add_txt(unique_domain, FOREIGN)
    recs = records(unique_domain, dkim_key)

    rfc2136.sync([], recs)
    assert zone.txt(unique_domain) == {FOREIGN, f"v=spf1 include:{PROFILE.spf_include} ~all"}

    rfc2136.sync(recs, [])
    assert zone.txt(unique_domain) == {FOREIGN}


def test_sync_to_nothing_removes_exactly_our_records(
    rfc2136: Rfc2136Host, zone: Zone, unique_domain: str, dkim_key: str
):
    recs = records(unique_domain, dkim_key)
    # Someone else's records at each of our names, including another MX.
    zone.add_txt(unique_domain, FOREIGN)
    zone.add_txt(f"_dmarc.{unique_domain}", "not-dmarc=keep-me")
    zone.add_mx(unique_domain, 10, "backup.example.net.")
    rfc2136.sync([], recs)

    plan = rfc2136.sync(recs, [])

    assert removed(plan) == values(recs) and added(plan) == set()
    assert rfc2136.present(recs) == []
    assert zone.served(recs) == []
    assert zone.txt(unique_domain) == {FOREIGN}
    assert zone.txt(f"_dmarc.{unique_domain}") == {"not-dmarc=keep-me"}
    assert zone.txt(f"qcloud._domainkey.{unique_domain}") == set()
    assert zone.mx(unique_domain) == {"10 backup.example.net."}
    # And removing again is a no-op.
    assert rfc2136.sync(recs, []).empty


def test_removal_leaves_records_we_never_owned(rfc2136: Rfc2136Host, zone: Zone, unique_domain: str, dkim_key: str):
    """Records equal to ours but published by a person are not removed unless we owned them."""
    recs = records(unique_domain, dkim_key)
    zone.publish(recs)

    assert rfc2136.sync([], []).empty
    assert zone.served(recs) == recs


def test_long_dkim_key_is_split_into_strings_and_reads_back_equal(
    rfc2136: Rfc2136Host, zone: Zone, unique_domain: str
):
    key = dkim_keys.generate(2048).public_b64
    recs = records(unique_domain, key)
    dkim = by_item(recs)["DKIM"]
    assert len(dkim.value.encode()) > TXT_STRING_MAX

    rfc2136.sync([], recs)

    [strings] = zone.txt_strings(dkim.host)
    assert len(strings) >= 2
    assert all(len(s) <= TXT_STRING_MAX for s in strings)
    assert b"".join(strings).decode() == dkim.value
    assert rfc2136.present([dkim]) == [dkim]
    assert rfc2136.sync([], recs).empty


def test_wrong_tsig_secret_raises_without_leaking_it(
    local_dns: LocalDnsServer, nameserver: Nameserver, zone: Zone, unique_domain: str, dkim_key: str
):
    name, algorithm, _ = read_tsig(local_dns)
    wrong = base64.b64encode(secrets.token_bytes(32)).decode()
    provider = Rfc2136Host(nameserver, local_dns.zone, TsigKey(name, algorithm, wrong))
    recs = records(unique_domain, dkim_key)

    with pytest.raises(DnsUpdateError) as info:
        provider.sync([], recs)

    message = str(info.value)
    assert wrong not in message
    assert "TSIG" in message and str(nameserver) in message
    assert zone.served(recs) == []  # nothing was written


def test_no_tsig_key_is_refused(nameserver: Nameserver, local_dns: LocalDnsServer, zone: Zone, unique_domain: str):
    provider = Rfc2136Host(nameserver, local_dns.zone, None)
    recs = records(unique_domain, "AAAA")

    with pytest.raises(DnsUpdateError, match="refused the update"):
        provider.sync([], recs)
    assert zone.served(recs) == []


def test_server_that_does_not_listen_raises(local_dns: LocalDnsServer, unique_domain: str, dkim_key: str):
    dead = Nameserver("127.0.0.1", free_port())
    provider = Rfc2136Host(dead, local_dns.zone, TsigKey.from_key_file(str(local_dns.key_file)), timeout=1.0)
    recs = records(unique_domain, dkim_key)

    with pytest.raises(DnsUpdateError, match=str(dead)):
        provider.sync([], recs)  # fails reading what is present
    with pytest.raises(DnsUpdateError, match="can't send the update"):
        provider.apply([RrsetChange(r.host, r.rtype, (), (logical(r),), 300) for r in recs])  # and writing


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a key file at all\n",
        'key "k" {\n\talgorithm hmac-sha256;\n};\n',  # no secret
        'key "k" {\n\tsecret "c2VjcmV0";\n};\n',  # no algorithm
        "key:\n  - id: k\n",
    ],
    ids=["empty", "garbage", "no-secret", "no-algorithm", "truncated-yaml"],
)
def test_malformed_key_file_raises_config_error(tmp_path: Path, text: str):
    path = tmp_path / "tsig.key"
    path.write_text(text)

    with pytest.raises(ConfigError) as info:
        TsigKey.from_key_file(str(path))

    assert info.value.key == setting("dns.tsig_key_file")  # named by the front end that deploys it
    assert str(info.value).startswith("dns.tsig_key_file: ")
    assert str(path) in str(info.value)


def test_missing_key_file_raises_config_error(tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        TsigKey.from_key_file(str(tmp_path / "absent.key"))
    assert info.value.key == setting("dns.tsig_key_file")  # named by the front end that deploys it
    assert "can't read" in str(info.value)


def test_key_file_of_the_local_server_reads_and_works(local_dns: LocalDnsServer):
    name, algorithm, secret = read_tsig(local_dns)
    key = TsigKey.from_key_file(str(local_dns.key_file))
    assert (key.name, key.algorithm, key.secret) == (name, algorithm, secret)


def test_tsig_key_repr_hides_the_secret(local_dns: LocalDnsServer):
    key = TsigKey.from_key_file(str(local_dns.key_file))
    assert key.secret
    for text in (repr(key), str(key), repr([key]), f"{key!r}"):
        assert key.secret not in text
        assert key.name in text


def test_provider_repr_hides_the_secret(rfc2136: Rfc2136Host):
    assert rfc2136.key is not None
    assert rfc2136.key.secret not in repr(rfc2136)


# --- key files: what BIND and Knot write, and what they don't ----------------------------------


def test_binary_key_file_raises_config_error(tmp_path: Path):
    path = tmp_path / "tsig.key"
    path.write_bytes(b"\xff\xfe\x00\x01garbage")
    with pytest.raises(ConfigError) as info:
        TsigKey.from_key_file(str(path))
    assert info.value.key == setting("dns.tsig_key_file")  # named by the front end that deploys it


def test_key_file_with_non_base64_secret_raises_config_error(tmp_path: Path):
    path = tmp_path / "tsig.key"
    path.write_text('key "k" {\n\talgorithm hmac-sha256;\n\tsecret "not base64!";\n};\n')
    with pytest.raises(ConfigError) as info:
        TsigKey.from_key_file(str(path))
    assert info.value.key == setting("dns.tsig_key_file")  # named by the front end that deploys it


def test_keymgr_output_is_read(tmp_path: Path):
    secret = base64.b64encode(b"k" * 32).decode()
    path = tmp_path / "tsig.key"
    path.write_text(
        f"# hmac-sha256:testkey:{secret}\nkey:\n  - id: testkey\n    algorithm: hmac-sha256\n    secret: {secret}\n"
    )
    key = TsigKey.from_key_file(str(path))
    assert (key.name, key.algorithm, key.secret) == ("testkey", "hmac-sha256", secret)


def test_bind_key_file_with_secret_first_is_read(tmp_path: Path):
    secret = base64.b64encode(b"k" * 32).decode()
    path = tmp_path / "tsig.key"
    path.write_text(f'key "k" {{\n\tsecret "{secret}";\n\talgorithm hmac-sha256;\n}};\n')
    key = TsigKey.from_key_file(str(path))
    assert (key.name, key.algorithm, key.secret) == ("k", "hmac-sha256", secret)


def test_a_new_ttl_rewrites_our_records_and_keeps_foreign_ones(
    rfc2136: Rfc2136Host, zone: Zone, unique_domain: str, dkim_key: str
):
    recs = records(unique_domain, dkim_key)
    zone.add_txt(unique_domain, FOREIGN)
    rfc2136.sync([], recs)

    longer = Rfc2136Host(rfc2136.server, rfc2136.zone, rfc2136.key, ttl=rfc2136.ttl * 2)
    plan = longer.sync(recs, recs)  # the TTL read back differs: every set of ours is written again

    assert {c.key for c in plan.changes} == {(r.host, r.rtype) for r in recs}
    assert added(plan) == removed(plan) == set()
    assert {zone.ttl(r.host, r.rtype) for r in recs} == {rfc2136.ttl * 2}
    assert longer.present(recs) == recs
    assert FOREIGN in zone.txt(unique_domain)


def test_many_domains_at_once_open_at_most_a_few_connections_to_the_server(
    rfc2136: Rfc2136Host, zone: Zone, dkim_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Servers queue only ~10 connections waiting to be accepted; beyond that a SYN waits 1 s to be resent.
    import threading

    import dns.query

    from dms_component.providers.adapters.dns import rfc2136 as module

    real, lock = dns.query.tcp, threading.Lock()
    open_now, most = [0], [0]

    def counted(*args, **kwargs):
        with lock:
            open_now[0] += 1
            most[0] = max(most[0], open_now[0])
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                open_now[0] -= 1

    monkeypatch.setattr(dns.query, "tcp", counted)
    domains = [f"conn{i}-{secrets.token_hex(3)}.example.test" for i in range(16)]
    threads = [threading.Thread(target=rfc2136.sync, args=([], records(d, dkim_key))) for d in domains]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(len(zone.served(records(d, dkim_key))) == 4 for d in domains)  # all written
    # Reads and writes have CONNECTIONS each: together still below the servers' queue of 10.
    assert module.CONNECTIONS <= most[0] <= 2 * module.CONNECTIONS < 10
