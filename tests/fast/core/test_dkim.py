"""DKIM key records and the signed probe message (core/dkim.py), RFC 6376."""

from __future__ import annotations

import base64

import pytest

from dms_component.core import dkim
from dms_component.providers.adapters import dkim_keys

PAIR = dkim_keys.generate(1024)
OTHER = dkim_keys.generate(1024)
DER = base64.b64decode(PAIR.public_b64)


# --- key records -----------------------------------------------------------------------------


def test_parse_full_key_record() -> None:
    record = dkim.parse_key_record(
        f"v=DKIM1; h=sha1:SHA256; k=RSA; n=notes here; s=email:*; t=y:s; p={PAIR.public_b64}"
    )
    assert record.public_key == PAIR.public_b64
    assert record.key_type == "rsa"
    assert record.hashes == ("sha1", "sha256")
    assert record.services == ("email", "*")
    assert record.flags == ("y", "s")
    assert not record.revoked


def test_defaults_when_only_p_is_given() -> None:
    record = dkim.parse_key_record(f"p={PAIR.public_b64}")
    assert (record.key_type, record.hashes, record.services, record.flags) == ("rsa", None, ("*",), ())


def test_whitespace_inside_p_is_removed() -> None:
    k = PAIR.public_b64
    record = dkim.parse_key_record(f"v=DKIM1; p={k[:10]} {k[10:30]}\t{k[30:60]}\r\n {k[60:]}")
    assert record.public_key == k


def test_empty_p_is_a_revoked_key() -> None:
    assert dkim.parse_key_record("v=DKIM1; k=rsa; p=").revoked


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ("k=rsa; v=DKIM1; p=AAAA", "v=DKIM1 must be the first tag"),
        ("v=DKIM1; k=rsa", "no p= tag"),
        ("v=DKIM1; p=A; p=B", "appears twice"),
        ("v=DKIM1; p", "is not name=value"),
    ],
)
def test_unusable_records(record: str, words: str) -> None:
    with pytest.raises(dkim.DkimRecordError) as error:
        dkim.parse_key_record(record)
    assert words in str(error.value)


@pytest.mark.parametrize(
    ("txt", "is_key"),
    [
        ("v=DKIM1; p=AAAA", True),
        ("p=AAAA", True),
        ("v=DKIM1; p=A; p=B", True),  # malformed, but meant as a key: reported, not ignored
        ("v=DKIM1", True),
        ("v=DKIM2; p=AAAA", False),  # another version: discarded
        ("some note", False),
        ("v=spf1 -all", False),
        ("google-site-verification=abc", False),
    ],
)
def test_is_key_record(txt: str, is_key: bool) -> None:
    assert dkim.is_key_record(txt) is is_key


def test_decode_key_and_rsa_public_key() -> None:
    assert dkim.decode_key(PAIR.public_b64) == DER
    assert dkim.decode_key("not base64!") is None
    assert dkim.rsa_public_key(DER) is not None
    assert dkim.rsa_public_key(b"\x30\x03\x02\x01\x00") is None


# --- the probe -------------------------------------------------------------------------------


def test_probe_verifies_with_the_matching_key_only() -> None:
    message = dkim.probe_message(PAIR.private_pem, "notify.example.com", "qcloud")
    assert dkim.verify_message(message, DER) is None
    assert dkim.verify_message(message, base64.b64decode(OTHER.public_b64)) == (
        "the signature does not verify with this key"
    )


def test_probe_is_a_dkim_signed_message() -> None:
    message = dkim.probe_message(PAIR.private_pem, "notify.example.com", "qcloud").decode()
    first = message.split("\r\n", 1)[0]
    assert first.startswith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=notify.example.com; s=qcloud;")
    assert "\r\nFrom: DMS verification probe <probe@notify.example.com>\r\n" in message


def test_tampering_breaks_the_signature() -> None:
    message = dkim.probe_message(PAIR.private_pem, "notify.example.com", "qcloud")
    assert dkim.verify_message(message.replace(b"Subject: DKIM probe", b"Subject: DKIM probf"), DER) == (
        "the signature does not verify with this key"
    )
    assert dkim.verify_message(message + b"more\r\n", DER) == "the body hash does not match"


def test_relaxed_canonicalization_tolerates_whitespace_changes() -> None:
    message = dkim.probe_message(PAIR.private_pem, "notify.example.com", "qcloud")
    reformatted = message.replace(b"Subject: DKIM probe", b"SUBJECT:   DKIM \t probe  ").replace(
        b"published DKIM", b"published    DKIM"
    )
    assert dkim.verify_message(reformatted, DER) is None


def test_probe_with_an_unreadable_private_key() -> None:
    with pytest.raises(dkim.ProbeError) as error:
        dkim.probe_message("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n", "a.example", "s")
    assert "can't be read" in str(error.value)
    assert "nope" not in str(error.value)


def test_verify_message_rejects_what_it_can_not_use() -> None:
    assert dkim.verify_message(b"no body", DER) == "the message has no body"
    assert dkim.verify_message(b"From: a\r\n\r\nbody\r\n", DER) == "the message has no DKIM-Signature"
    assert dkim.verify_message(b"From: a\r\n\r\nbody\r\n", b"junk") == "the key is not an RSA public key"


@pytest.mark.parametrize(
    ("body", "simple", "relaxed"),
    [
        (b"", b"\r\n", b""),
        (b"\r\n\r\n", b"\r\n", b""),
        (b"a  b \t\r\n\r\n", b"a  b \t\r\n", b"a b\r\n"),
        (b"x", b"x\r\n", b"x\r\n"),
    ],
)
def test_body_canonicalization(body: bytes, simple: bytes, relaxed: bytes) -> None:
    assert dkim.canonical_body(body, "simple") == simple
    assert dkim.canonical_body(body, "relaxed") == relaxed


def test_header_canonicalization() -> None:
    assert dkim.canonical_header("Subject :  Hello \r\n\tWorld  ", "relaxed") == b"subject:Hello World\r\n"
    assert dkim.canonical_header("Subject :  Hello", "simple") == b"Subject :  Hello\r\n"
