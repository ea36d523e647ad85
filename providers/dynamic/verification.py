"""Verification: check the published records, then mark the domain verified under the quota."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dms_component.core.nameservers import Nameserver
from dms_component.core.records import RequiredRecord
from dms_component.core.verdicts import PENDING, VERIFIED, DomainVerdict
from providers.dynamic.base import DmsProvider, changed_keys, ledger_from
from providers.resolver import authoritative_servers
from providers.verifier import verify_once, verify_until

_INPUTS = ("domain", "records", "nameservers", "ledger")


def _servers(props: dict[str, Any]) -> list[Nameserver]:
    given = [Nameserver.parse(s) for s in props.get("nameservers") or []]
    return given or list(authoritative_servers(props["domain"]))


def _required(props: dict[str, Any]) -> list[RequiredRecord]:
    return [RequiredRecord.from_dict(r) for r in props["records"]]


def _outs(props: dict[str, Any], verdict: DomainVerdict, status: str) -> dict[str, Any]:
    return {**props, "status": status, "items": [i.to_dict() for i in verdict.items]}


class VerificationProvider(DmsProvider):
    def _verify(self, props: dict[str, Any]) -> dict[str, Any]:
        verdict = verify_until(props["domain"], _required(props), _servers(props), float(props["timeout"]))
        status = PENDING
        if verdict.status == VERIFIED:
            status = ledger_from(props).mark_verified(props["domain"]).status
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
        verdict = verify_once(props["domain"], _required(props), _servers(props))
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
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            VerificationProvider(),
            name,
            {
                "domain": domain,
                "records": records,
                "nameservers": nameservers,
                "timeout": timeout,
                "ledger": ledger,
                "status": None,
                "items": None,
            },
            opts,
        )
