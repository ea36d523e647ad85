"""The quota and the triggered/batch rule as a Pulumi CrossGuard policy pack (see policy/ and docs/rules.md).

A platform team can enforce them on any stack that declares this project's SenderIdentity resources,
whether or not it uses our `__main__.py`. The checks themselves are the pure functions in core/rules.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dms_component.core.naming import Front, plain
from dms_component.core.rules import declared_twice, quota_plan
from dms_component.core.verdicts import VERIFIED

IDENTITY_TYPE = "pulumi-python:dynamic/dms:SenderIdentity"
PACK_NAME = "dms-sender-domains"


@dataclass(frozen=True)
class DeclaredIdentity:
    """What the policies read from a SenderIdentity's inputs."""

    urn: str
    domain: str
    mail_type: str
    ledger: Mapping[str, Any]
    front: Front | None = None  # how its program names its keys

    def name(self, path: str) -> str:
        return self.front.name(path) if self.front else plain(path)


def declared_identities(resources: Iterable[Any]) -> list[DeclaredIdentity]:
    """The SenderIdentity resources among a stack's resources (pulumi_policy PolicyResource objects)."""
    found = []
    for r in resources:
        if r.resource_type != IDENTITY_TYPE:
            continue
        props = r.props or {}
        domain, mail_type = props.get("domain"), props.get("mail_type")
        if isinstance(domain, str) and isinstance(mail_type, str):  # unknown at preview: nothing to judge
            given = props.get("ledger")
            ledger: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
            found.append(DeclaredIdentity(r.urn, domain, mail_type, ledger, Front.from_dict(props.get("front"))))
    return found


def type_separation_violations(identities: list[DeclaredIdentity]) -> list[str]:
    """A domain declared twice (by two resources), and above all for both triggered and batch mail: the
    component's own rule (core/rules.py), worded for the program of the second one."""
    first: dict[str, DeclaredIdentity] = {}
    violations = []
    for identity in sorted(identities, key=lambda i: (i.domain, i.urn)):  # the engine's order is not fixed
        if identity.domain not in first:
            first[identity.domain] = identity
            continue
        found = declared_twice(identity.domain, first[identity.domain].mail_type, identity.mail_type)
        violations.append(found.line(identity.name))
    return violations


def quota_violation(
    identities: list[DeclaredIdentity],
    quota: int | None,
    verified_in: Callable[[Mapping[str, Any]], list[str]],
    read_ledger: bool = True,
) -> str | None:
    """The quota message when the stack's domains plus the ledger's verified ones don't fit, else None.

    `quota` from the policy config wins; without it each identity's own dms:ledger.quota is used (the smallest).
    """
    if not identities:
        return None
    if quota is None:
        # Numbers come through the engine's protobuf Struct as floats.
        quotas = [int(i.ledger["quota"]) for i in identities if isinstance(i.ledger.get("quota"), int | float)]
        if not quotas:
            return None
        quota = min(quotas)
    quota = int(quota)
    verified: set[str] = set()
    if read_ledger:
        ledgers = {repr(sorted(i.ledger.items())): i.ledger for i in identities if i.ledger}
        for settings in ledgers.values():
            try:
                verified.update(verified_in(settings))
            except Exception as exc:  # fail closed: a quota that can't be checked is not passed
                return f"quota: can't read the ledger to check the quota: {exc}"
    # The engine reports resources in no fixed order: sort, so the message is the same every time.
    plan = quota_plan(sorted(i.domain for i in identities), verified, quota)
    if plan.ok:
        return None
    found = plan.finding()
    return found.line(identities[0].name)


def ledger_verified(settings: Mapping[str, Any]) -> list[str]:
    """The verified domains of the ledger named by a SenderIdentity's `ledger` input."""
    from dms_component.providers.adapters.ledger import open_ledger

    # A relative sqlite path is taken from the working directory: the CLI runs the pack in the project folder.
    return [e.domain for e in open_ledger(dict(settings)).entries() if e.status == VERIFIED]


def build_pack() -> None:
    """Start the policy pack's analyzer server (this blocks: the engine talks to it over gRPC)."""
    from pulumi_policy import (
        EnforcementLevel,
        PolicyConfigSchema,
        PolicyPack,
        ReportViolation,
        StackValidationArgs,
        StackValidationPolicy,
    )

    def check_quota(args: StackValidationArgs, report: ReportViolation) -> None:
        config = args.get_config()
        message = quota_violation(
            declared_identities(args.resources),
            config.get("quota"),
            ledger_verified,
            read_ledger=config.get("readLedger", True),
        )
        if message:
            report(message, None)  # about the stack, not one resource

    def check_types(args: StackValidationArgs, report: ReportViolation) -> None:
        for message in type_separation_violations(declared_identities(args.resources)):
            report(message, None)  # about the stack, not one resource

    PolicyPack(
        name=PACK_NAME,
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=[
            StackValidationPolicy(
                name="sender-domain-quota",
                description="At most `quota` verified sender domains per account: the stack's plus the ledger's.",
                validate=check_quota,
                config_schema=PolicyConfigSchema(
                    properties={
                        "quota": {"type": "integer", "minimum": 1},
                        "readLedger": {"type": "boolean"},
                    }
                ),
            ),
            StackValidationPolicy(
                name="separate-triggered-and-batch-domains",
                description="One sender domain is used for triggered or for batch mail, never both.",
                validate=check_types,
            ),
        ],
    )
