"""DKIM (RFC 6376): key records, and a probe message signed and verified as mail is (pure).

Key records (3.6.1) are tag lists: `v=DKIM1` optional but first when present, `k=` key type
(default rsa), `h=` hashes, `s=` services, `t=` flags, `p=` the base64 key (whitespace allowed
inside; empty means revoked). The probe: a small fixed message signed with the domain's private
key (rsa-sha256, relaxed/relaxed) and verified against the key published in DNS, exactly as a
receiver verifies a DKIM-Signature header.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from dms_component.core.tags import TagListError, parse_tag_list

# cryptography is loaded by the functions that sign or verify, not by every process that reads a verdict (the
# program, and the provider host of a stack at rest, never do): docs/bootstrap.md, bench/cold_start.py.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

VERSION = "DKIM1"
_WS = re.compile(r"[ \t\r\n]+")
_B_TAG = re.compile(r"(^|;)([ \t\r\n]*b[ \t\r\n]*=)[^;]*")
SIGNED_HEADERS = ("from", "to", "subject", "date", "message-id")


class DkimRecordError(ValueError):
    """A record meant as a DKIM key that receivers can't use; the message says why."""


@dataclass(frozen=True)
class KeyRecord:
    public_key: str  # p= with whitespace removed; "" is a revoked key
    key_type: str = "rsa"  # k=, lower-case
    hashes: tuple[str, ...] | None = None  # h=; None: any
    services: tuple[str, ...] = ("*",)  # s=
    flags: tuple[str, ...] = ()  # t=

    @property
    def revoked(self) -> bool:
        return self.public_key == ""


def is_key_record(txt: str) -> bool:
    """Whether a TXT value at a selector host is meant as a DKIM key.

    Records with a `v=` other than DKIM1 are discarded (RFC 6376 3.6.1); notes and other TXT
    values without `p=` are not keys. A value starting with `v=DKIM1` counts even when malformed,
    so the user hears what is wrong with it.
    """
    if _WS.sub("", txt).startswith("v=DKIM1"):
        return True
    try:
        tags = parse_tag_list(txt)
    except TagListError:
        return False
    return "p" in tags and tags.get("v", VERSION) == VERSION


def parse_key_record(txt: str) -> KeyRecord:
    """The key record's tags; DkimRecordError when a receiver could not use it."""
    try:
        tags = parse_tag_list(txt)
    except TagListError as exc:
        raise DkimRecordError(f"it is not a valid tag list ({exc})") from None
    if "v" in tags:
        if next(iter(tags)) != "v":
            raise DkimRecordError("v=DKIM1 must be the first tag")
        if tags["v"] != VERSION:
            raise DkimRecordError(f"v={tags['v']} is not v=DKIM1")
    if "p" not in tags:
        raise DkimRecordError("it has no p= tag")
    return KeyRecord(
        public_key=_WS.sub("", tags["p"]),
        key_type=tags.get("k", "rsa").strip().lower(),
        hashes=_colon_list(tags["h"]) if "h" in tags else None,
        services=_colon_list(tags.get("s", "*")),
        flags=_colon_list(tags.get("t", "")),
    )


def public_key(txt: str) -> str | None:
    """The `p=` value with whitespace removed; None when the text is not a usable DKIM key record."""
    try:
        return parse_key_record(txt).public_key if is_key_record(txt) else None
    except DkimRecordError:
        return None


def _colon_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in value.split(":") if part.strip())


def decode_key(b64: str) -> bytes | None:
    """The DER bytes of a p= value (whitespace ignored), None when it is not strict base64."""
    try:
        return base64.b64decode(_WS.sub("", b64), validate=True)
    except (binascii.Error, ValueError):
        return None


def rsa_public_key(der: bytes) -> rsa.RSAPublicKey | None:
    """The RSA key of a DER SubjectPublicKeyInfo (what DKIM's p= holds), None when it is not one."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm):
        return None
    return key if isinstance(key, rsa.RSAPublicKey) else None


# --- the probe -------------------------------------------------------------------------------


class ProbeError(ValueError):
    """The private key can't sign (corrupt or not RSA). Never carries key material."""


