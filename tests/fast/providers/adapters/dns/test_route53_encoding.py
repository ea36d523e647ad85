"""Route53's TXT format checked against its documented rules, not against moto (which accepts anything)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms_component.core.changes import RrsetChange
from dms_component.core.errors import DnsUpdateError
from dms_component.providers.adapters.dns.route53 import (
    BATCH_RECORDS_MAX,
    change_batch,
    decode_txt,
    encode_txt,
    from_value,
)

# One quoted string per Route53's rules: printable ASCII, with " and \ escaped, anything else as \ooo.
_STRING = r'"(?:[\x20-\x21\x23-\x5b\x5d-\x7e]|\\[\\"]|\\[0-3][0-7]{2})*"'
ROUTE53_TXT = re.compile(rf"^{_STRING}(?: {_STRING})*$")


def strings_of(value: str) -> list[bytes]:
    """The raw bytes of each quoted string, decoded independently of the code under test."""
    out = []
    for body in re.findall(r'"((?:[^"\\]|\\.)*)"', value):
        raw = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), body.encode())
        out.append(re.sub(rb"\\(.)", rb"\1", raw))
    return out


def test_a_short_value_is_one_quoted_string():
    assert encode_txt("v=spf1 include:qcloudmail.com ~all") == '"v=spf1 include:qcloudmail.com ~all"'


def test_quotes_and_backslashes_are_escaped():
    assert encode_txt('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'


def test_non_ascii_and_control_bytes_are_octal():
    assert encode_txt("é\t") == '"\\303\\251\\011"'


def test_long_values_split_by_bytes_not_characters():
    value = "é" * 200  # 400 bytes
    encoded = encode_txt(value)
    parts = strings_of(encoded)
    assert [len(p) for p in parts] == [254, 146]  # 255 would cut a character in two
    assert b"".join(parts).decode() == value


def test_a_dkim_key_splits_into_255_byte_strings():
    value = "v=DKIM1; k=rsa; p=" + "A" * 400
    parts = strings_of(encode_txt(value))
    assert [len(p) for p in parts] == [255, 163]


@given(st.text(max_size=1500))
def test_encoding_follows_the_rules_and_round_trips(value: str):
    encoded = encode_txt(value)
    assert ROUTE53_TXT.match(encoded)
    assert all(len(p) <= 255 for p in strings_of(encoded))
    assert decode_txt(encoded) == value


def test_decoding_reads_what_route53_returns():
    assert decode_txt('"v=DKIM1; k=rsa; " "p=ABC"') == "v=DKIM1; k=rsa; p=ABC"
    assert decode_txt('"a\\"b" "\\\\"') == 'a"b\\'
    assert from_value("MX", "5 MXBIZ1.qq.com") == "5 mxbiz1.qq.com."


def test_a_value_over_4000_characters_is_refused():
    change = RrsetChange("a.example.com", "TXT", (), ("x" * 3990,), 300)
    with pytest.raises(DnsUpdateError, match="over Route53's 4000 limit"):
        change_batch([change])


def test_a_batch_over_the_limits_is_refused():
    many = tuple(f"v{i}" for i in range(BATCH_RECORDS_MAX + 1))
    with pytest.raises(DnsUpdateError, match="batch limits"):
        change_batch([RrsetChange("a.example.com", "TXT", (), many, 300)])
    chars = tuple("x" * 3000 for _ in range(11))  # 33,000 characters
    with pytest.raises(DnsUpdateError, match="batch limits"):
        change_batch([RrsetChange("a.example.com", "TXT", (), chars, 300)])


def test_a_change_deletes_with_the_old_ttl_and_creates_with_the_new():
    change = RrsetChange("a.example.com", "MX", ("5 a.example.",), ("5 b.example.",), 600, before_ttl=300)
    delete, create = change_batch([change])
    assert (delete["Action"], delete["ResourceRecordSet"]["TTL"]) == ("DELETE", 300)
    assert (create["Action"], create["ResourceRecordSet"]["TTL"]) == ("CREATE", 600)
    assert create["ResourceRecordSet"]["Name"] == "a.example.com."


def test_listing_order_is_route53s_reversed_labels_with_a_trailing_dot():
    from dms_component.providers.adapters.dns.route53 import sort_key

    names = ["notify.example.com", "_dmarc.notify.example.com", "notify-x.example.com", "notify0.example.com"]
    # Route53 documents this order; '-' sorts before the trailing dot, '0' after it.
    assert sorted(names, key=sort_key) == [
        "notify-x.example.com",
        "notify.example.com",
        "_dmarc.notify.example.com",
        "notify0.example.com",
    ]


def test_a_domain_and_the_names_under_it_are_one_listing():
    from dms_component.providers.adapters.dns.route53 import _subtrees

    hosts = ["qcloud._domainkey.a.example.com", "a.example.com", "_dmarc.a.example.com", "b.example.com"]
    assert _subtrees(hosts) == {
        "a.example.com": ["a.example.com", "_dmarc.a.example.com", "qcloud._domainkey.a.example.com"],
        "b.example.com": ["b.example.com"],
    }
