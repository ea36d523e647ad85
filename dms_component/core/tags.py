"""Tag-list parsing shared by DKIM (RFC 6376 3.2) and DMARC (RFC 7489 6.4) records."""

from __future__ import annotations


def parse_tags(text: str) -> dict[str, str] | None:
    """`a=1; b = 2;` -> {"a": "1", "b": "2"}; None when malformed or a tag repeats."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name or name in tags:
            return None
        tags[name] = value.strip()
    return tags
