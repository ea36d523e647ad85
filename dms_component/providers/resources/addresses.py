"""SenderAddress: one sender address of a verified sender domain, its SMTP password and its unsubscribe link.

One resource per address, not one per domain: each address then has its own line in the preview (`+ create`,
`~ update` for a new password, `+- replace` for a new sender name, `- delete`), the engine deletes a dropped
address on its own, and a failure leaves the other addresses' state as it is.

The service's order, within one `pulumi up`: the resource takes its domain's verification status as an input,
so it runs after the Verification (and, in reverse, is deleted before it and the identity: a domain is never
left with addresses when it may go). While the domain is not Verified it creates nothing (`created` false);
the next `up`'s diff sees that and tries again. An address that already exists is taken over, not refused.
The password (given or generated) is a secret output, set in place when it changes; the service never returns
it, so `refresh` sees only whether one is set (SmtpPwdType).
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from dms_component.core.verdicts import VERIFIED
from dms_component.providers.adapters.ledger import LedgerBackend
from dms_component.providers.adapters.passwords import generate_password
from dms_component.providers.resources.base import (
    DmsResourceProvider,
    changed_keys,
    ledger_from,
    pause_point,
    provider_moved,
)
from dms_component.providers.resources.context import LedgerContext

# What the address is: a new one is another address (the service has no rename), so a replace.
_IDENTITY = ("address", "sender_name")
_SETTINGS = ("password", "generate_password", "unsubscribe", "ledger", "ledger_credential")
SECRETS = ["password", "smtp_password"]  # the given password (an input) and the one set (an output)


def _find(ledger: LedgerBackend, domain: str, address: str) -> Any:
    return next((a for a in ledger.addresses(domain) if a.address == address), None)


def _password(props: dict[str, Any], olds: dict[str, Any] | None) -> str | None:
    """The password to have set: the one given; else the one generated before (kept); else a new one."""
    if props.get("password"):
        return str(props["password"])
    if not props.get("generate_password"):
        return None
    kept = (olds or {}).get("smtp_password") if (olds or {}).get("generate_password") else None
    return str(kept) if kept else generate_password()


def _language(props: dict[str, Any]) -> int:
    """UnsubscribeConfig (0 none, 1..10 a language); the engine hands numbers over as floats."""
    return int(props.get("unsubscribe") or 0)


def _ensure(props: dict[str, Any], olds: dict[str, Any] | None) -> dict[str, Any]:
    """Make the address as declared (or take over the one there), then its password and unsubscribe link.

    Each step is idempotent, so a run killed after any of them converges on the next `up`."""
    domain, address = props["domain"], props["address"]
    made = bool((olds or {}).get("created"))
    if props.get("retired") or (props.get("domain_status") != VERIFIED and not made):
        # The service makes an address only under a verified domain: the next `up` tries again. One made already
        # stays in the service (a verified domain stays verified there) while a later check reads pending.
        return {**props, "created": False, "password_set": False, "smtp_password": None}
    ledger = ledger_from(props)
    found = _find(ledger, domain, address)
    if found is not None and found.sender_name != props["sender_name"]:
        ledger.delete_address(address)  # declared with another sender name: the service has no rename
        found = None
    if found is None:
        # One ledger step: the sender quota and "the domain must be verified" are checked with the create.
        found = ledger.create_address(address, props["sender_name"], props.get("owner"))
        pause_point("address-created")
    password = _password(props, olds)
    was = (olds or {}).get("smtp_password") if (olds or {}).get("created") else None
    if password is not None and (password != was or not getattr(found, "password_set", False)):
        ledger.set_smtp_password(address, password)
    # Also when the service's differs: an address made again just now (deleted or renamed in the console) has none.
    if (olds or {}).get("unsubscribe") != props.get("unsubscribe") or not made or found.unsubscribe != _language(props):
        ledger.set_unsubscribe(address, _language(props))
    return {
        **props,
        "created": True,
        "password_set": password is not None or bool(getattr(found, "password_set", False)),
        "smtp_password": password,
    }


class SenderAddressProvider(DmsResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(props["address"], _ensure(props, None))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if news.get("retired"):
            return DiffResult(changes=False)  # retired with its domain: kept as it is, never touched again
        created = bool(olds.get("created"))
        # A new sender name is another address: deleted first, since the service holds one per address.
        replaces = changed_keys(olds, news, _IDENTITY) if created else []
        changes = changed_keys(olds, news, (*_IDENTITY, *_SETTINGS)) + provider_moved(olds, news)
        # Not made yet (its domain was pending): each `up` tries again, as the verification checks again. A
        # password declared that refresh found unset (the address made again in the console) is set again.
        unset = bool(news.get("password") or news.get("generate_password")) and olds.get("password_set") is False
        return DiffResult(changes=bool(changes) or not created or unset, replaces=replaces, delete_before_replace=True)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_ensure(news, olds))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # What refresh can see: whether the address exists, its sender name, whether a password is set
        # (SmtpPwdType), and its unsubscribe setting. Never the password: the service doesn't return it.
        found = _find(ledger_from(props), props["domain"], props["address"])
        if found is None:
            return ReadResult(id_, {**props, "created": False, "password_set": False})
        return ReadResult(
            id_,
            {
                **props,
                "created": True,
                "sender_name": found.sender_name,
                "password_set": bool(found.password_set),
                "unsubscribe": found.unsubscribe,  # changed in the console: the next `up` sets it back
            },
        )

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        if props.get("created") and not props.get("retired"):
            ledger_from(props).delete_address(props["address"])


class SenderAddress(Resource, module="dms", name="SenderAddress"):
    address: pulumi.Output[str]
    created: pulumi.Output[bool]  # made in the service (false while its domain is pending)
    password_set: pulumi.Output[bool]
    smtp_password: pulumi.Output[str]  # a Pulumi secret: the password given or generated

    def __init__(
        self,
        name: str,
        *,
        domain: Any,
        address: Any,
        sender_name: Any,
        unsubscribe: Any,
        domain_status: Any,
        context: LedgerContext,
        password: Any = None,
        generate_password: bool = False,
        owner: Any = None,
        retired: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`domain_status`: the domain's verification status (the Verification's output): the address is made
        once it is Verified. `password`: a Pulumi secret, or None (none, or generated: `generate_password`)."""
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRETS))
        opts = context.options(opts)
        super().__init__(
            SenderAddressProvider(),
            name,
            {
                "domain": domain,
                "address": address,
                "sender_name": sender_name,
                "password": password,
                "generate_password": generate_password,
                "unsubscribe": unsubscribe,
                "domain_status": domain_status,
                "ledger": context.ledger,  # plain: what the `dms` commands read back from the state
                "ledger_credential": context.credential_input(),  # the ledger's secret (tencent), a Pulumi secret
                "owner": owner,
                "retired": retired,
                "front": context.front,  # how the program names its keys, for the refusals of this resource's calls
                "created": None,
                "password_set": None,
                "smtp_password": None,
            },
            opts,
        )
