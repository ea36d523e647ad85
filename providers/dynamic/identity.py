"""SenderIdentity: the sender domain's entry in the ledger and its DKIM key pair."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dms_component import keys
from providers.dynamic.base import DmsProvider, changed_keys, ledger_from
from providers.ledger.base import VERIFIED, unchangeable


class SenderIdentityProvider(DmsProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        entry = ledger_from(props).register(props["domain"], props["mail_type"])
        pair = keys.generate(int(props["dkim_key_bits"]))
        return CreateResult(
            props["domain"],
            {
                **props,
                "ledger_status": entry.status,
                "dkim_public_key": pair.public_b64,
                "dkim_private_key": pair.private_pem,
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
        return DiffResult(changes=bool(changes), replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        ledger = ledger_from(news)
        entry = ledger.register(news["domain"], news["mail_type"])
        if entry.mail_type != news["mail_type"]:
            entry = ledger.retype(news["domain"], news["mail_type"])
        return UpdateResult(
            {
                **news,
                "ledger_status": entry.status,
                "dkim_public_key": olds["dkim_public_key"],
                "dkim_private_key": olds["dkim_private_key"],
            }
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        entry = ledger_from(props).get(props["domain"])
        return ReadResult(id_, {**props, "ledger_status": entry.status if entry else "missing"})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        ledger_from(props).remove(props["domain"])


class SenderIdentity(Resource, module="dms", name="SenderIdentity"):
    domain: pulumi.Output[str]
    ledger_status: pulumi.Output[str]
    dkim_public_key: pulumi.Output[str]
    dkim_private_key: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        domain: str,
        mail_type: str,
        dkim_key_bits: int,
        ledger: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["dkim_private_key"])
        )
        super().__init__(
            SenderIdentityProvider(),
            name,
            {
                "domain": domain,
                "mail_type": mail_type,
                "dkim_key_bits": dkim_key_bits,
                "ledger": ledger,
                "ledger_status": None,
                "dkim_public_key": None,
                "dkim_private_key": None,
            },
            opts,
        )
