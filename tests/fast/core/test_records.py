"""required_records, TXT splitting and zone-file quoting (core/records.py)."""

from __future__ import annotations

import base64

import pytest

from dms_component.core.errors import ConfigError
from dms_component.core.records import (
    PROFILES,
    RequiredRecord,
    profile_named,
    required_records,
)
from dms_component.core.txt import STRING_MAX as TXT_STRING_MAX
from dms_component.core.txt import split as split_txt

DOMAIN = "notify.example.com"
# Same shape as a 2048-bit RSA SubjectPublicKeyInfo in base64: 294 DER bytes -> 392 characters.
KEY_2048 = base64.b64encode(bytes(range(256)) + bytes(range(38))).decode("ascii")
TENCENT = PROFILES["tencent-ses"]


def test_fake_key_has_the_size_of_a_2048_bit_key() -> None:
    assert len(KEY_2048) == 392


def test_default_profile_gives_the_four_records_in_console_order() -> None:
    records = required_records(DOMAIN, "PUBKEY", TENCENT)

    assert records == [
        RequiredRecord("SPF", DOMAIN, "TXT", "v=spf1 include:qcloudmail.com ~all"),
        RequiredRecord("DKIM", f"qcloud._domainkey.{DOMAIN}", "TXT", "v=DKIM1; k=rsa; p=PUBKEY"),
        RequiredRecord("DMARC", f"_dmarc.{DOMAIN}", "TXT", "v=DMARC1; p=none"),
        RequiredRecord("MX", DOMAIN, "MX", "mxbiz1.qq.com.", preference=5),
    ]
    assert [r.item for r in records] == ["SPF", "DKIM", "DMARC", "MX"]
    assert all(r.preference is None for r in records[:3])


def test_profile_named_finds_tencent_and_rejects_unknown() -> None:
    assert profile_named("tencent-ses") is TENCENT
    with pytest.raises(ConfigError) as exc:
        profile_named("aws-ses")
    assert str(exc.value) == "dms:profile: unknown profile 'aws-ses'; allowed: tencent-ses"


def test_custom_selector_moves_only_the_dkim_host() -> None:
    records = required_records(DOMAIN, "K", TENCENT, selector="s2024")

    assert records[1].host == f"s2024._domainkey.{DOMAIN}"
    assert records[1].value == "v=DKIM1; k=rsa; p=K"
    assert [r.host for r in (records[0], records[2], records[3])] == [DOMAIN, f"_dmarc.{DOMAIN}", DOMAIN]


@pytest.mark.parametrize("policy", ["none", "quarantine", "reject"])
def test_custom_dmarc_policy(policy: str) -> None:
    records = required_records(DOMAIN, "K", TENCENT, dmarc_policy=policy)

    assert records[2] == RequiredRecord("DMARC", f"_dmarc.{DOMAIN}", "TXT", f"v=DMARC1; p={policy}")


@pytest.mark.parametrize("policy", ["block", "NONE", "p=none", " reject"])
def test_bad_dmarc_policy_raises_config_error(policy: str) -> None:
    with pytest.raises(ConfigError) as exc:
        required_records(DOMAIN, "K", TENCENT, dmarc_policy=policy)

    assert exc.value.key == "dmarcPolicy"
    assert str(exc.value).startswith("dmarcPolicy: ")
    assert repr(policy) in str(exc.value)
    assert "allowed: none, quarantine, reject" in str(exc.value)


# --- split_txt ---------------------------------------------------------------------------------


def test_split_empty_gives_one_empty_string() -> None:
    assert split_txt("") == ("",)


def test_split_exactly_255_bytes_is_one_string() -> None:
    value = "a" * 255
    assert split_txt(value) == (value,)


def test_split_256_bytes_is_255_then_1() -> None:
    value = "a" * 254 + "bc"
    assert split_txt(value) == ("a" * 254 + "b", "c")


def test_split_2048_bit_dkim_value() -> None:
    value = required_records(DOMAIN, KEY_2048, TENCENT)[1].value
    assert len(value) > 400

    chunks = split_txt(value)

    assert len(chunks) == 2
    assert all(len(c.encode("utf-8")) <= TXT_STRING_MAX for c in chunks)
    assert len(chunks[0].encode("utf-8")) == TXT_STRING_MAX  # fills each string before starting the next
    assert "".join(chunks) == value


@pytest.mark.parametrize(
    "value",
    [
        "é" * 200,  # 2-byte characters: byte 255 is a continuation byte
        "a" + "€" * 150,  # 3-byte characters, offset by one
        "ab" + "😀" * 100,  # 4-byte characters, offset by two
        "x" * 254 + "😀" + "tail",  # a 4-byte character straddling the boundary
        "日本語のテキスト" * 40,
    ],
)
def test_split_never_cuts_inside_a_utf8_character(value: str) -> None:
    chunks = split_txt(value)

    raw_chunks = [c.encode("utf-8") for c in chunks]
    assert len(chunks) >= 2
    assert all(0 < len(r) <= TXT_STRING_MAX for r in raw_chunks)
    for r in raw_chunks:
        r.decode("utf-8", errors="strict")  # every chunk is valid UTF-8 on its own
    assert b"".join(raw_chunks) == value.encode("utf-8")
    assert "".join(chunks) == value


def test_split_straddling_character_moves_whole_to_next_string() -> None:
    chunks = split_txt("x" * 254 + "😀" + "tail")
    assert chunks == ("x" * 254, "😀tail")


# --- rdata_text --------------------------------------------------------------------------------


def test_rdata_text_quotes_double_quote_and_backslash() -> None:
    record = RequiredRecord("SPF", DOMAIN, "TXT", 'say "hi" \\ bye')
    assert record.rdata_text() == '"say \\"hi\\" \\\\ bye"'


def test_rdata_text_splits_long_txt_into_quoted_strings() -> None:
    value = "v=DKIM1; k=rsa; p=" + KEY_2048
    record = RequiredRecord("DKIM", f"qcloud._domainkey.{DOMAIN}", "TXT", value)

    assert record.rdata_text() == f'"{value[:255]}" "{value[255:]}"'


def test_rdata_text_of_plain_txt_and_mx() -> None:
    spf, _, _, mx = required_records(DOMAIN, "K", TENCENT)
    assert spf.rdata_text() == '"v=spf1 include:qcloudmail.com ~all"'
    assert mx.rdata_text() == "5 mxbiz1.qq.com."


# --- to_dict / from_dict -----------------------------------------------------------------------


def test_to_dict_drops_missing_preference_and_keeps_mx_preference() -> None:
    spf, _, _, mx = required_records(DOMAIN, "K", TENCENT)

    assert spf.to_dict() == {
        "item": "SPF",
        "host": DOMAIN,
        "rtype": "TXT",
        "value": "v=spf1 include:qcloudmail.com ~all",
    }
    assert mx.to_dict() == {"item": "MX", "host": DOMAIN, "rtype": "MX", "value": "mxbiz1.qq.com.", "preference": 5}


def test_to_dict_from_dict_round_trip() -> None:
    for record in required_records(DOMAIN, KEY_2048, TENCENT, selector="sel", dmarc_policy="reject"):
        assert RequiredRecord.from_dict(record.to_dict()) == record


def test_from_dict_accepts_preference_as_text() -> None:
    # Pulumi state may hand numbers back as floats or strings.
    data = {"item": "MX", "host": DOMAIN, "rtype": "MX", "value": "mxbiz1.qq.com.", "preference": "5"}
    assert RequiredRecord.from_dict(data).preference == 5
    assert RequiredRecord.from_dict({**data, "preference": 5.0}).preference == 5
