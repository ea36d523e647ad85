"""SenderIdentity: the sender domain's entry in the ledger, its DKIM key pair, and the signed probe.

The probe is a fixed message DKIM-signed with the private key (not secret): the verification checks it
against the published key as a receiver would, so the key itself lives in this resource only.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dms_component.core import dkim
from dms_component.core.service_records import dkim_key_of, records_from_attributes
from dms_component.providers.adapters import dkim_keys
from dms_component.providers.adapters.ledger import ledger_settings
from dms_component.providers.adapters.ledger.base import VERIFIED, LedgerBackend, unchangeable
from dms_component.providers.adapters.ledger.tencent import DKIM_OPTIONS, TencentLedger
from dms_component.providers.adapters.progress import emit
from dms_component.providers.resources.base import (
    DmsResourceProvider,
    changed_keys,
    ledger_from,
    pause_point,
    provider_moved,
)
from dms_component.providers.resources.context import LedgerContext

STATE_KEYS = ("Type", "SendDomain", "ExpectedValue")  # what the records come from; the rest changes with checks


def _service_outputs(domain: str, attributes: Any) -> dict[str, Any]:
    """With a ledger that is the service (tencent): its records and DKIM key, none of ours.

    The records are read from the attributes here, in the provider, so one the project can't publish is
    refused now, with its code, before any record is written."""
    kept = [{k: a.get(k) for k in STATE_KEYS} for a in attributes or []]
    records = records_from_attributes(domain, kept)
    return {
        "service_attributes": kept,
        "dkim_public_key": dkim_key_of(records),
        "dkim_private_key": None,
        "dkim_probe": None,
    }


def _service_identity(ledger: LedgerBackend, props: dict[str, Any]) -> dict[str, Any]:
    """With the service's key (tencent): take its DKIM key to `dkim_key_bits` in place (a step per `up`, see
    TencentLedger.change_dkim_length), then the outputs from what the service asks for now."""
    domain, bits = props["domain"], int(props["dkim_key_bits"])
    assert isinstance(ledger, TencentLedger)  # the one ledger that decides the records
    step = ledger.change_dkim_length(domain, bits)
    pause_point("dkim-option")  # the crash tests: the service has changed, the state not yet
    if step.bridging:
        emit(
            f"{domain}: DKIM: Tencent Cloud signs with the old and the new key (dual signing) while the new key's"
            f" record is published and checked; the next `pulumi up` moves it to the {bits}-bit key alone"
        )
    return {
        "ledger_status": step.entry.status,
        **_service_outputs(domain, step.entry.service_attributes),
        "dkim_option": step.option,
    }


def _service_read(ledger: LedgerBackend, domain: str) -> dict[str, Any]:
    """Refresh sees the service's records and DKIMOption now: a length changed outside the stack, or an
    unfinished change, shows at the next preview as an update to `dkim_key_bits`."""
    assert isinstance(ledger, TencentLedger)
    state = ledger.dkim_state(domain)
    return {**_service_outputs(domain, state.entry.service_attributes), "dkim_option": state.option}


def _service_key_changes(olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
    """With the service's key (tencent), an update in place: a new `dkim_key_bits`, or a length the service does
    not hold yet (dual signing until both keys are checked, or a run stopped before its state was written)."""
    ledger = news.get("ledger")
    if not isinstance(ledger, dict) or not ledger_settings(ledger).decides_records:
        return []
    if changed_keys(olds, news, ("dkim_key_bits",)):
        return ["dkim_key_bits"]
    option = olds.get("dkim_option")
    if option is not None and option != DKIM_OPTIONS.get(int(news["dkim_key_bits"])):
        return ["dkim_option"]
    return []


def _probe(props: dict[str, Any], private_key: str) -> str:
    """The probe message, signed as the domain signs mail (d=domain, s=selector)."""
    return dkim.probe_message(private_key, props["domain"], props.get("dkim_selector") or "probe").decode("ascii")


class SenderIdentityProvider(DmsResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        ledger = ledger_from(props)
        # A ledger that is the service makes the domain and its DKIM key (DKIMOption from dkim_key_bits).
        entry = ledger.register(
            props["domain"], props["mail_type"], owner=props.get("owner"), dkim_key_bits=int(props["dkim_key_bits"])
        )
        if ledger.decides_records:
            return CreateResult(props["domain"], {**props, **_service_identity(ledger, props)})
        pause_point("ledger-row")
        pair = dkim_keys.generate(int(props["dkim_key_bits"]))
        return CreateResult(
            props["domain"],
            {
                **props,
                "ledger_status": entry.status,
                "dkim_public_key": pair.public_b64,
                "dkim_private_key": pair.private_pem,
                "dkim_probe": _probe(props, pair.private_pem),
            },
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # The key is made once per domain: a new dkim_key_bits does not replace it.
        replaces = changed_keys(olds, news, ("domain",))
        retyped = changed_keys(olds, news, ("mail_type",))
        # Diff runs at preview: refuse here, before anything is written.
        if replaces:
            entry = ledger_from(olds).get(olds["domain"])
            if entry is not None and entry.status == VERIFIED:
                raise unchangeable(olds["domain"], "its name")
        elif retyped:
            ledger_from(olds).ensure_retypable(olds["domain"], news["mail_type"])
        changes = replaces + retyped + changed_keys(olds, news, ("ledger", "ledger_credential"))
        changes += provider_moved(olds, news) + _service_key_changes(olds, news)
        # State written before the probe (or a new selector): update makes the probe from the kept key.
        if olds.get("dkim_private_key") and (
            not olds.get("dkim_probe") or changed_keys(olds, news, ("dkim_selector",))
        ):
            changes.append("dkim_probe")
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        ledger = ledger_from(news)
        entry = ledger.register(
            news["domain"], news["mail_type"], owner=news.get("owner"), dkim_key_bits=int(news["dkim_key_bits"])
        )
        if entry.mail_type != news["mail_type"]:
            entry = ledger.retype(news["domain"], news["mail_type"])
        if ledger.decides_records:
            # The service's records anew: a retyped pending domain is made again, a new length is a new key.
            return UpdateResult({**news, **_service_identity(ledger, news)})
        return UpdateResult(
            {
                **news,
                "ledger_status": entry.status,
                "dkim_public_key": olds["dkim_public_key"],
                "dkim_private_key": olds["dkim_private_key"],
                "dkim_probe": _probe(news, olds["dkim_private_key"]),
            }
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        ledger = ledger_from(props)
        entry = ledger.get(props["domain"])
        outs = {**props, "ledger_status": entry.status if entry else "missing"}
        if entry is not None and ledger.decides_records:
            outs.update(_service_read(ledger, props["domain"]))
        return ReadResult(id_, outs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        ledger_from(props).remove(props["domain"])


class SenderIdentity(Resource, module="dms", name="SenderIdentity"):
    domain: pulumi.Output[str]
    ledger_status: pulumi.Output[str]
    dkim_public_key: pulumi.Output[str]
    dkim_private_key: pulumi.Output[str]
    dkim_probe: pulumi.Output[str]  # a DKIM-signed message (not secret), for the verification's probe
    service_attributes: pulumi.Output[list[dict[str, Any]]]  # tencent: the records the service asks for
    dkim_option: pulumi.Output[int]  # tencent: the service's DKIMOption (0: 1024, 1: 2048, 2: dual signing)

    def __init__(
        self,
        name: str,
        *,
        domain: pulumi.Input[str],
        mail_type: pulumi.Input[str],
        dkim_key_bits: pulumi.Input[int],
        context: LedgerContext,
        owner: pulumi.Input[str | None] = None,
        dkim_selector: Any = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["dkim_private_key"])
        )
        opts = context.options(opts)
        super().__init__(
            SenderIdentityProvider(),
            name,
            {
                "domain": domain,
                "mail_type": mail_type,
                "dkim_key_bits": dkim_key_bits,
                "ledger": context.ledger,  # plain: what the `dms` commands read back from the state
                "ledger_credential": context.credential_input(),  # the ledger's secret (tencent), a Pulumi secret
                "owner": owner,  # the stack, kept in the ledger row: a removal is then refused at preview
                "front": context.front,  # how the program names its keys, for the refusals of this resource's calls
                "dkim_selector": dkim_selector,  # the probe's s= (the key's host)
                "ledger_status": None,
                "dkim_public_key": None,
                "dkim_private_key": None,
                "dkim_probe": None,
                "service_attributes": None,
                "dkim_option": None,  # tencent: the service's DKIMOption after the last step (2: dual signing)
            },
            opts,
        )
