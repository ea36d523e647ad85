"""SPF record recognition (RFC 7208 4.5, 5): pure."""

from __future__ import annotations


def is_spf(txt: str) -> bool:
    """A TXT value is an SPF record when it is `v=spf1` alone or followed by a space."""
    head = txt[:7].lower()
    return head == "v=spf1 " or txt.lower() == "v=spf1"


def spf_records(txts: list[str]) -> list[str]:
    return [t for t in txts if is_spf(t)]


def includes(record: str, domain: str) -> bool:
    """True when the record has an `include:` of exactly `domain` with a passing qualifier."""
    want = domain.lower().rstrip(".")
    for term in record.split()[1:]:
        term = term.lower()
        if term[:1] in "+":
            term = term[1:]
        if term.startswith("include:") and term[len("include:") :].rstrip(".") == want:
            return True
    return False
