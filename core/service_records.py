"""The records the service asks for, read from its DNS attributes (pure).

With the `tencent` ledger the service, not this project, decides the records: SES answers
CreateEmailIdentity/GetEmailIdentity with `Attributes`, each `{Type, SendDomain, ExpectedValue}`.
The DKIM host (its selector differs between accounts and API versions) and key are the service's, so
they are taken from there and never computed. The project decides only what is the domain owner's
choice: the DMARC policy, when `dmarcPolicy` is set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dms_component.core.errors import ServiceError
from dms_component.core.names import is_subdomain
from dms_component.core.records import DMARC_POLICIES, ITEMS, RequiredRecord
from dms_component.core.tags import parse_tags


def records_from_attributes(
    domain: str,
    attributes: Iterable[Mapping[str, Any]],
    *,
    mx_preference: int = 5,
    dmarc_policy: str | None = None,
) -> list[RequiredRecord]:
    """RequiredRecords for `domain` from the service's attributes, in the console's order.

    `mx_preference` is used when the service's MX value carries none (it names only the exchange).
    """
    records = [_record(domain, a, mx_preference, dmarc_policy) for a in attributes]
    if not records:
        raise ServiceError(f"the service returned no DNS records to publish for {domain}")
    order = {item: i for i, item in enumerate(ITEMS)}
    return sorted(dict.fromkeys(records), key=lambda r: order[r.item])  # stable within an item


def _record(domain: str, attr: Mapping[str, Any], mx_preference: int, dmarc_policy: str | None) -> RequiredRecord:
    rtype = str(attr.get("Type") or "").upper()
    host = str(attr.get("SendDomain") or "").strip().lower().rstrip(".")
    value = str(attr.get("ExpectedValue") or "").strip()
    what = f"{rtype or '?'} record at {host or '?'}"
    if not host or not value:
        raise ServiceError(f"the service asked for a {what} without a host or value; ask Tencent Cloud support")
    if not is_subdomain(host, domain):
        raise ServiceError(f"the service asked for a {what}, outside {domain}; this project writes only inside it")
    if rtype == "MX":
        return _mx(host, value, mx_preference)
    if rtype != "TXT":
        raise ServiceError(
            f"the service asked for a {what} ({value}); this project publishes only TXT and MX records:"
            " add it by hand, or ask Tencent Cloud which records the sender domain needs"
        )
    if value.lower().startswith("v=spf1"):
        return RequiredRecord("SPF", host, "TXT", value)
    if host.startswith("_dmarc."):
        return RequiredRecord("DMARC", host, "TXT", _with_policy(value, dmarc_policy))
    tags = parse_tags(value)
    if "._domainkey." in host or (tags is not None and "p" in tags):
        return RequiredRecord("DKIM", host, "TXT", value)
    raise ServiceError(f"the service asked for a {what} this project does not recognise: {value[:60]}")


def _mx(host: str, value: str, default_preference: int) -> RequiredRecord:
    parts = value.split()
    if len(parts) == 2 and parts[0].isdigit():
        preference, exchange = int(parts[0]), parts[1]
    elif len(parts) == 1:
        preference, exchange = default_preference, parts[0]
    else:
        raise ServiceError(f"the service asked for an MX record at {host} with an unreadable value {value!r}")
    return RequiredRecord("MX", host, "MX", exchange.lower().rstrip(".") + ".", preference=preference)


def _with_policy(value: str, policy: str | None) -> str:
    """The service's DMARC record with the owner's policy, other tags kept in their order."""
    if policy is None:
        return value
    if policy not in DMARC_POLICIES:
        raise ValueError(f"unknown DMARC policy {policy!r}")
    tags = parse_tags(value)
    if not tags or tags.get("v") != "DMARC1":
        return f"v=DMARC1; p={policy}"
    rest = [f"{k}={v}" for k, v in tags.items() if k not in ("v", "p")]
    return "; ".join(["v=DMARC1", f"p={policy}", *rest])  # p= must follow v= (RFC 7489 6.4)


def dkim_key_of(records: Iterable[RequiredRecord]) -> str | None:
    """The service's DKIM public key (the `p=` of its DKIM record), for display."""
    for record in records:
        if record.item == "DKIM":
            tags = parse_tags(record.value) or {}
            return "".join(tags.get("p", "").split()) or None
    return None
