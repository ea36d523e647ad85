"""SenderIdentity: the sender domain's entry in the ledger, its DKIM key pair, and the signed probe.

The probe is a fixed message DKIM-signed with the private key (not secret): the verification checks it
against the published key as a receiver would, so the key itself lives in this resource only.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dms_component.core.service_records import dkim_key_of, records_from_attributes
from dms_component.providers.adapters.clock import now
from dms_component.providers.adapters.ledger import ledger_settings
from dms_component.providers.adapters.ledger.base import VERIFIED, LedgerBackend, unchangeable
from dms_component.providers.adapters.ledger.tencent import DKIM_OPTIONS, TencentLedger
from dms_component.providers.adapters.progress import emit
from dms_component.providers.resources import rotation
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
        "dkim_keys": None,
        "dkim_private_keys": None,
        "dkim_probes": None,
        "dkim_active_selector": None,
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


def _ours(props: dict[str, Any]) -> bool:
    """Whether we make and hold the DKIM keys (sqlite, dynamodb), rather than the service (tencent)."""
    ledger = props.get("ledger")
    return isinstance(ledger, dict) and not ledger_settings(ledger).decides_records


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
        return CreateResult(
            props["domain"], {**props, "ledger_status": entry.status, **rotation.first_key(props, now())}
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # A new dkim_key_bits (or dkim_selector) rotates our key without a gap (rotation.py), never a replace.
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
        # State written before the probe: update makes the probe from the kept key (a new selector rotates it).
        if olds.get("dkim_private_key") and not olds.get("dkim_probe"):
            changes.append("dkim_probe")
        if not replaces and _ours(news):
            changes += rotation.changes(olds, news, now())
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
        return UpdateResult({**news, "ledger_status": entry.status, **rotation.rotate(olds, news, now())})

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
    dkim_keys: pulumi.Output[dict[str, Any]]  # our keys (rotation.py): active, pending, retiring; public parts
    dkim_private_keys: pulumi.Output[dict[str, str]]  # selector -> private key, a secret
    dkim_probes: pulumi.Output[dict[str, str]]  # selector -> a message signed with that key (not secret)
    dkim_active_selector: pulumi.Output[str]
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
        dkim_rotation: Any = None,
        dkim_max_key_age_days: Any = None,
        dkim_overlap_days: Any = None,
        nameservers: Any = None,
        public_zone: Any = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`dkim_rotation`, `dkim_max_key_age_days`, `dkim_overlap_days`: when our key rotates (rotation.py);
        `nameservers`, `public_zone`: the servers a pending key is verified on before it becomes active."""
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=rotation.SECRET_OUTPUTS)
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
                "dkim_selector": dkim_selector,  # the first key's selector; a rotated key's is named from it
                "dkim_rotation": dkim_rotation,  # a new value starts a rotation
                "dkim_max_key_age_days": dkim_max_key_age_days,
                "dkim_overlap_days": dkim_overlap_days,
                "nameservers": nameservers,
                "public_zone": public_zone,
                "ledger_status": None,
                "dkim_public_key": None,
                "dkim_private_key": None,
                "dkim_probe": None,
                "dkim_keys": None,
                "dkim_private_keys": None,
                "dkim_probes": None,
                "dkim_active_selector": None,
                "service_attributes": None,
                "dkim_option": None,  # tencent: the service's DKIMOption after the last step (2: dual signing)
            },
            opts,
        )
