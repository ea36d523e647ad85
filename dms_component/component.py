"""SenderDomain: one sender domain from a line of config to Verified."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from dms_component.config import DnsTarget, DomainSpec, LedgerSettings, VerificationSettings
from dms_component.core.records import PROFILES, Profile, required_records
from dms_component.core.service_records import records_from_attributes
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
        existing_email_dns: str = "error",
        verify_after: pulumi.Input[Sequence[pulumi.Resource]] | None = None,
        owner: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`verify_after`: resources the verification waits for besides this domain's records. A stack
        passes every domain's DnsRecords, so all records are written before any verification holds one
        of the provider's few threads while it polls (see docs/checks.md)."""
        super().__init__("dms:index:SenderDomain", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ledger_settings: Any = ledger.settings()
        if ledger.secret_key:
            # The ledger's credential (tencent) travels only as a Pulumi secret: encrypted in state.
            ledger_settings = pulumi.Output.secret(ledger.with_secret())

        identity = SenderIdentity(
            f"{name}/identity",
            domain=spec.domain,
            mail_type=spec.mail_type,
            dkim_key_bits=spec.dkim_key_bits,
            ledger=ledger_settings,
            owner=owner,
            opts=child,
        )
        # The same names with a placeholder key: known at preview, so conflicts are found before any write.
        preview = required_records(spec.domain, "", profile, spec.dkim_selector, spec.dmarc_policy)
        if not ledger.decides_records:
            wanted = identity.dkim_public_key.apply(
                lambda key: [
                    r.to_dict()
                    for r in required_records(spec.domain, key, profile, spec.dkim_selector, spec.dmarc_policy)
                ]
            )
        else:
            # The service (tencent) says which records to publish, its DKIM host and key included.
            wanted = identity.service_attributes.apply(
                lambda attributes: [
                    r.to_dict()
                    for r in records_from_attributes(
                        spec.domain,
                        attributes or [],
                        mx_preference=profile.mx_preference,
                        dmarc_policy=spec.dmarc_policy,
                    )
                ]
            )
            preview = [r for r in preview if r.item != "DKIM"]  # its host is the service's, known after create
        records = DnsRecords(
            f"{name}/records",
            domain=spec.domain,
            records=wanted,
            preview_records=[r.to_dict() for r in preview],
            dns=dns.settings(),
            tsig_secret=pulumi.Output.secret(dns.tsig_secret) if dns.tsig_secret else None,
            ledger=ledger_settings,
            adopt=spec.adopt,
            conflicts_check=existing_email_dns,
            # The check at preview judges a merged SPF record with the verification's servers.
            nameservers=[s for s in (verification.nameserver or dns.server,) if s],
            opts=child,
        )
        records.conflicts.apply(lambda found: _warn_conflicts(spec.domain, found))
        # Ask the server we write to unless told otherwise: it is the zone's primary. A cloud DNS
        # host has no such server: then the zone's authoritative servers are found from its NS records.
        nameservers = [s for s in (verification.nameserver or dns.server,) if s]
        check = Verification(
            f"{name}/verification",
            domain=spec.domain,
            records=records.records,
            nameservers=nameservers,
            timeout=verification.timeout,
            ledger=ledger_settings,
            # Our own key signs a probe checked against the published key; the service's key (tencent) is not ours.
            dkim_private_key=None if ledger.decides_records else identity.dkim_private_key,
            dns=dns.settings(),
            change=records.change,
            opts=pulumi.ResourceOptions.merge(
                pulumi.ResourceOptions(parent=self, depends_on=[records]),
                pulumi.ResourceOptions(depends_on=verify_after),
            ),
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


def _warn_conflicts(domain: str, found: list[str] | None) -> None:
    if found:
        pulumi.log.warn(f"{domain}: email records this stack did not write are at its names: {'; '.join(found)}")
