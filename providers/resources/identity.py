"""SenderIdentity: the sender domain's entry in the ledger, its DKIM key pair, and the signed probe.

The probe is a fixed message DKIM-signed with the private key (not secret): the verification checks it
against the published key as a receiver would, so the key itself lives in this resource only.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dms_component.core import dkim
from dms_component.core.tags import parse_tags
from dms_component.providers.adapters import keys
from dms_component.providers.adapters.ledger.base import VERIFIED, Ledger, unchangeable
from dms_component.providers.resources.base import DmsProvider, changed_keys, ledger_from, pause_point


def _service_outputs(ledger: Ledger, domain: str) -> dict[str, Any]:
    """With a ledger that is the service (tencent): its records and DKIM key, none of ours."""
    attributes = ledger.service_attributes(domain)
    key = next(
        (
            "".join((parse_tags(str(a.get("ExpectedValue"))) or {}).get("p", "").split())
            for a in attributes
            if "._domainkey." in str(a.get("SendDomain"))
        ),
        None,
    )
    return {
        "service_attributes": attributes,
        "dkim_public_key": key or None,
        "dkim_private_key": None,
        "dkim_probe": None,
    }


def _probe(props: dict[str, Any], private_key: str) -> str:
    """The probe message, signed as the domain signs mail (d=domain, s=selector)."""
    return dkim.probe_message(private_key, props["domain"], props.get("dkim_selector") or "probe").decode("ascii")


class SenderIdentityProvider(DmsProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        ledger = ledger_from(props)
        if getattr(ledger, "decides_records", False):
            # The service makes the domain and its DKIM key (DKIMOption from dkimKeyBits).
            entry = ledger.register(props["domain"], props["mail_type"], int(props["dkim_key_bits"]))
            outs = {**props, "ledger_status": entry.status, **_service_outputs(ledger, props["domain"])}
            return CreateResult(props["domain"], outs)
        entry = ledger.register(props["domain"], props["mail_type"], owner=props.get("owner"))
        pause_point("ledger-row")
        pair = keys.generate(int(props["dkim_key_bits"]))
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
        if replaces or retyped:
            # Diff runs at preview: refuse here, before anything is written.
            entry = ledger_from(olds).get(olds["domain"])
            if entry is not None and entry.status == VERIFIED:
                raise unchangeable(olds["domain"], "its name" if replaces else f"its type ({entry.mail_type})")
        changes = replaces + retyped + changed_keys(olds, news, ("ledger",))
        # State written before the probe (or a new selector): update makes the probe from the kept key.
        if olds.get("dkim_private_key") and (
            not olds.get("dkim_probe") or changed_keys(olds, news, ("dkim_selector",))
        ):
            changes.append("dkim_probe")
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        ledger = ledger_from(news)
        entry = ledger.register(news["domain"], news["mail_type"], owner=news.get("owner"))
        if entry.mail_type != news["mail_type"]:
            entry = ledger.retype(news["domain"], news["mail_type"])
        if getattr(ledger, "decides_records", False):
            # A retyped pending domain is made again, with a new key: take the service's records anew.
            return UpdateResult({**news, "ledger_status": entry.status, **_service_outputs(ledger, news["domain"])})
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
        if entry is not None and getattr(ledger, "decides_records", False):
            outs.update(_service_outputs(ledger, props["domain"]))  # refresh sees the service's records now
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

    def __init__(
        self,
        name: str,
        *,
        domain: str,
        mail_type: str,
        dkim_key_bits: int,
        ledger: dict[str, Any] | pulumi.Output[dict[str, Any]],
        owner: str | None = None,
        dkim_selector: Any = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # A ledger with a credential (tencent) comes as a Pulumi secret and stays one in state.
        secret_ledger = ["ledger"] if isinstance(ledger, pulumi.Output) else []
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["dkim_private_key", *secret_ledger])
        )
        super().__init__(
            SenderIdentityProvider(),
            name,
            {
                "domain": domain,
                "mail_type": mail_type,
                "dkim_key_bits": dkim_key_bits,
                "ledger": ledger,
                "owner": owner,  # the stack, kept in the ledger row: a removal is then refused at preview
                "dkim_selector": dkim_selector,  # the probe's s= (the key's host)
                "ledger_status": None,
                "dkim_public_key": None,
                "dkim_private_key": None,
                "dkim_probe": None,
                "service_attributes": None,
            },
            opts,
        )
