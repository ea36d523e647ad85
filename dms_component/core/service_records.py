"""The records the service asks for, read from its DNS attributes (pure).

With the `tencent` ledger the service, not this project, decides the records: SES answers
CreateEmailIdentity/GetEmailIdentity with `Attributes`, each `{Type, SendDomain, ExpectedValue}`.
The DKIM host (its selector differs between accounts and API versions) and key are the service's, so
they are taken from there and never computed. The project decides only what is the domain owner's
choice: the DMARC policy, when `dmarcPolicy` is set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dms_component.core import dkim, dmarc, spf
from dms_component.core.dmarc import POLICIES as DMARC_POLICIES
from dms_component.core.domain_names import is_subdomain
from dms_component.core.errors import ServiceError, setting
from dms_component.core.records import ITEMS, RequiredRecord
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
        raise ServiceError(
            f"the service returned no DNS records to publish for {domain}; ask Tencent Cloud support",
            code="tencent.no-records",
        )
    order = {item: i for i, item in enumerate(ITEMS)}
    return sorted(dict.fromkeys(records), key=lambda r: order[r.item])  # stable within an item


def _record(domain: str, attr: Mapping[str, Any], mx_preference: int, dmarc_policy: str | None) -> RequiredRecord:
    rtype = str(attr.get("Type") or "").upper()
    host = str(attr.get("SendDomain") or "").strip().lower().rstrip(".")
    value = str(attr.get("ExpectedValue") or "").strip()
    what = f"{rtype or '?'} record at {host or '?'}"
    if not host or not value:
        raise ServiceError(
            f"the service asked for a {what} without a host or value; ask Tencent Cloud support",
            code="tencent.record-unreadable",
        )
    if not is_subdomain(host, domain):
        raise ServiceError(
            f"the service asked for a {what}, outside {domain}; this project writes only inside it: publish it"
            " by hand, or ask Tencent Cloud support",
            code="tencent.record-outside",
        )
    if rtype == "MX":
        return _mx(host, value, mx_preference)
    if rtype != "TXT":
        # DNSAttributes documents CNAME and A besides TXT and MX: refused, never half-published.
        raise ServiceError(
            f"the service asked for a {what} ({value[:80]}); this project publishes only TXT and MX records,"
            " so nothing was written for this domain: publish it by hand, or ask Tencent Cloud which records"
            " the sender domain needs",
            code="tencent.record-type",
        )
    if value.lower().startswith("v=spf1"):
        return RequiredRecord("SPF", host, "TXT", value)
    if host.startswith("_dmarc."):
        return RequiredRecord("DMARC", host, "TXT", _with_policy(value, dmarc_policy))
    tags = parse_tags(value)
    if "._domainkey." in host or (tags is not None and "p" in tags):
        return RequiredRecord("DKIM", host, "TXT", value)
    raise ServiceError(
        f"the service asked for a {what} this project does not recognise: {value[:60]}; ask Tencent Cloud support",
        code="tencent.record-unknown",
    )


def _mx(host: str, value: str, default_preference: int) -> RequiredRecord:
    parts = value.split()
    if len(parts) == 2 and parts[0].isdigit():
        preference, exchange = int(parts[0]), parts[1]
    elif len(parts) == 1:
        preference, exchange = default_preference, parts[0]
    else:
        raise ServiceError(
            f"the service asked for an MX record at {host} with an unreadable value {value!r}",
            code="tencent.record-unreadable",
        )
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
    """The DKIM public key among `records` (the `p=` of the DKIM record); None when it has none yet."""
    for record in records:
        if record.item == "DKIM":
            tags = parse_tags(record.value) or {}
            return "".join(tags.get("p", "").split()) or None
    return None


# -- how the service would judge what we publish -------------------------------------------------------

PASSED, FAILED, UNCHECKED = "passed", "failed", "unchecked"


@dataclass(frozen=True)
class ServiceView:
    """One of the service's items, beside what this stack will publish for it.

    `why` says why ours differs from the service's ExpectedValue on purpose ("" when it does not differ);
    `verdict` is the service's own last word on exactly our value (its CurrentValue and Status), or
    UNCHECKED when its last check saw something else, or nothing."""

    item: str
    host: str
    expected: str
    ours: str | None  # None: this stack publishes nothing of that kind there
    why: str
    verdict: str

    @property
    def differs(self) -> bool:
        return self.ours is None or _squeezed(self.ours) != _squeezed(self.expected)

    def line(self) -> str:
        head = f"{self.item} at {self.host}"
        if not self.differs:
            return f"{head}: as the service expects"
        ours = "nothing" if self.ours is None else repr(self.ours)
        said = {
            PASSED: "the service's last check passed it",
            FAILED: "the service's last check failed it",
            UNCHECKED: _rule(self.item),
        }[self.verdict]
        why = f" ({self.why})" if self.why else ""
        return f"{head}: this stack publishes {ours}, not the service's {self.expected!r}{why}; {said}"


def service_views(
    domain: str, attributes: Iterable[Mapping[str, Any]], planned: Mapping[tuple[str, str], tuple[str, ...]]
) -> list[ServiceView]:
    """For each record the service asks for: what `planned` (each (host, type)'s values once written)
    puts there instead, and what the service last said of it."""
    out = []
    for attr in attributes:
        wanted = _record(domain, attr, 5, None)  # the service's own record (its policy, its value)
        values = planned.get((wanted.host, wanted.rtype), ())
        ours = _ours(wanted.item, values)
        current = str(attr.get("CurrentValue") or "")
        expected = str(attr.get("ExpectedValue") or "").strip()
        if wanted.item == "MX":
            ours = ours.split()[-1].rstrip(".") if ours else None  # the service names the exchange only
        verdict = UNCHECKED
        if ours is not None and current and _squeezed(current) == _squeezed(ours):
            verdict = PASSED if attr.get("Status") else FAILED
        out.append(ServiceView(wanted.item, wanted.host, expected, ours, _why(wanted.item, expected, ours), verdict))
    return out


def _ours(item: str, values: tuple[str, ...]) -> str | None:
    # The record of that item among the values, as the verifier tells them apart.
    matches = {"SPF": spf.is_spf, "DMARC": dmarc.is_dmarc, "DKIM": dkim.is_key_record}.get(item)
    kind = [v for v in values if matches(v)] if matches else list(values)
    return kind[0] if len(kind) == 1 else None


def _why(item: str, expected: str, ours: str | None) -> str:
    if ours is None or _squeezed(ours) == _squeezed(expected):
        return ""
    if item == "SPF":
        include = spf.first_include(expected)
        return "merged into the SPF record already there" if include and spf.has_include(ours, include) else ""
    if item == "DMARC":
        mine, theirs = parse_tags(ours) or {}, parse_tags(expected) or {}
        return f"{setting('dmarc_policy')} {mine.get('p')}" if mine.get("p") != theirs.get("p") else "other tags"
    return ""


def _rule(item: str) -> str:
    if item == "SPF":
        return "the service's guide asks for one SPF record that includes qcloudmail.com, as this one does"
    if item == "DMARC":
        return "the service documents no rule for a DMARC record other than its own: its first check will tell"
    return "the service's check will not find its value"


def _squeezed(text: str) -> str:
    return "".join(text.split()).rstrip(";")
