"""SenderDomain: one sender domain from a few typed inputs to Verified, with every rule of the service."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

import pulumi

from dms_component import addresses, dkim_keys
from dms_component.account import Declared, Program, read_entries, stack_owner, worded_finding
from dms_component.args import (
    DkimKeyOutput,
    DomainSpec,
    ItemOutput,
    Normalised,
    RecordOutput,
    SenderDomainArgs,
    front_for,
    normalise,
    run_checked,
)
from dms_component.core import dkim_rotation
from dms_component.core.errors import ConfigError
from dms_component.core.naming import PYTHON, Front
from dms_component.core.records import Profile, RequiredRecord, required_records
from dms_component.core.rules import ERROR, WARN, subdomain
from dms_component.core.service_records import records_from_attributes
from dms_component.core.verdicts import PENDING
from dms_component.providers.adapters.dns.base import DnsTarget
from dms_component.providers.adapters.ledger.base import LedgerSettings
from dms_component.providers.adapters.settings import given
from dms_component.providers.resources.identity import SenderIdentity
from dms_component.providers.resources.records import DnsRecords
from dms_component.providers.resources.retired import RetiredDomains
from dms_component.providers.resources.verification import Verification


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
    dkim_selector: pulumi.Output[str]  # the active DKIM key's
    dkim_public_key: pulumi.Output[str]
    dkim_private_key: pulumi.Output[str]  # a Pulumi secret
    dkim_keys: pulumi.Output[list[DkimKeyOutput]]  # active, pending and retiring keys (sqlite, dynamodb ledgers)
    smtp_passwords: pulumi.Output[dict[str, str]]  # a Pulumi secret: address -> SMTP password (given or generated)

    def __init__(
        self,
        name: str,
        args: SenderDomainArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        front: Front | None = None,
        owner: str | None = None,
        program: Program | None = None,
    ) -> None:
        """`front`, `owner` and `program` are for the other front ends (stack config, the `dms` package): how they
        name the keys, the stack's identity, and the run whose domains share the account's rules (by default the
        run this SenderDomain is declared in)."""
        super().__init__("dms:index:SenderDomain", name, None, opts)
        front = front or front_for(PYTHON, name, args)
        self._name, self._owner = name, owner or stack_owner()
        self._program = program or Program.of_this_run()
        self._waits: list[pulumi.Resource] = []
        try:
            given = normalise(args, front)
            # The sender addresses are checked before anything is declared: a mistake writes nothing.
            self._senders = addresses.checked(args.senders, given.known_domain, front)
            self._build(given)
        except ConfigError as exc:
            # One line, no traceback, before anything is written.
            raise pulumi.RunError(f"invalid sender domain: {front.at(exc.worded(front.name))}") from None

    def _build(self, given: Normalised) -> None:
        """The steps, in order. Each reads the normalised args and what the steps before it kept on self: the
        target (_preflight), the rules' gate, `protect` and the children's options (_declare), the identity, the
        records and what is published (_records), the verification. A new step is a method called here."""
        self._preflight(given)
        self._declare(given)
        self._identity(given)
        self._records(given)
        self._verification(given)
        self._addresses(given)
        self._outputs(given)

    def _preflight(self, given: Normalised) -> None:
        """What needs this machine, not only the values (a key file is readable): the program's run, not the CLI's."""
        front, name = given.front, given.front.namer("dns")

        def preflighted(target: DnsTarget) -> DnsTarget:
            target.preflight(name)
            return target

        if isinstance(given.dns, DnsTarget):
            self._target = pulumi.Output.from_input(preflighted(given.dns))
        else:
            self._target = given.dns.apply(lambda t: run_checked(lambda: preflighted(t), front))

    def _declare(self, given: Normalised) -> None:
        """The account's rules (quota, one type per domain, the guide's recommendations), and whether the ledger
        says the domain is verified (then its verification is protected)."""
        front, spec = given.front, pulumi.Output.from_input(given.spec)
        account = self._program.account(given.ledger, lambda settings: read_entries(settings, front))
        domain = pulumi.Output.from_input(given.domain)
        declared = account.declare(Declared(domain, spec.apply(lambda s: s.mail_type), front))
        # A retired domain is not managed any more: no recommendation applies to it.
        severity = "off" if given.retire else given.checks.subdomain
        self._rules = pulumi.Output.all(declared, spec).apply(lambda v: _guide_checks(v[1], severity, front))
        # A verified domain can never be deleted: the engine refuses at preview to delete a protected
        # resource, `pulumi destroy` included. The ledger says which are verified (a domain known only
        # later, from an Output, relies on the refusal at its delete step). Only the verification is
        # protected: it depends on the records and they on the identity, so neither is deleted before it,
        # and the `up` after the first verification rewrites one resource's options, not three.
        self._verified = account.verified(given.known_domain) if given.known_domain else False
        # Retired: its children are retained on delete, so Pulumi forgets them, deleting nothing.
        self._child = pulumi.ResourceOptions(parent=self, retain_on_delete=given.retire)
        if given.retire:
            RetiredDomains(
                f"{self._name}/retired", domains=domain.apply(lambda d: [d]), context=given.context, opts=self._child
            )

    def _identity(self, given: Normalised) -> None:
        """The ledger entry and the DKIM key; the rules gate its first write (a refused domain registers nothing)."""
        spec, retire, owner = pulumi.Output.from_input(given.spec), given.retire, self._owner
        selector = given.profile.default_selector
        asked = pulumi.Output.from_input(given.servers)
        self.identity = SenderIdentity(
            f"{self._name}/identity",
            domain=pulumi.Output.from_input(given.domain),
            mail_type=spec.apply(lambda s: s.mail_type),
            dkim_key_bits=spec.apply(lambda s: s.dkim_key_bits),
            context=given.context,
            owner=self._rules.apply(lambda _: None if retire else owner),
            dkim_selector=spec.apply(lambda s: s.dkim_selector or selector),
            # When our key rotates, and where a new key is verified before it becomes active (dkim_keys.py).
            dkim_rotation=spec.apply(lambda s: s.dkim_rotation),
            dkim_max_key_age_days=spec.apply(lambda s: s.dkim_max_key_age_days),
            dkim_overlap_days=spec.apply(lambda s: s.dkim_overlap_days),
            nameservers=asked.apply(lambda a: a[0]),
            public_zone=asked.apply(lambda a: a[1]),
            opts=self._child,
        )

    def _records(self, given: Normalised) -> None:
        """The records to publish, written by DnsRecords unless another Pulumi provider publishes them."""
        spec, profile, identity = pulumi.Output.from_input(given.spec), given.profile, self.identity
        if not given.ledger.decides_records:
            # Every published key's DKIM record (a rotation's pending and retiring keys besides the active one).
            wanted = pulumi.Output.all(spec, identity.dkim_public_key, identity.dkim_keys).apply(
                lambda v: _dicts(
                    dkim_keys.published(
                        required_records(v[0].domain, v[1], profile, v[0].dkim_selector, v[0].dmarc_policy),
                        v[0].domain,
                        v[2],
                    )
                )
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
        self.dns_records: DnsRecords | None = None
        self._published, self._change = wanted, None
        if not given.writes_records:
            return
        asked = pulumi.Output.from_input(given.servers)
        records = self.dns_records = DnsRecords(
            f"{self._name}/records",
            domain=pulumi.Output.from_input(given.domain),
            records=wanted,
            # The same names with a placeholder key: known at preview, so conflicts are found before any write.
            preview_records=spec.apply(lambda s: _preview_records(s, profile, given.ledger)),
            dns=self._target.apply(lambda t: t.state()),
            credential=pulumi.Output.secret(self._target.apply(lambda t: t.credential())),
            context=given.context,
            adopt=spec.apply(lambda s: s.adopt),
            conflicts_check=given.checks.existing_email_dns,
            # The check at preview judges a merged SPF record with the verification's servers.
            nameservers=asked.apply(lambda a: a[0]),
            public_zone=asked.apply(lambda a: a[1]),
            opts=self._child,
        )
        name = self._name
        records.conflicts.apply(lambda found: _warn_conflicts(name, found))
        self._program.records.append(records)
        self._published, self._change = records.records, records.change

    def _verification(self, given: Normalised) -> None:
        """The check that every record is served, once every domain's records are written and the resources of
        `wait_for` exist; protected once the ledger says verified."""
        program = self._program
        # Every domain's records are written before any verification holds one of the provider's few
        # threads while it polls (see Program.records_barrier).
        checked = pulumi.Output.all(self._published, program.records_written()).apply(lambda v: v[0])
        if not given.ledger.decides_records:
            checked = checked.apply(_active_key_only)  # a rotation's other keys: dkim_candidates
        # What `wait_for` names, known once the program's body has run (when the barrier closes).
        waited: asyncio.Future[list[pulumi.Resource]] = asyncio.get_event_loop().create_future()

        def settle() -> None:
            if not waited.done():
                waited.set_result(list(self._waits))

        program.waits.append(settle)
        protect = pulumi.ResourceOptions(protect=self._verified and not given.retire)
        guarded = pulumi.ResourceOptions.merge(self._child, protect)
        asked = pulumi.Output.from_input(given.servers)
        self.verification = Verification(
            f"{self._name}/verification",
            domain=pulumi.Output.from_input(given.domain),
            records=checked,
            # Unless told which servers: the primary we write to and the zone's public NS set (RFC 2136),
            # else the zone's authoritative servers, found from its NS records.
            nameservers=asked.apply(lambda a: a[0]),
            public_zone=asked.apply(lambda a: a[1]),
            timeout=given.verification.timeout,
            context=given.context,
            # A message signed with our own key, checked against the published key; the service's key
            # (tencent) is not ours. The key itself stays in the identity.
            dkim_probe=None if given.ledger.decides_records else self.identity.dkim_probe,
            dns=self._target.apply(lambda t: t.state()) if given.writes_records else None,
            change=self._change,
            retired=given.retire,
            dkim_candidates=None
            if given.ledger.decides_records
            else pulumi.Output.all(given.domain, self.identity.dkim_keys, self.identity.dkim_probes).apply(
                lambda v: dkim_keys.candidates(*v)
            ),
            opts=_verification_opts(guarded, self.dns_records, waited),
        )
        name = self._name
        pulumi.Output.all(self.verification.status, self.verification.items).apply(lambda v: _warn_pending(name, *v))

    def _addresses(self, given: Normalised) -> None:
        """The sender addresses (addresses.py), made after the verification (its status is their input), so also
        deleted before it; retained on delete with a retired domain."""
        spec = pulumi.Output.from_input(given.spec)
        self.addresses = addresses.declare(
            self, self._name, self._senders, given=given, mail_type=spec.apply(lambda s: s.mail_type),
            status=self.verification.status, owner=self._owner, program=self._program,
        )  # fmt: skip
        self.smtp_passwords = addresses.smtp_passwords(self.addresses)

    def _outputs(self, given: Normalised) -> None:
        self.retire = given.retire  # its children are retained on delete: Pulumi forgets them, deleting nothing
        self.domain = pulumi.Output.from_input(given.domain)
        self.mail_type = pulumi.Output.from_input(given.spec).apply(lambda s: s.mail_type)
        self.status = self.verification.status
        self.items = cast(pulumi.Output[list[ItemOutput]], self.verification.items)  # the verdicts' to_dict()
        self.records = pulumi.Output.all(self._published, self._target).apply(lambda v: _published(v[0], v[1]))
        overlap = pulumi.Output.from_input(given.spec).apply(lambda s: s.dkim_overlap_days)
        ours = not given.ledger.decides_records
        keys = dkim_keys.shown(self.identity, self.verification.dkim_verified, overlap, self._published, ours)
        self.dkim_selector, self.dkim_keys = keys.selector, keys.keys
        self.dkim_public_key, self.dkim_private_key = keys.public_key, keys.private_key
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


def _guide_checks(spec: DomainSpec, severity: str, front: Front) -> None:
    found = subdomain(spec.domain, severity)
    if found is not None and found.severity == ERROR:
        raise pulumi.RunError(f"invalid sender domain: {worded_finding(found, front)}")
    if found is not None and found.severity == WARN:
        pulumi.log.warn(worded_finding(found, front))


def _preview_records(spec: DomainSpec, profile: Profile, ledger: LedgerSettings) -> list[dict[str, Any]]:
    preview = required_records(spec.domain, "", profile, spec.dkim_selector, spec.dmarc_policy)
    if ledger.decides_records:
        preview = [r for r in preview if r.item != "DKIM"]  # its host is the service's, known after create
    return _dicts(preview)


def _active_key_only(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _dicts(dkim_rotation.active_only([RequiredRecord.from_dict(r) for r in records]))


def _dicts(records: list[RequiredRecord]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in records]


def _published(records: list[dict[str, Any]] | None, target: DnsTarget) -> list[RecordOutput]:
    """The records as another DNS provider wants them: name relative to the zone, TXT strings, TTL."""
    zone = given(target.zone, "zone")
    return [cast(RecordOutput, RequiredRecord.from_dict(r).published(zone, target.ttl)) for r in records or []]


def _warn_pending(name: str, status: str | None, items: list[dict[str, Any]] | None) -> None:
    if status == PENDING:
        reasons = "; ".join(i["reason"] for i in items or [] if not i.get("ok"))
        pulumi.log.warn(f"{name} is pending verification: {reasons}")


def _warn_conflicts(name: str, found: list[str] | None) -> None:
    if found:
        pulumi.log.warn(f"{name}: email records this stack did not write are at its names: {'; '.join(found)}")


__all__ = ["SenderDomain"]
