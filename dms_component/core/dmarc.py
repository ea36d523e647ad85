"""DMARC record parsing (RFC 7489 6.3-6.4): pure."""

from __future__ import annotations

from dms_component.core.tags import parse_tags

POLICIES = ("none", "quarantine", "reject")


def is_dmarc(txt: str) -> bool:
    return txt.replace(" ", "").startswith("v=DMARC1")


def policy(txt: str) -> str | None:
    """The `p=` policy of a DMARC record, or None when it is missing, invalid or not first-after-v."""
    tags = parse_tags(txt)
    if not tags:
        return None
    names = list(tags)
    if names[0] != "v" or tags["v"] != "DMARC1" or len(names) < 2 or names[1] != "p":
        return None
    value = tags["p"].lower()
    return value if value in POLICIES else None
