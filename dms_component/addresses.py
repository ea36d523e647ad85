"""A sender domain's addresses, as every front end declares them: checked in that program's words, then declared
as SenderAddress resources after the domain's verification (SenderDomain's `addresses` step calls `declare`).

At preview: each address, sender name, password and unsubscribe setting is checked (one line naming the key,
e.g. `SenderDomainArgs.senders[0].password`, `senders[0].password`, `dms:domains[0].senders[0].password`, with
a stable code), so is an address declared twice or outside its domain, and the account's sender quota against
the ledger's addresses plus every address the program declares. At apply the ledger checks the quota and
makes the address in one step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from dms_component.account import as_seen_here
from dms_component.args import Normalised, SenderAddressArgs, is_plain, run_checked
from dms_component.core import senders as rules
from dms_component.core import validate
from dms_component.core.errors import ConfigError, DmsError
from dms_component.core.naming import Front
from dms_component.core.verdicts import VERIFIED
from dms_component.providers.adapters.ledger import LedgerSettings, open_ledger
from dms_component.providers.resources.addresses import SenderAddress


@dataclass(frozen=True)
class Sender:
    """One declared address, its plain parts checked: `local` names its resource; the others may be Outputs
    (checked once known, with the same line)."""

    key: str  # its canonical path, senders[i]
    given: str  # the address as written: a local part or a full address
    local: str
    sender_name: Any
    password: Any  # a secret Output, or None
    generate_password: bool
    unsubscribe: Any  # None: the mail type's default


def checked(senders: Any, domain: str | None, front: Front) -> list[Sender]:
    """The domain's senders (see _checked); each refusal's line ends with its stable code. Every ledger keeps
    addresses (LedgerBackend's address steps are abstract)."""
    return _coded(lambda: _checked(senders, domain, front))


def _coded(check: Any) -> Any:
    """A ConfigError whose line ends with its code (`[senders.password]`), as every front end shows it."""
    try:
        return check()
    except ConfigError as exc:
        if exc.code == ConfigError.code or exc.problem.endswith(f"[{exc.code}]"):
            raise
        raise ConfigError(exc.key, f"{exc.problem} [{exc.code}]", code=exc.code) from None


def _checked(senders: Any, domain: str | None, front: Front) -> list[Sender]:
    """The domain's senders, each plain value checked now (a ConfigError naming its key, with its code); `domain`
    is the normalised domain when the program gives it plainly, else None (the addresses are then checked once it
    is known, in `declare`)."""
    if senders is None:
        return []
    if not isinstance(senders, list | tuple):
        raise ConfigError(front.name("senders"), "expected a list of sender addresses")
    out: list[Sender] = []
    for i, given in enumerate(senders):
        key = f"senders[{i}]"
        if not isinstance(given, SenderAddressArgs):
            raise ConfigError(front.name(key), "expected SenderAddressArgs(address, sender_name, ...)")
        if not is_plain(given.address):
            raise ConfigError(front.name(f"{key}.address"), "must be a plain value: it names the address's resource")
        if domain is not None:
            local = rules.address_at(given.address, domain, front.name(f"{key}.address")).rpartition("@")[0]
        else:
            local = str(given.address).strip().lower().rpartition("@")[0] or str(given.address).strip().lower()
        generate = validate.flag(given.generate_password, front.name(f"{key}.generate_password"))
        if generate and given.password is not None:
            raise ConfigError(
                front.name(f"{key}.password"),
                f"give a password or set {front.name(f'{key}.generate_password')}, not both",
                code=rules.PASSWORD,
            )
        unsubscribe: Any = given.unsubscribe
        if unsubscribe is not None and is_plain(unsubscribe):
            unsubscribe = rules.unsubscribe_language(unsubscribe, front.name(f"{key}.unsubscribe"))
        sender_name = given.sender_name
        if is_plain(sender_name):
            sender_name = rules.sender_name(sender_name, front.name(f"{key}.sender_name"))
        password = _secret_checked(given.password, front.name(f"{key}.password"), front)
        out.append(Sender(key, str(given.address), local, sender_name, password, generate, unsubscribe))
    twice = rules.declared_twice([(front.name(f"{s.key}.address"), s.local) for s in out])
    if twice is not None:
        raise ConfigError(twice.message.partition(": ")[0], twice.message.partition(": ")[2], code=twice.code)
    return out


def _secret_checked(value: Any, key: str, front: Front) -> Any:
    """The password as a Pulumi secret, checked against the service's rule; its value is never in a message."""
    if value is None:
        return None
    if is_plain(value):
        return pulumi.Output.secret(rules.check_password(value, key))
    return pulumi.Output.secret(
        pulumi.Output.from_input(value).apply(
            lambda v: run_checked(lambda: _coded(lambda: rules.check_password(v, key)), front)
        )
    )


def declare(
    parent: pulumi.Resource,
    name: str,
    senders: Sequence[Sender],
    *,
    given: Normalised,
    mail_type: pulumi.Output[str],
    status: pulumi.Output[str],
    owner: Any,
    program: Any,
) -> list[SenderAddress]:
    """One SenderAddress per sender, made once `status` (the domain's verification) is Verified; one warning
    line for the domain when it ends the run pending. Retired with the domain: retained on delete."""
    if not senders:
        return []
    front, retire = given.front, given.retire
    domain = pulumi.Output.from_input(given.domain)
    addresses = domain.apply(
        lambda d: [
            run_checked(lambda s=s: _coded(lambda: rules.address_at(s.given, d, front.name(f"{s.key}.address"))), front)
            for s in senders
        ]
    )
    gate = _book(program, given.ledger, front).declare(addresses, front, [s.key for s in senders])
    opts = pulumi.ResourceOptions(parent=parent, retain_on_delete=retire)
    made = []
    for index, sender in enumerate(senders):
        name_key, unsubscribe_key = front.name(f"{sender.key}.sender_name"), front.name(f"{sender.key}.unsubscribe")

        def checked_name(v: Any, k: str = name_key) -> Any:
            return run_checked(lambda: _coded(lambda: rules.sender_name(v, k)), front)

        def checked_unsubscribe(v: list[Any], k: str = unsubscribe_key) -> Any:
            return run_checked(lambda: _coded(lambda: _unsubscribe(v[0], v[1], k)), front)

        sender_name = pulumi.Output.from_input(sender.sender_name).apply(checked_name)
        unsubscribe = pulumi.Output.all(sender.unsubscribe, mail_type).apply(checked_unsubscribe)
        made.append(
            SenderAddress(
                f"{name}/sender/{sender.local}",
                domain=domain,
                address=addresses.apply(_nth(index)),
                sender_name=sender_name,
                password=sender.password,
                generate_password=sender.generate_password,
                unsubscribe=unsubscribe,
                domain_status=status,
                context=given.context,
                # The rules gate the first write: a refused address makes nothing.
                owner=gate.apply(lambda _: owner),
                retired=retire,
                opts=opts,
            )
        )
    if not retire:
        status.apply(lambda s: _warn_waiting(name, s, [sender.local for sender in senders]))
    return made


def _unsubscribe(given: Any, mail_type: str, key: str) -> int:
    """UnsubscribeConfig: as given, else batch mail's one-click link in English and none for triggered mail."""
    return rules.default_unsubscribe(mail_type) if given is None else rules.unsubscribe_language(given, key)


def smtp_passwords(addresses: Sequence[SenderAddress]) -> pulumi.Output[dict[str, str]]:
    """Each address's SMTP password (given or generated), as one secret map: address -> password."""
    pairs = pulumi.Output.all(*(pulumi.Output.all(a.address, a.smtp_password) for a in addresses))
    return pulumi.Output.secret(pairs.apply(lambda ps: {a: p for a, p in ps if p}))


def _warn_waiting(name: str, status: str | None, locals_: list[str]) -> None:
    if status is not None and status != VERIFIED:
        pulumi.log.warn(
            f"{name}: its sender addresses ({', '.join(locals_)}) are made once it is verified:"
            " run `dms wait`, then `pulumi up`"
        )


# -- the sender quota at preview, per program and ledger ------------------------------------------


@dataclass
class _Book:
    """The addresses one program declares in one ledger, checked together against the sender quota once the
    program's body has run (so each sees every other), as the Account does for the domain quota."""

    settings: LedgerSettings
    existing: list[str]
    declared: list[tuple[pulumi.Output[list[str]], Front, list[str]]] = field(default_factory=list)
    _pending: list[tuple[int, asyncio.Future[Any]]] = field(default_factory=list)

    def declare(self, addresses: pulumi.Output[list[str]], front: Front, keys: list[str]) -> pulumi.Output[None]:
        index = len(self.declared)
        self.declared.append((addresses, front, keys))
        verdict: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
        self._pending.append((index, verdict))
        if len(self._pending) == 1:
            asyncio.get_event_loop().call_soon(self._check)
        # An awaitable of an Output, which from_input unwraps; pulumi.Input's type can't say that.
        return pulumi.Output.from_input(verdict).apply(_raise)  # type: ignore[arg-type]

    def _check(self) -> None:
        pending, self._pending = self._pending, []
        entries = self.declared[: max(i for i, _ in pending) + 1]
        found = pulumi.Output.all(*(a for a, _, _ in entries)).apply(lambda lists: self._refusals(entries, lists))
        for index, verdict in pending:
            verdict.set_result(found.apply(_nth(index)))

    def _refusals(self, entries: list[Any], lists: list[list[str]]) -> list[str | None]:
        if not pulumi.runtime.is_dry_run():
            return [None] * len(entries)  # at apply the ledger checks the quota with each create
        quota = int(self.settings.sender_quota)
        plan = rules.sender_quota_plan([a for addresses in lists for a in addresses], self.existing, quota)
        found: list[str | None] = []
        for (_, front, _keys), addresses in zip(entries, lists, strict=True):
            over = any(a in plan.over for a in addresses)
            found.append(plan.finding().line(front.name) if over else None)
        return found


# Per run (its Program, kept here so its id is not reused) and ledger.
_BOOKS: dict[tuple[int, str], tuple[Any, _Book]] = {}


def _book(program: Any, settings: LedgerSettings, front: Front) -> _Book:
    key = (id(program), settings.ledger_id())
    if key not in _BOOKS or _BOOKS[key][0] is not program:
        _BOOKS[key] = (program, _Book(settings, _read_addresses(settings, front)))
    return _BOOKS[key][1]


def _read_addresses(settings: LedgerSettings, front: Front) -> list[str]:
    """The ledger's addresses, for the quota at preview (at apply the ledger checks it itself)."""
    if not pulumi.runtime.is_dry_run():
        return []
    try:
        return [a.address for a in open_ledger(as_seen_here(settings)).addresses()]
    except DmsError as exc:
        raise pulumi.RunError(f"can't read the ledger to check the sender quota: {exc.worded(front.name)}") from None


def _nth(index: int) -> Callable[[Sequence[Any]], Any]:
    return lambda found: found[index]


def _raise(refusal: str | None) -> None:
    if refusal is not None:
        raise pulumi.RunError(refusal)


__all__ = ["Sender", "checked", "declare", "smtp_passwords"]
