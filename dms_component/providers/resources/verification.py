"""Verification: check the published records, then mark the domain verified under the quota."""

from __future__ import annotations

import time
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dms_component.core.progress import pending_summary
from dms_component.core.records import RequiredRecord
from dms_component.core.verdicts import PENDING, VERIFIED, DomainVerdict
from dms_component.providers.adapters.dns import dns_host
from dms_component.providers.adapters.progress import emit, ticking, verdict_progress, wait_served
from dms_component.providers.adapters.verifier import verify_once, verify_until
from dms_component.providers.resources.base import (
    DmsResourceProvider,
    changed_keys,
    ledger_from,
    pause_point,
    provider_moved,
    servers_asked,
)
from dms_component.providers.resources.context import LedgerContext

# State written before the probe held the private key among the inputs ("dkim_private_key"): its going
# away is a change, so that `up` rewrites the verification without the key (it stays in the identity).
_INPUTS = ("domain", "records", "nameservers", "ledger", "ledger_credential", "dkim_private_key", "dkim_probe")


def _probe(props: dict[str, Any]) -> bytes | None:
    # A message the identity signed with the domain's private key: checked against the published key.
    probe = props.get("dkim_probe")
    return probe.encode("ascii") if isinstance(probe, str) and probe else None


def _required(props: dict[str, Any]) -> list[RequiredRecord]:
    return [RequiredRecord.from_dict(r) for r in props["records"]]


def _outs(props: dict[str, Any], verdict: DomainVerdict, status: str) -> dict[str, Any]:
    return {**props, "status": status, "items": [i.to_dict() for i in verdict.items]}


def _candidates_verified(props: dict[str, Any], deadline: float) -> list[str]:
    """The selectors of the pending DKIM keys (`dkim_candidates`: record and probe each) whose record verifies,
    with a message signed by that key, on the servers asked, within what is left of the timeout: the component
    makes such a key active in this same `up` (the identity makes it so in its own state at the next `up`)."""
    found = []
    for candidate in props.get("dkim_candidates") or []:
        record = RequiredRecord.from_dict(candidate["record"])
        probe = str(candidate["probe"]).encode("ascii")
        left = max(deadline - time.monotonic(), 0.0)
        verdict = verify_until(props["domain"], [record], servers_asked(props), left, dkim_probe=probe)
        if verdict.status == VERIFIED:
            found.append(str(candidate["selector"]))
            emit(f"{props['domain']}: the new DKIM key {candidate['selector']} verifies: it is active")
        else:
            emit(f"{props['domain']}: the new DKIM key {candidate['selector']} is pending: {verdict.items[0].reason}")
    return found


class VerificationProvider(DmsResourceProvider):
    def _verify(self, props: dict[str, Any]) -> dict[str, Any]:
        domain, timeout = props["domain"], float(props["timeout"])
        # What is printed here shows live in `pulumi up`: a line per domain while it waits (no secrets).
        if props.get("change"):  # the records' change, until the DNS host serves it from all its servers
            wait_served(domain, dns_host(props["dns"], None), props["change"], timeout)
        started = time.monotonic()
        asked = servers_asked(props)
        servers = asked.names()
        verdict = verify_until(
            domain,
            _required(props),
            asked,
            timeout,
            dkim_probe=_probe(props),
            progress=verdict_progress(timeout, servers),
        )
        status = PENDING
        if verdict.status == VERIFIED:
            ledger = ledger_from(props)
            limit = timeout if ledger.verify_timeout is None else ledger.verify_timeout
            with ticking(domain, "DNS checks pass; waiting for the service's own check", limit):
                status = ledger.mark_verified(domain).status
            pause_point("marked-verified")
        if status != VERIFIED and timeout > 0:
            emit(pending_summary(verdict, time.monotonic() - started, servers))
        return {**_outs(props, verdict, status), "dkim_verified": _candidates_verified(props, started + timeout)}

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['domain']}/verification", self._verify(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if news.get("retired"):
            return DiffResult(changes=False)  # retired: not managed any more, never checked again
        # Until the domain is verified and every item passes, each `up` checks again.
        settled = olds.get("status") == VERIFIED and all(i.get("ok") for i in olds.get("items") or [])
        changes = changed_keys(olds, news, _INPUTS) + provider_moved(olds, news)
        if (olds.get("dkim_candidates") or []) != (news.get("dkim_candidates") or []):
            changes.append("dkim_candidates")  # a new DKIM key to verify (none in a state from before rotation)
        return DiffResult(changes=bool(changes) or not settled, replaces=[])

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._verify(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Refresh checks once more; a verified domain stays verified in the service.
        verdict = verify_once(props["domain"], _required(props), servers_asked(props), dkim_probe=_probe(props))
        entry = ledger_from(props).get(props["domain"])
        status = VERIFIED if entry is not None and entry.status == VERIFIED else PENDING
        return ReadResult(id_, {**_outs(props, verdict, status), "dkim_verified": props.get("dkim_verified") or []})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        ledger_from(props).ensure_removable(props["domain"])


class Verification(Resource, module="dms", name="Verification"):
    status: pulumi.Output[str]
    items: pulumi.Output[list[dict[str, Any]]]
    dkim_verified: pulumi.Output[list[str]]  # the pending DKIM keys' selectors that verified in this check

    def __init__(
        self,
        name: str,
        *,
        domain: pulumi.Input[str],
        records: Any,
        nameservers: pulumi.Input[list[str]],
        timeout: float,
        context: LedgerContext,
        dkim_probe: Any = None,
        public_zone: Any = None,
        dns: pulumi.Input[dict[str, Any]] | None = None,
        change: Any = None,
        retired: bool = False,
        dkim_candidates: Any = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`dkim_candidates`: pending DKIM keys of a rotation, each {selector, record, probe}, checked after the
        domain's records (the domain's status does not depend on them).
        `dns` and `change`: where the records were written and that host's name for the change
        (Route53's change id), waited on before the first check; neither carries a secret.
        `dkim_probe`: the identity's DKIM-signed probe message (no secret: the key stays in the identity).
        `public_zone`: the zone whose NS set is asked besides `nameservers` (a primary written to)."""
        opts = context.options(opts)
        super().__init__(
            VerificationProvider(),
            name,
            {
                "domain": domain,
                "records": records,
                "nameservers": nameservers,
                "timeout": timeout,
                "ledger": context.ledger,
                "ledger_credential": context.credential_input(),
                "dkim_probe": dkim_probe,
                "public_zone": public_zone,
                "dns": dns,
                "change": change,
                "retired": retired,
                "front": context.front,  # how the program names its keys, for the refusals of this resource's calls
                "dkim_candidates": dkim_candidates,
                "status": None,
                "items": None,
                "dkim_verified": None,
            },
            opts,
        )
