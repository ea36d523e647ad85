"""Verification: check the published records, then mark the domain verified under the quota."""

from __future__ import annotations

import time
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dms_component.core.nameservers import Nameserver
from dms_component.core.progress import pending_summary
from dms_component.core.records import RequiredRecord
from dms_component.core.verdicts import PENDING, VERIFIED, DomainVerdict
from dms_component.providers.adapters.dns import dns_provider
from dms_component.providers.adapters.progress import emit, ticking, verdict_progress
from dms_component.providers.adapters.verifier import verify_once, verify_until
from dms_component.providers.resources.base import (
    DmsResourceProvider,
    changed_keys,
    ledger_from,
    pause_point,
    secret_credential,
)

_INPUTS = ("domain", "records", "nameservers", "ledger", "ledger_credential", "dkim_private_key")


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


_HOSTS = {"route53": "Route53", "dnspod": "DNSPod"}


class VerificationProvider(DmsResourceProvider):
    def _verify(self, props: dict[str, Any]) -> dict[str, Any]:
        domain, timeout = props["domain"], float(props["timeout"])
        # What is printed here shows live in `pulumi up`: a line per domain while it waits (no secrets).
        servers = list(props.get("nameservers") or []) or None
        if props.get("change"):  # the records' change, until the DNS host serves it from all its servers
            host = dns_provider(props["dns"], None)
            name = _HOSTS.get(props["dns"].get("provider"), "the DNS host")
            limit = float(getattr(host, "insync_timeout", timeout))
            with ticking(domain, f"waiting for {name} to serve the change on all its servers", limit):
                host.wait_served(props["change"])
        started = time.monotonic()
        verdict = verify_until(
            domain,
            _required(props),
            _servers(props),
            timeout,
            dkim_private_key=_key(props),
            progress=verdict_progress(timeout, servers),
        )
        status = PENDING
        if verdict.status == VERIFIED:
            ledger = ledger_from(props)
            limit = float(getattr(ledger, "verify_timeout", timeout))
            with ticking(domain, "DNS checks pass; waiting for the service's own check", limit):
                status = ledger.mark_verified(domain).status
            pause_point("marked-verified")
        if status != VERIFIED and timeout > 0:
            emit(pending_summary(verdict, time.monotonic() - started, servers))
        return _outs(props, verdict, status)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props['domain']}/verification", self._verify(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if news.get("retired"):
            return DiffResult(changes=False)  # retired: not managed any more, never checked again
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
        ledger_credential: Any = None,
        dkim_private_key: Any = None,
        dns: dict[str, Any] | None = None,
        change: Any = None,
        retired: bool = False,
        front: dict[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`dns` and `change`: where the records were written and that host's name for the change
        (Route53's change id), waited on before the first check; neither carries a secret."""
        # The key comes in as a secret input; its copy among the outputs must stay secret too.
        secret_key = pulumi.ResourceOptions(additional_secret_outputs=["dkim_private_key"])
        opts = pulumi.ResourceOptions.merge(opts, secret_key)
        opts = secret_credential(opts, ledger_credential)
        super().__init__(
            VerificationProvider(),
            name,
            {
                "domain": domain,
                "records": records,
                "nameservers": nameservers,
                "timeout": timeout,
                "ledger": ledger,
                "ledger_credential": ledger_credential,
                "dkim_private_key": None if dkim_private_key is None else pulumi.Output.secret(dkim_private_key),
                "dns": dns,
                "change": change,
                "retired": retired,
                "front": front,  # how the program names its keys, for the refusals of this resource's calls
                "status": None,
                "items": None,
            },
            opts,
        )
