"""DnsRecords: the sender domain's records, written through its DNS provider.

Before the first write (at preview too) it reads what is already at our names: email records
this stack did not write are conflicts, refused unless the domain says `adopt: true`.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dms_component.core.changes import Plan, Spf, satisfied, to_read, to_verify
from dms_component.core.errors import PlanRefused, clipped, setting
from dms_component.core.plan_view import plan_lines, render_plan
from dms_component.core.records import RequiredRecord
from dms_component.core.rules import ERROR
from dms_component.core.service_records import FAILED, service_views
from dms_component.core.verdicts import refuses
from dms_component.providers.adapters.dns import DnsHost, dns_host
from dms_component.providers.adapters.ledger import ledger_settings
from dms_component.providers.adapters.progress import emit
from dms_component.providers.adapters.resolver import Servers
from dms_component.providers.adapters.verifier import judge_planned
from dms_component.providers.resources.base import (
    DmsResourceProvider,
    changed_keys,
    ledger_from,
    pause_point,
    provider_moved,
    servers_asked,
)
from dms_component.providers.resources.context import LedgerContext

_TARGET = ("provider", "server", "zone", "hosted_zone_id", "endpoint")


def _records(props: dict[str, Any], key: str = "records") -> list[RequiredRecord]:
    return [RequiredRecord.from_dict(r) for r in props.get(key) or []]


def _provider(props: dict[str, Any]) -> DnsHost:
    # This process lives for one Pulumi operation: a check's read can serve the create after it.
    return dns_host(props["dns"], props.get("credential"), reuse_reads=True)


def _known(value: Any) -> bool:
    """False while a value is still unknown at preview (the engine's sentinel, not a list)."""
    return isinstance(value, list) and all(isinstance(r, dict) for r in value)


def _keys_kept(preview: list[RequiredRecord], owned: list[RequiredRecord]) -> list[RequiredRecord]:
    """At preview, while the DKIM keys are being made or rotated (not known yet): our DKIM records stay as
    they are, rather than shown replaced by a placeholder (the identity's preview names a new key's record)."""
    kept = [r for r in owned if r.item == "DKIM"]
    if not kept or not any(r.item == "DKIM" for r in preview):
        return preview
    return [r for r in preview if r.item != "DKIM"] + kept


def refuse_conflicts(domain: str, plan: Plan, severity: str, adopt: bool) -> None:
    """Foreign email records at our names stop the deployment unless adopted or the check is relaxed."""
    if plan.conflicts and severity == ERROR and not adopt:
        found = "; ".join(c.describe() for c in plan.conflicts)
        raise PlanRefused(
            plan.conflicts[0].code,
            f"{domain} already has email records this stack did not write: {found}. Remove them, or set"
            f" {setting('adopt')} to true to replace them with ours, or set {setting('checks.existing_email_dns')}"
            " to warn",
        )


def refuse_unverifiable(domain: str, desired: list[RequiredRecord], plan: Plan, servers: Servers | None) -> None:
    """Never write what would stay Pending: the verifier's own check runs on each item the plan leaves
    with more than our record (a merged SPF record, foreign records kept), and a sure failure stops it.
    A lookup that fails now (temperror) is not sure: the verifier will say what it finds."""
    for item in judge_planned(domain, to_verify(desired, plan), servers):
        if not refuses(item):
            continue
        planned = dict(plan.planned).get(next((r.host, r.rtype) for r in desired if r.item == item.item), ())
        held = clipped("; ".join(repr(v) for v in planned) or "nothing", 200)
        raise PlanRefused(
            item.code,
            f"{domain}: after this change {item.host} would hold {held} and verification would fail:"
            f" {item.reason}; change the record at {item.host} first (nothing was written)",
        )


def judge_by_service(props: dict[str, Any], plan: Plan) -> None:
    """Where the service decides the records and checks them itself (tencent): for each item where this
    stack publishes something else on purpose (a merged SPF record, another DMARC policy), say how the
    service judges it; refuse what its last check already failed, which no rerun would change."""
    domain, ledger = props["domain"], props.get("ledger")
    if not isinstance(ledger, dict) or not ledger_settings(ledger).decides_records:
        return
    entry = ledger_from(props).get(domain)
    if entry is None or not entry.service_attributes:
        return  # not made yet: the service's records are known only once it makes the domain
    for view in service_views(domain, entry.service_attributes, dict(plan.planned)):
        if not view.differs:
            continue
        emit(f"{domain}: {view.line()}")
        if view.verdict == FAILED:
            way_out = (
                f"set {setting('dmarc_policy')} to the service's policy, or remove it"
                if view.item == "DMARC"
                else f"publish the service's value at {view.host}"
            )
            raise PlanRefused(
                "tencent.service-rejects",
                f"{domain}: {view.line()}, so it would stay pending: {way_out}, or ask Tencent Cloud support"
                " (nothing was written)",
            )


def _sync(provider: DnsHost, props: dict[str, Any], owned: list[RequiredRecord], spf: Spf) -> Plan:
    adopt = bool(props.get("adopt"))

    def accept(plan: Plan) -> None:
        refuse_conflicts(props["domain"], plan, props.get("conflicts_check", ERROR), adopt)

    # Not waiting until the change is served everywhere: the Verification does, so this thread is
    # free for the next domain's records and all of them are written before anyone waits.
    return provider.sync(owned, _records(props), spf, adopt, accept, settle=False)


def _outs(props: dict[str, Any], plan: Plan) -> dict[str, Any]:
    return {
        **props,
        "spf": plan.spf.to_dict(),
        "conflicts": [c.describe() for c in plan.conflicts],
        "change": plan.applied,
    }


class DnsRecordsProvider(DmsResourceProvider):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        # Runs at preview: read our names now so a conflict, or a change the verifier would fail,
        # stops before anything is written. The second holds even with existingEmailDns: off.
        if _known(news.get("preview_records")):
            desired = news["records"] if _known(news.get("records")) else news["preview_records"]
            owned = _records(olds) if olds else []
            provider = _provider(news)
            wanted = [RequiredRecord.from_dict(r) for r in desired]
            if not _known(news.get("records")):
                wanted = _keys_kept(wanted, owned)
            plan = provider.plan(owned, wanted, Spf.from_dict(olds.get("spf")), bool(news.get("adopt")))
            # The record-level plan, DNSControl style; shown live in preview's output, before any write.
            for line in render_plan(news["domain"], plan_lines(wanted, owned, plan)):
                emit(line)
            refuse_conflicts(news["domain"], plan, news.get("conflicts_check", ERROR), bool(news.get("adopt")))
            refuse_unverifiable(news["domain"], wanted, plan, servers_asked(news))
            if _known(news.get("records")):
                judge_by_service(news, plan)
        return CheckResult(news, [])

    def create(self, props: dict[str, Any]) -> CreateResult:
        plan = _sync(_provider(props), props, [], Spf())
        pause_point("dns-written")
        return CreateResult(f"{props['domain']}/records", _outs(props, plan))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Never a replace: on one server, create-then-delete would delete what was just written.
        keys = ("domain", "records", "dns", "credential", "ledger", "ledger_credential", "adopt", "conflicts_check")
        return DiffResult(changes=bool(changed_keys(olds, news, keys) + provider_moved(olds, news)), replaces=[])

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        spf = Spf.from_dict(olds.get("spf"))
        if changed_keys(olds["dns"], news["dns"], _TARGET):
            # Moving to another DNS host or zone: write there first, then give back what we had here.
            plan = _sync(_provider(news), news, [], Spf())
            _provider(olds).sync(_records(olds), [], spf, settle=False)
        else:
            plan = _sync(_provider(news), news, _records(olds), spf)
        pause_point("dns-rewritten")
        return UpdateResult(_outs(news, plan))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Report only what is really published, so drift shows in refresh and `up` repairs it.
        desired = _records(props)
        existing = _provider(props).read(to_read(desired))
        kept = [r.to_dict() for r in satisfied(desired, existing)]
        return ReadResult(id_, {**props, "records": kept})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        ledger_from(props).ensure_removable(props["domain"])
        _provider(props).sync(_records(props), [], Spf.from_dict(props.get("spf")), settle=False)


class DnsRecords(Resource, module="dms", name="DnsRecords"):
    records: pulumi.Output[list[dict[str, Any]]]
    conflicts: pulumi.Output[list[str]]
    change: pulumi.Output[str | None]  # the DNS host's name for the last change, until it is served

    def __init__(
        self,
        name: str,
        *,
        domain: Any,
        records: Any,
        preview_records: Any,
        dns: Any,
        credential: Any,
        context: LedgerContext,
        adopt: Any = False,
        conflicts_check: str = ERROR,
        nameservers: pulumi.Input[list[str]] | None = None,
        public_zone: Any = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["credential"]))
        opts = context.options(opts)
        super().__init__(
            DnsRecordsProvider(),
            name,
            {
                "domain": domain,
                "records": records,
                "preview_records": preview_records,
                "dns": dns,
                "credential": credential,  # the DNS host's secret (TSIG or API key), if it has one
                "ledger": context.ledger,
                "ledger_credential": context.credential_input(),
                "adopt": adopt,
                "conflicts_check": conflicts_check,
                "nameservers": nameservers,  # those the verification asks: the check at preview asks them too
                "front": context.front,  # how the program names its keys, for the refusals of this resource's calls
                "public_zone": public_zone,  # and the zone whose NS set it asks besides
                "spf": None,
                "conflicts": None,
                "change": None,
            },
            opts,
        )
