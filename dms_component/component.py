"""SenderDomain: one sender domain from a few typed inputs to Verified, with every rule of the service."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pulumi

from dms_component.account import Declared, as_seen_here, read_entries, stack_owner, this_program
from dms_component.args import (
    SPEC_KEYS,
    ChecksArgs,
    DomainSpec,
    ItemOutput,
    RecordOutput,
    SenderDomainArgs,
    check_profile,
    check_spec,
    is_plain,
    plain_fields,
    resolved,
    run_checked,
)
from dms_component.core import validate
from dms_component.core.errors import ConfigError
from dms_component.core.records import Profile, RequiredRecord, required_records
from dms_component.core.rules import ERROR, WARN, subdomain_problem
from dms_component.core.service_records import records_from_attributes
from dms_component.core.verdicts import PENDING
from dms_component.providers.adapters.dns.base import DnsTarget
from dms_component.providers.adapters.ledger.base import LedgerSettings
from dms_component.providers.resources.identity import SenderIdentity
from dms_component.providers.resources.records import DnsRecords
from dms_component.providers.resources.retired import RetiredDomains
from dms_component.providers.resources.verification import Verification


class Names:
    """How messages name a setting: the args' fields in a program, the `dms:` keys for stack config."""

    def __init__(self, spec: validate.Namer, dns: validate.Namer, ledger: validate.Namer, other: validate.Namer):
        self.spec, self.dns, self.ledger, self.other = spec, dns, ledger, other

    @staticmethod
    def for_args(name: str) -> Names:
        return Names(
            validate.field_namer(f"SenderDomain {name}: SenderDomainArgs"),
            validate.field_namer(f"SenderDomain {name}: dns"),
            validate.field_namer(f"SenderDomain {name}: ledger"),
            validate.field_namer(f"SenderDomain {name}: SenderDomainArgs"),
        )


