"""Verification: check the published records, then mark the domain verified under the quota."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dms_component.core.nameservers import Nameserver
from dms_component.core.records import RequiredRecord
from dms_component.core.verdicts import PENDING, VERIFIED, DomainVerdict
from providers.dns import dns_provider
from providers.dynamic.base import DmsProvider, changed_keys, ledger_from, pause_point
from providers.verifier import verify_once, verify_until

_INPUTS = ("domain", "records", "nameservers", "ledger", "dkim_private_key")


def _servers(props: dict[str, Any]) -> list[Nameserver] | None:
    """The servers to ask; None: each name's authoritative servers, found when asked."""
    return [Nameserver.parse(s) for s in props.get("nameservers") or []] or None


def _key(props: dict[str, Any]) -> str | None:
    # The private key signs a probe message, checked against the published key (never logged).
    return props.get("dkim_private_key") or None


def _required(props: dict[str, Any]) -> list[RequiredRecord]:
    return [RequiredRecord.from_dict(r) for r in props["records"]]


def _outs(props: dict[str, Any], verdict: DomainVerdict, status: str) -> dict[str, Any]:
    return {**props, "status": status, "items": [i.to_dict() for i in verdict.items]}


class VerificationProvider(DmsProvider):
    def _verify(self, props: dict[str, Any]) -> dict[str, Any]:
        if props.get("change"):  # the records' change, until the DNS host serves it from all its servers
            dns_provider(props["dns"], None).wait_served(props["change"])
        verdict = verify_until(
            props["domain"], _required(props), _servers(props), float(props["timeout"]), dkim_private_key=_key(props)
        )
        status = PENDING
        if verdict.status == VERIFIED:
            status = ledger_from(props).mark_verified(props["domain"]).status
            pause_point("marked-verified")
        return _outs(props, verdict, status)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['domain']}/verification", self._verify(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Until the domain is verified and every item passes, each `up` checks again.
        settled = olds.get("status") == VERIFIED and all(i.get("ok") for i in olds.get("items") or [])
        changes = changed_keys(olds, news, _INPUTS)
        return DiffResult(changes=bool(changes) or not settled, replaces=[])

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._verify(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Refresh checks once more; a verified domain stays verified in the service.
        verdict = verify_once(props["domain"], _required(props), _servers(props), dkim_private_key=_key(props))
        entry = ledger_from(props).get(props["domain"])
        status = VERIFIED if entry is not None and entry.status == VERIFIED else PENDING
        return ReadResult(id_, _outs(props, verdict, status))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        ledger_from(props).ensure_removable(props["domain"])


class Verification(Resource, module="dms", name="Verification"):
    status: pulumi.Output[str]
    items: pulumi.Output[list[dict[str, Any]]]

    def __init__(
        self,
        name: str,
        *,
        domain: str,
        records: Any,
        nameservers: list[str],
        timeout: float,
        ledger: dict[str, Any],
        dkim_private_key: Any = None,
        dns: dict[str, Any] | None = None,
        change: Any = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`dns` and `change`: where the records were written and that host's name for the change
        (Route53's change id), waited on before the first check; neither carries a secret."""
        # The key comes in as a secret input; its copy among the outputs must stay secret too.
        secret_key = pulumi.ResourceOptions(additional_secret_outputs=["dkim_private_key"])
        opts = pulumi.ResourceOptions.merge(opts, secret_key)
        if isinstance(ledger, pulumi.Output):
            # A ledger with a credential (tencent) comes as a Pulumi secret and stays one in state.
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["ledger"]))
        super().__init__(
            VerificationProvider(),
            name,
            {
                "domain": domain,
                "records": records,
                "nameservers": nameservers,
                "timeout": timeout,
                "ledger": ledger,
                "dkim_private_key": None if dkim_private_key is None else pulumi.Output.secret(dkim_private_key),
                "dns": dns,
                "change": change,
                "status": None,
                "items": None,
            },
            opts,
        )
