"""TXT record data: the one codec (pure).

A TXT record is a list of character-strings of at most 255 bytes each (RFC 1035 3.3.14); its logical value,
what SPF, DKIM and DMARC read, is the strings joined without separators (RFC 7208 3.3, RFC 6376 3.6.2.2).
A record read back keeps its strings exactly as they were (a console may split at 250 bytes, or anywhere):
compare-and-swap must name the record so. Strings are `str`, with bytes that are not UTF-8 kept by
surrogateescape, so every record round-trips byte for byte.

Text forms: the zone-file presentation (RFC 1035 5.1: quoted strings, `\\"`, `\\\\`, `\\DDD` in decimal), which
dnspython's rdata reads and writes, and Route53's, which is the same but with `\\ooo` in octal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import dns.exception
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT

STRING_MAX = 255  # bytes in one DNS character-string

Strings = tuple[str, ...]  # a TXT record's character-strings, as published


def joined(strings: Sequence[str] | Sequence[bytes]) -> str:
    """The logical value. Bytes are joined before decoding: a console may split inside a UTF-8 character."""
    raw = b"".join(_raw(s) for s in strings)
    return raw.decode("utf-8", errors="replace")


def split(value: str) -> Strings:
    """A logical value in strings of at most 255 bytes, never inside a UTF-8 sequence."""
    raw = value.encode("utf-8", "surrogateescape")
    if not raw:
        return ("",)
    chunks: list[str] = []
    start = 0
    while start < len(raw):
        end = min(start + STRING_MAX, len(raw))
        # Back off so a multi-byte character stays whole (continuation bytes are 10xxxxxx).
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:
            end -= 1
        chunks.append(raw[start:end].decode("utf-8", "surrogateescape"))
        start = end
    return tuple(chunks)


def rdata(strings: Sequence[str]) -> dns.rdtypes.ANY.TXT.TXT:
    """dnspython's TXT record data for these strings (each at most 255 bytes)."""
    return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, [_raw(s) for s in strings])


def strings_of(record: dns.rdata.Rdata) -> Strings:
    """A TXT record's strings as read, as text that encodes back to the same bytes."""
    return tuple(s.decode("utf-8", "surrogateescape") for s in record.strings)  # type: ignore[attr-defined]


def to_text(strings: Sequence[str], *, octal: bool = False) -> str:
    """The quoted text form: zone-file presentation (dnspython's), or Route53's with `octal`."""
    if not octal:
        return rdata(strings).to_text()
    return " ".join(_quote_octal(_raw(s)) for s in strings)


class TxtTextError(ValueError):
    """Text that is not a list of character-strings; the message says why."""


def from_text(text: str, *, octal: bool = False) -> Strings:
    """The strings of a quoted text form (unquoted words count as strings too, as in a zone file)."""
    if octal:
        return tuple(s.decode("utf-8", "surrogateescape") for s in _unquote_octal(text))
    try:
        parsed = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, text)
    except (dns.exception.DNSException, ValueError) as exc:
        raise TxtTextError(f"not TXT record data ({exc.__class__.__name__})") from None
    return strings_of(parsed)


def value_of_text(text: str) -> str:
    """The logical value of a console's text: quoted strings are unquoted and joined; anything else is the value."""
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
        try:
            return joined(from_text(stripped))
        except TxtTextError:
            return text
    return text


def _raw(s: str | bytes) -> bytes:
    return s if isinstance(s, bytes) else s.encode("utf-8", "surrogateescape")


def _quote_octal(raw: bytes) -> str:
    if len(raw) > STRING_MAX:
        raise ValueError(f"a TXT string of {len(raw)} bytes is over the {STRING_MAX}-byte limit")
    out = []
    for byte in raw:
        if byte in (0x22, 0x5C):  # " and \
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')
_OCTAL_ESCAPE = re.compile(rb"\\([0-7]{3}|.)", re.S)


def _unquote_octal(text: str) -> list[bytes]:
    parts = []
    for m in _STRING.finditer(text):
        body = m.group(1) if m.group(1) is not None else m.group(2)
        parts.append(_OCTAL_ESCAPE.sub(_unescape_octal, body.encode("utf-8", "surrogateescape")))
    return parts


def _unescape_octal(m: re.Match[bytes]) -> bytes:
    code = m.group(1)
    return bytes([int(code, 8)]) if len(code) == 3 else code