class SenderDomain(pulumi.ComponentResource):
    """A sender domain: its ledger entry and DKIM key, its four records, and their verification.

    Children: SenderIdentity -> DnsRecords (unless the DNS target is ExternalDns) -> Verification.
    A verified domain's Verification is protected (the records and identity it depends on can't go
    before it), so `pulumi destroy` or dropping the domain from the program stops at preview;
    `retire=True` lifts that and lets Pulumi forget it without deleting anything.
    """

    domain: pulumi.Output[str]
    mail_type: pulumi.Output[str]
    status: pulumi.Output[str]  # "Verified" or "Pending verification"
    items: pulumi.Output[list[ItemOutput]]  # per item: the check and what was found
    records: pulumi.Output[list[RecordOutput]]  # per record set, ready for another DNS provider
    dkim_public_key: pulumi.Output[str]
    dkim_private_key: pulumi.Output[str]  # a Pulumi secret

    def __init__(
        self,
        name: str,
        args: SenderDomainArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        names: Names | None = None,
        owner: str | None = None,
    ) -> None:
        """`names` and `owner` are for the stack-config program: how to name keys, and the stack's identity."""
        super().__init__("dms:index:SenderDomain", name, None, opts)
        names = names or Names.for_args(name)
        try:
            self._build(name, args, names, owner or stack_owner())
        except ConfigError as exc:
            # One line, no traceback, before anything is written.
            raise pulumi.RunError(f"invalid sender domain: {exc}") from None

    def _build(self, name: str, args: SenderDomainArgs, names: Names, owner: str) -> None:
        program = this_program()
        profile = check_profile(args.profile, names.other)
        checks = args.checks.validated(names.other)
        ledger = _plain_ledger(args.ledger, names.ledger)
        if not isinstance(args.dns, DnsTarget):
            raise ConfigError(names.other("dns"), "expected Rfc2136Dns, Route53Dns, DnspodDns or ExternalDns")
        dns = resolved(args.dns, names.dns)  # a DnsTarget, or an Output of one
        if isinstance(dns, DnsTarget):
            dns.preflight(names.dns)
        else:
            dns = dns.apply(lambda t: run_checked(lambda: (t.preflight(names.dns), t)[1]))
        verification = args.verification.validated(names.other)
        retire = validate.flag(args.retire, names.spec("retire"))
        account = program.account(ledger, read_entries)

        spec = _spec(args, dns, names)
        domain = spec.apply(lambda s: s.domain)
        rules = account.declare(Declared(domain, spec.apply(lambda s: s.mail_type), names.spec("domain")))
        rules = pulumi.Output.all(rules, spec).apply(lambda v: _guide_checks(v[1], checks, names))

        # A verified domain can never be deleted: the engine refuses at preview to delete a protected
        # resource, `pulumi destroy` included. The ledger says which are verified (a domain known only
        # later, from an Output, relies on the refusal at its delete step). Only the verification is
        # protected: it depends on the records and they on the identity, so neither is deleted before it,
        # and the `up` after the first verification rewrites one resource's options, not three.
        verified = is_plain(args.domain) and _verified(account, args.domain, names)
        child = pulumi.ResourceOptions(parent=self, retain_on_delete=retire)
        guarded = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=verified and not retire))
        ledger_state: Any = ledger.state()
        if ledger.credential():
            # The ledger's credential (tencent) travels only as a Pulumi secret: encrypted in state.
            ledger_state = pulumi.Output.secret(ledger.with_credential())
        if retire:
            RetiredDomains(f"{name}/retired", domains=domain.apply(lambda d: [d]), ledger=ledger_state, opts=child)

        identity = SenderIdentity(
            f"{name}/identity",
            domain=domain,
            mail_type=spec.apply(lambda s: s.mail_type),
            dkim_key_bits=spec.apply(lambda s: s.dkim_key_bits),
            ledger=ledger_state,
            # The rules gate the first write: a refused domain registers nothing in the ledger.
            owner=rules.apply(lambda _: None if retire else owner),
            dkim_selector=spec.apply(lambda s: s.dkim_selector or profile.default_selector),
            opts=child,
        )
        target = pulumi.Output.from_input(dns)
        if not ledger.decides_records:
            wanted = pulumi.Output.all(spec, identity.dkim_public_key).apply(
                lambda v: _dicts(required_records(v[0].domain, v[1], profile, v[0].dkim_selector, v[0].dmarc_policy))
            )
        else:
            # The service (tencent) says which records to publish, its DKIM host and key included.
            wanted = pulumi.Output.all(spec, identity.service_attributes).apply(
                lambda v: _dicts(
                    records_from_attributes(
                        v[0].domain, v[1] or [], mx_preference=profile.mx_preference, dmarc_policy=v[0].dmarc_policy
                    )
                )
            )
        # The same names with a placeholder key: known at preview, so conflicts are found before any write.
        preview = spec.apply(lambda s: _preview_records(s, profile, ledger))

        self._waits: list[pulumi.Resource] = []
        writes = args.dns.writes_records
        records: DnsRecords | None = None
        change: Any = None
        if writes:
            records = DnsRecords(
                f"{name}/records",
                domain=domain,
                records=wanted,
                preview_records=preview,
                dns=target.apply(lambda t: t.state()),
                credential=pulumi.Output.secret(target.apply(lambda t: t.credential())),
                ledger=ledger_state,
                adopt=spec.apply(lambda s: s.adopt),
                conflicts_check=checks.existing_email_dns,
                # The check at preview judges a merged SPF record with the verification's servers.
                nameservers=target.apply(lambda t: t.verified_at(verification.servers())[0]),
                public_zone=target.apply(lambda t: t.verified_at(verification.servers())[1]),
                opts=child,
            )
            records.conflicts.apply(lambda found: _warn_conflicts(name, found))
            program.records.append(records)
            published = records.records
            change = records.change
        else:
            published = wanted
        # Every domain's records are written before any verification holds one of the provider's few
        # threads while it polls (see Program.records_barrier).
        checked = pulumi.Output.all(published, program.records_written()).apply(lambda v: v[0])
        # What `wait_for` names, known once the program's body has run (when the barrier closes).
        waited: asyncio.Future[list[pulumi.Resource]] = asyncio.get_event_loop().create_future()
        program.waits.append(lambda: waited.done() or waited.set_result(list(self._waits)))

        check = Verification(
            f"{name}/verification",
            domain=domain,
            records=checked,
            # Unless told which servers: the primary we write to and the zone's public NS set (RFC 2136),
            # else the zone's authoritative servers, found from its NS records.
            nameservers=target.apply(lambda t: t.verified_at(verification.servers())[0]),
            public_zone=target.apply(lambda t: t.verified_at(verification.servers())[1]),
            timeout=verification.timeout,
            ledger=ledger_state,
            # A message signed with our own key, checked against the published key; the service's key
            # (tencent) is not ours. The key itself stays in the identity.
            dkim_probe=None if ledger.decides_records else identity.dkim_probe,
            dns=target.apply(lambda t: t.state()) if writes else None,
            change=change,
            retired=retire,
            opts=_verification_opts(guarded, records, waited),
        )
        pulumi.Output.all(check.status, check.items).apply(lambda v: _warn_pending(name, *v))

        self.identity, self.dns_records, self.verification = identity, records, check
        self.retire = retire  # its children are retained on delete: Pulumi forgets them, deleting nothing
        self.domain = domain
        self.mail_type = spec.apply(lambda s: s.mail_type)
        self.status = check.status
        self.items = check.items
        self.records = pulumi.Output.all(published, target).apply(lambda v: _published(v[0], v[1]))
        self.dkim_public_key = identity.dkim_public_key
        self.dkim_private_key = pulumi.Output.secret(identity.dkim_private_key)
        # Only the short ones in the state: the file backend rewrites the whole state at every step, so what
        # a component repeats of its children (items, records, keys) would be written N times per `up`.
        self.register_outputs({"domain": self.domain, "mail_type": self.mail_type, "status": self.status})

    def wait_for(self, resources: Sequence[pulumi.Resource]) -> None:
        """Start the verification only once these resources exist: the records another Pulumi provider
        publishes for an ExternalDns target. Call it in the program's body, before it ends."""
        self._waits.extend(resources)


