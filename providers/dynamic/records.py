"""DnsRecords: the sender domain's records, written through its DNS provider."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dms_component.core.records import RequiredRecord
from providers.dns import dns_provider
from providers.dynamic.base import DmsProvider, changed_keys, ledger_from

_TARGET = ("provider", "server", "zone")


def _records(props: dict[str, Any]) -> list[RequiredRecord]:
    return [RequiredRecord.from_dict(r) for r in props.get("records") or []]


def _provider(props: dict[str, Any]):
    return dns_provider(props["dns"], props.get("tsig_secret"))


class DnsRecordsProvider(DmsProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        _provider(props).sync([], _records(props))
        return CreateResult(f"{props['domain']}/records", props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Never a replace: on one server, create-then-delete would delete what was just written.
        changes = changed_keys(olds, news, ("domain", "records", "dns", "tsig_secret", "ledger"))
        return DiffResult(changes=bool(changes), replaces=[])

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        if changed_keys(olds["dns"], news["dns"], _TARGET):
            # Moving to another DNS host or zone: write there first, then clean up here.
            _provider(news).sync([], _records(news))
            _provider(olds).sync(_records(olds), [])
        else:
            # A new TTL applies only to values written with it: write them all again.
            rewrite = olds["dns"].get("ttl") != news["dns"].get("ttl")
            _provider(news).sync(_records(olds), _records(news), rewrite=rewrite)
        return UpdateResult(news)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Report only what is really published, so drift shows in refresh and `up` repairs it.
        present = set(_provider(props).present(_records(props)))
        kept = [r.to_dict() for r in _records(props) if r in present]
        return ReadResult(id_, {**props, "records": kept})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        ledger_from(props).ensure_removable(props["domain"])
        _provider(props).sync(_records(props), [])


class DnsRecords(Resource, module="dms", name="DnsRecords"):
    records: pulumi.Output[list[dict[str, Any]]]

    def __init__(
        self,
        name: str,
        *,
        domain: str,
        records: Any,
        dns: dict[str, Any],
        tsig_secret: Any,
        ledger: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["tsig_secret"]))
        super().__init__(
            DnsRecordsProvider(),
            name,
            {
                "domain": domain,
                "records": records,
                "dns": dns,
                "tsig_secret": tsig_secret,
                "ledger": ledger,
            },
            opts,
        )
