"""RetiredDomains: a retired sender domain's mark, while its entry stays in the program.

It writes no DNS. Its create releases the domain's ledger row from this stack (the owner is
forgotten), so the domain may later leave the program without the removal being refused. The
domain's other resources are then unprotected and retained on delete: Pulumi forgets them,
and records and ledger row stay.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, UpdateResult

from dms_component.providers.resources.base import (
    DmsResourceProvider,
    changed_keys,
    ledger_from,
    provider_moved,
)
from dms_component.providers.resources.context import LedgerContext


def _release(props: dict[str, Any]) -> None:
    """A retired domain belongs to no stack any more: its entry may then leave dms:domains."""
    if props.get("ledger") and props["ledger"].get("backend") != "tencent":  # the service keeps no owner
        ledger = ledger_from(props)
        for domain in props.get("domains") or []:
            ledger.release(domain)


class RetiredDomainsProvider(DmsResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        _release(props)
        return CreateResult("retired:" + ",".join(props.get("domains") or []), props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changes = changed_keys(olds, news, ("domains", "ledger")) + provider_moved(olds, news)
        return DiffResult(changes=bool(changes), replaces=[])

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _release(news)
        return UpdateResult(news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None  # a list, nothing more: the domains themselves are never touched from here


class RetiredDomains(Resource, module="dms", name="RetiredDomains"):
    domains: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        *,
        domains: Any,
        context: LedgerContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "domains": domains,
            "ledger": context.ledger,
            "ledger_credential": context.credential_input(),
            "front": context.front,
        }
        super().__init__(RetiredDomainsProvider(), name, props, context.options(opts))
