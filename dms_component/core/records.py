"""The records a sender domain must publish: a pure value computed from a domain and a profile."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from dms_component.core import txt
from dms_component.core.dmarc import POLICIES as DMARC_POLICIES
from dms_component.core.errors import ConfigError

Item = Literal["SPF", "DKIM", "DMARC", "MX"]
ITEMS: tuple[Item, ...] = get_args(Item)

MailType = Literal["triggered", "batch"]
MAIL_TYPES: tuple[str, ...] = get_args(MailType)
# What each value means, for the `dms` package's schema (its enum MailType).
MAIL_TYPE_DOCS = {
    "": "What the domain sends; the service wants the two kinds on different domains.",
    "triggered": "Transactional mail a user's action triggers (sign-up, password reset, receipts).",
    "batch": "Marketing and newsletters, sent in bulk.",
}


@dataclass(frozen=True)
class Profile:
    """What one email service asks its senders to publish."""

    name: str
    spf_include: str
    mx_host: str
    mx_preference: int
    default_selector: str
    default_dmarc_policy: str = "none"


PROFILES: dict[str, Profile] = {
    # From Tencent Cloud's SES (formerly DMS) sender-domain guide.
    "tencent-ses": Profile(
        name="tencent-ses",
        spf_include="qcloudmail.com",
        mx_host="mxbiz1.qq.com.",
        mx_preference=5,
        default_selector="qcloud",
    ),
}


def profile_named(name: str, key: str = "dms:profile") -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError(key, f"unknown profile {name!r}; allowed: {', '.join(sorted(PROFILES))}") from None


@dataclass(frozen=True)
class RequiredRecord:
    """One record the service checks. `value` is the logical text (TXT unsplit, MX exchange)."""

    item: Item
    host: str  # fully qualified, no trailing dot
    rtype: Literal["TXT", "MX"]
    value: str
    preference: int | None = None  # MX only

    def rdata_text(self) -> str:
        """Zone-file text of the record data, with TXT split into 255-byte strings."""
        if self.rtype == "MX":
            return f"{self.preference} {self.value}"
        return txt.to_text(txt.split(self.value))

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def published(self, zone: str, ttl: int) -> dict[str, Any]:
        """As another DNS provider's record resource wants it: `name` relative to the zone, the TXT
        value in 255-byte `strings` (how Route53, Azure and Google Cloud DNS take it), and the TTL."""
        extra: dict[str, Any] = {"name": relative_name(self.host, zone), "ttl": ttl}
        if self.rtype == "TXT":
            extra["strings"] = list(txt.split(self.value))
        return {**self.to_dict(), **extra}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RequiredRecord:
        return RequiredRecord(
            item=data["item"],
            host=data["host"],
            rtype=data["rtype"],
            value=data["value"],
            preference=int(data["preference"]) if data.get("preference") is not None else None,
        )


def mx_value(preference: int | str, exchange: str) -> str:
    """The logical MX value every provider and the verifier compare: 'preference exchange.' in lower case."""
    name = exchange.strip().lower().rstrip(".")
    return f"{int(preference)} {name}."


def dkim_host(domain: str, selector: str) -> str:
    return f"{selector}._domainkey.{domain}"


def dmarc_host(domain: str) -> str:
    return f"_dmarc.{domain}"


def dkim_value(public_key_b64: str) -> str:
    return f"v=DKIM1; k=rsa; p={public_key_b64}"


def dmarc_value(policy: str) -> str:
    return f"v=DMARC1; p={policy}"


def required_records(
    domain: str,
    dkim_public_key: str,
    profile: Profile,
    selector: str | None = None,
    dmarc_policy: str | None = None,
) -> list[RequiredRecord]:
    """The four records, in the console's order: SPF, DKIM, DMARC, MX."""
    policy = dmarc_policy or profile.default_dmarc_policy
    if policy not in DMARC_POLICIES:
        raise ConfigError("dmarcPolicy", f"{policy!r} is not allowed; allowed: {', '.join(DMARC_POLICIES)}")
    return [
        RequiredRecord("SPF", domain, "TXT", f"v=spf1 include:{profile.spf_include} ~all"),
        RequiredRecord(
            "DKIM", dkim_host(domain, selector or profile.default_selector), "TXT", dkim_value(dkim_public_key)
        ),
        RequiredRecord("DMARC", dmarc_host(domain), "TXT", dmarc_value(policy)),
        RequiredRecord("MX", domain, "MX", profile.mx_host, preference=profile.mx_preference),
    ]


def relative_name(host: str, zone: str) -> str:
    """`host` relative to `zone` ("" for the zone itself), as most DNS providers name a record."""
    return "" if host == zone else host[: -len(zone) - 1] if host.endswith("." + zone) else host