def _verification_opts(
    child: pulumi.ResourceOptions, records: DnsRecords | None, waited: asyncio.Future[Any]
) -> pulumi.ResourceOptions:
    """The verification depends on its own records and those of `wait_for`."""

    async def everything() -> list[pulumi.Resource]:
        return [*(r for r in (records,) if r is not None), *await waited]

    return pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=asyncio.ensure_future(everything())))


def _plain_ledger(settings: Any, name: validate.Namer) -> LedgerSettings:
    if not isinstance(settings, LedgerSettings):
        raise ConfigError(name("backend"), "expected SqliteLedgerArgs, DynamoDbLedgerArgs or TencentLedgerArgs")
    values = list(plain_fields(settings).values())
    if not all(is_plain(v) for v in values):
        # The program reads the ledger before declaring anything (quota, protection): it must be known now.
        raise ConfigError(name("backend"), "the ledger settings must be plain values, not Outputs")
    return settings.validated(name)


def _spec(args: SenderDomainArgs, dns: Any, names: Names) -> pulumi.Output[DomainSpec]:
    values = {
        f: getattr(args, f) for f in ("domain", "type", "dmarc_policy", "dkim_selector", "dkim_key_bits", "adopt")
    }
    if all(is_plain(v) for v in values.values()) and isinstance(dns, DnsTarget):
        return pulumi.Output.from_input(check_spec(values, dns.zone, names.spec))  # checked now: fails at once
    return pulumi.Output.all(pulumi.Output.from_input(dns), pulumi.Output.all(**values)).apply(
        lambda v: run_checked(lambda: check_spec(v[1], v[0].zone, names.spec))
    )


def _verified(account: Any, domain: str, names: Names) -> bool:
    from dms_component.core.names import normalise_domain

    return account.verified(normalise_domain(domain, names.spec("domain")))


def _guide_checks(spec: DomainSpec, checks: ChecksArgs, names: Names) -> None:
    problem = subdomain_problem(spec.domain)
    if problem is not None and checks.subdomain == ERROR:
        raise pulumi.RunError(f"invalid sender domain: {names.spec('domain')}: {problem} (checks.subdomain is error)")
    if problem is not None and checks.subdomain == WARN:
        pulumi.log.warn(f"{names.spec('domain')}: {problem}")


def _preview_records(spec: DomainSpec, profile: Profile, ledger: LedgerSettings) -> list[dict[str, Any]]:
    preview = required_records(spec.domain, "", profile, spec.dkim_selector, spec.dmarc_policy)
    if ledger.decides_records:
        preview = [r for r in preview if r.item != "DKIM"]  # its host is the service's, known after create
    return _dicts(preview)


def _dicts(records: list[RequiredRecord]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in records]


def _published(records: list[dict[str, Any]] | None, target: DnsTarget) -> list[dict[str, Any]]:
    """The records as another DNS provider wants them: name relative to the zone, TXT strings, TTL."""
    return [RequiredRecord.from_dict(r).published(target.zone, int(target.ttl)) for r in records or []]


def _warn_pending(name: str, status: str | None, items: list[dict[str, Any]] | None) -> None:
    if status == PENDING:
        reasons = "; ".join(i["reason"] for i in items or [] if not i.get("ok"))
        pulumi.log.warn(f"{name} is pending verification: {reasons}")


def _warn_conflicts(name: str, found: list[str] | None) -> None:
    if found:
        pulumi.log.warn(f"{name}: email records this stack did not write are at its names: {'; '.join(found)}")


__all__ = ["SPEC_KEYS", "Names", "SenderDomain", "as_seen_here"]