@lru_cache(maxsize=64)
def probe_message(private_key_pem: str, domain: str, selector: str) -> bytes:
    """A fixed message from `domain`, DKIM-signed with the key (rsa-sha256, relaxed/relaxed).

    RSA PKCS#1 v1.5 signatures are deterministic, so the probe is the same every poll (cached).
    """
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        # Our own key from state: skipping OpenSSL's slow consistency check (~0.1 s) is safe, since
        # an inconsistent key makes signatures that fail, which the probe reports.
        key = serialization.load_pem_private_key(
            private_key_pem.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError, UnsupportedAlgorithm, UnicodeEncodeError):
        raise ProbeError("the DKIM private key can't be read") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ProbeError("the DKIM private key is not an RSA key")
    headers = [
        f"From: DMS verification probe <probe@{domain}>",
        f"To: <probe@{domain}>",
        "Subject: DKIM probe",
        "Date: Thu, 01 Jan 2026 00:00:00 +0000",
        f"Message-ID: <dkim-probe@{domain}>",
    ]
    body = b"This message checks that the published DKIM key verifies the domain's signatures.\r\n"
    body_hash = base64.b64encode(hashlib.sha256(canonical_body(body, "relaxed")).digest()).decode()
    signature_header = (
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s={selector};"
        f" h={':'.join(SIGNED_HEADERS)}; bh={body_hash}; b="
    )
    data = b"".join(canonical_header(h, "relaxed") for h in headers)
    data += canonical_header(signature_header, "relaxed").rstrip(b"\r\n")
    signature = base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()
    lines = [signature_header + signature, *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def verify_message(message: bytes, public_key_der: bytes) -> str | None:
    """Verify the message's DKIM-Signature (rsa-sha256) with a DER public key: None, or what fails."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = rsa_public_key(public_key_der)
    if key is None:
        return "the key is not an RSA public key"
    head, sep, body = message.partition(b"\r\n\r\n")
    if not sep:
        return "the message has no body"
    headers = _split_headers(head.decode("ascii", errors="replace") + "\r\n")
    signature = next((h for h in headers if h.split(":", 1)[0].strip().lower() == "dkim-signature"), None)
    if signature is None:
        return "the message has no DKIM-Signature"
    try:
        tags = parse_tag_list(signature.split(":", 1)[1])
    except TagListError as exc:
        return f"the DKIM-Signature is malformed ({exc})"
    if tags.get("a") != "rsa-sha256" or not all(t in tags for t in ("b", "bh", "h")):
        return "the DKIM-Signature is not rsa-sha256 with b=, bh= and h="
    header_c, _, body_c = tags.get("c", "simple/simple").partition("/")
    body_c = body_c or "simple"
    if {header_c, body_c} - {"simple", "relaxed"}:
        return f"unknown canonicalization c={tags.get('c')}"
    body_hash = base64.b64encode(hashlib.sha256(canonical_body(body, body_c)).digest()).decode()
    if _WS.sub("", tags["bh"]) != body_hash:
        return "the body hash does not match"
    data = b""
    remaining = list(headers)
    for name in (n.strip().lower() for n in tags["h"].split(":")):
        # RFC 6376 5.4.2: the last unused instance of each named header, bottom up.
        match = next((h for h in reversed(remaining) if h.split(":", 1)[0].strip().lower() == name), None)
        if match is not None:
            remaining.remove(match)
            data += canonical_header(match, header_c)
    data += canonical_header(_without_b(signature), header_c).rstrip(b"\r\n")
    sig = decode_key(tags["b"])
    if sig is None:
        return "b= is not base64"
    try:
        key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return "the signature does not verify with this key"
    return None


def canonical_header(header: str, how: str) -> bytes:
    """RFC 6376 3.4.1 (simple) and 3.4.2 (relaxed); header without its final CRLF."""
    if how == "simple":
        return (header.rstrip("\r\n") + "\r\n").encode("ascii", errors="replace")
    name, _, value = header.partition(":")
    value = _WS.sub(" ", value.replace("\r\n", "")).strip()
    return f"{name.strip().lower()}:{value}\r\n".encode("ascii", errors="replace")


def canonical_body(body: bytes, how: str) -> bytes:
    """RFC 6376 3.4.3 (simple) and 3.4.4 (relaxed)."""
    lines = body.split(b"\r\n")
    if how == "relaxed":
        lines = [re.sub(rb"[ \t]+", b" ", line).rstrip(b" ") for line in lines]
    while lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        return b"" if how == "relaxed" else b"\r\n"
    return b"\r\n".join(lines) + b"\r\n"


def _split_headers(head: str) -> list[str]:
    headers: list[str] = []
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and headers:
            headers[-1] += "\r\n" + line
        elif line:
            headers.append(line)
    return headers


def _without_b(header: str) -> str:
    name, _, value = header.partition(":")
    return name + ":" + _B_TAG.sub(r"\1\2", value)
