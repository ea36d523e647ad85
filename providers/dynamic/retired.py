"""RetiredDomains: the stack's list of retired sender domains, kept in state while there is one.

It writes nothing. Declaring it makes the engine configure the dynamic-provider process with the
current stack config in the same run, so the deletes of a retired domain's resources see
`retire: true` (DmsProvider.retired) and leave records and ledger row alone. Without any dynamic
resource declared, the engine would run those deletes with the config of the previous run.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, UpdateResult

from providers.dynamic.base import DmsProvider, ledger_from


def _release(props: dict[str, Any]) -> None:
    """A retired domain belongs to no stack any more: its entry may then leave dms:domains."""
    if props.get("ledger") and props["ledger"].get("backend") != "tencent":  # the service keeps no owner
        ledger = ledger_from(props)
        for domain in props.get("domains") or []:
            ledger.release(domain)


class RetiredDomainsProvider(DmsProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        _release(props)
        return CreateResult("retired-sender-domains", props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=any(olds.get(k) != news.get(k) for k in ("domains", "ledger")), replaces=[])

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
        domains: list[str],
        ledger: dict[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(RetiredDomainsProvider(), name, {"domains": domains, "ledger": ledger}, opts)
