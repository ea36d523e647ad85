"""SenderDomain: one sender domain from a line of config to Verified."""

from __future__ import annotations

from typing import Any

import pulumi

from dms_component.config import DnsTarget, DomainSpec, LedgerSettings, VerificationSettings
from dms_component.core.records import PROFILES, Profile, required_records
from dms_component.core.verdicts import PENDING
from providers.dynamic.identity import SenderIdentity
from providers.dynamic.records import DnsRecords
from providers.dynamic.verification import Verification


class SenderDomain(pulumi.ComponentResource):
    """Children: identity and DKIM key -> DNS records -> verification."""

    domain: pulumi.Output[str]
    mail_type: pulumi.Output[str]
    status: pulumi.Output[str]
    items: pulumi.Output[list[dict[str, Any]]]
    records: pulumi.Output[list[dict[str, Any]]]
    dkim_public_key: pulumi.Output[str]
    dkim_private_key: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        spec: DomainSpec,
        *,
        dns: DnsTarget,
        ledger: LedgerSettings,
        verification: VerificationSettings,
        profile: Profile = PROFILES["tencent-ses"],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dms:index:SenderDomain", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ledger_settings = ledger.settings()

        identity = SenderIdentity(
            f"{name}/identity",
            domain=spec.domain,
            mail_type=spec.mail_type,
            dkim_key_bits=spec.dkim_key_bits,
            ledger=ledger_settings,
            opts=child,
        )
        wanted = identity.dkim_public_key.apply(
            lambda key: [
                r.to_dict() for r in required_records(spec.domain, key, profile, spec.dkim_selector, spec.dmarc_policy)
            ]
        )
        records = DnsRecords(
            f"{name}/records",
            domain=spec.domain,
            records=wanted,
            dns=dns.settings(),
            tsig_secret=pulumi.Output.secret(dns.tsig_secret) if dns.tsig_secret else None,
            ledger=ledger_settings,
            opts=child,
        )
        # Ask the server we write to unless told otherwise: it is the zone's primary.
        nameservers = [verification.nameserver or dns.server]
        check = Verification(
            f"{name}/verification",
            domain=spec.domain,
            records=records.records,
            nameservers=nameservers,
            timeout=verification.timeout,
            ledger=ledger_settings,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[records]),
        )
        pulumi.Output.all(check.status, check.items).apply(lambda v: _warn_pending(spec.domain, *v))

        self.identity, self.dns_records, self.verification = identity, records, check
        self.domain = pulumi.Output.from_input(spec.domain)
        self.mail_type = pulumi.Output.from_input(spec.mail_type)
        self.status = check.status
        self.items = check.items
        self.records = records.records
        self.dkim_public_key = identity.dkim_public_key
        self.dkim_private_key = pulumi.Output.secret(identity.dkim_private_key)
        self.register_outputs(
            {
                "domain": self.domain,
                "mail_type": self.mail_type,
                "status": self.status,
                "items": self.items,
                "records": self.records,
                "dkim_public_key": self.dkim_public_key,
                "dkim_private_key": self.dkim_private_key,
            }
        )


def _warn_pending(domain: str, status: str | None, items: list[dict[str, Any]] | None) -> None:
    if status == PENDING:
        reasons = "; ".join(i["reason"] for i in items or [] if not i.get("ok"))
        pulumi.log.warn(f"{domain} is pending verification: {reasons}")
