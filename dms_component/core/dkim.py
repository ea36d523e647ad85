"""DKIM key-record parsing (RFC 6376 3.6.1): pure."""

from __future__ import annotations

import re

from dms_component.core.tags import parse_tags

_WS = re.compile(r"\s+")


def public_key(txt: str) -> str | None:
    """The `p=` value with whitespace removed; None when the text is not a DKIM key record."""
    tags = parse_tags(txt)
    if tags is None or "p" not in tags:
        return None
    if "v" in tags and tags["v"] != "DKIM1":
        return None
    if tags.get("k", "rsa").lower() != "rsa":
        return None
    return _WS.sub("", tags["p"])
