"""The account's rules, as seen from one program: however it declares its sender domains.

Every SenderDomain of a program registers here, per ledger. That is where the rules that need
more than one domain live: the quota at preview, one type per domain, and the barrier that lets
every domain's records be written before any verification starts waiting. The ledger is read
once per program, at the first SenderDomain: the rules and `protect` both come from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from dms_component.core.errors import DmsError
from dms_component.core.naming import Front
from dms_component.core.rules import (
    QUOTA,
    Finding,
    declared_twice,
    dropped_verified,
    quota_plan,
    removal_refused,
)
from dms_component.core.verdicts import VERIFIED
from dms_component.providers.adapters.ledger import LedgerEntry, LedgerSettings

# The stack's project folder when the runner (Automation API, inline) knows it better than the engine.
PROJECT_FOLDER: contextvars.ContextVar[str | None] = contextvars.ContextVar("dms_project_folder", default=None)


def project_folder() -> Path:
    return Path(PROJECT_FOLDER.get() or pulumi.runtime.get_root_directory() or ".").resolve()


def stack_owner() -> str:
    """Who registers ledger rows: this stack, as the ledger remembers it.

    Stack names repeat across backends (every clone of this project has a `dms/dev`), so the
    project folder is part of it: a stack run from another folder doesn't count as the owner and
    gets the refusal from the delete itself instead, later but just as safe.
    """
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}@{project_folder()}"


def as_seen_from(settings: LedgerSettings, folder: Path) -> dict[str, Any]:
    """The ledger's settings with its credential, and a relative SQLite path taken from the project folder,
    as the providers see it (they run in the project folder)."""
    state = settings.with_credential()
    path = state.get("path")
    if path and not Path(path).is_absolute():
        state["path"] = str(folder / path)
    return state


def as_seen_here(settings: LedgerSettings) -> dict[str, Any]:
    return as_seen_from(settings, project_folder())


@dataclass
class Declared:
    """One SenderDomain as the account sees it: its checked domain and type (Outputs), and how its program names
    its keys."""

    domain: pulumi.Output[str]
    mail_type: pulumi.Output[str]
    front: Front


@dataclass
class Account:
    """The sender domains one program declares in one ledger, and what that ledger holds."""

    settings: LedgerSettings
    entries: list[LedgerEntry]
    declared: list[Declared] = field(default_factory=list)
    # Declared, not yet checked: (index in declared, where its verdict goes).
    _pending: list[tuple[int, asyncio.Future[Any]]] = field(default_factory=list)

    def verified(self, domain: str) -> bool:
        return any(e.domain == domain and e.status == VERIFIED for e in self.entries)

    def declare(self, entry: Declared) -> pulumi.Output[None]:
        """Add a domain; the Output fails (one line, RunError) when it breaks a rule with the others declared.

        All the domains a program's body declares are checked together once it has run (one pass over
        them all, not one per pair), so each sees every other: at preview, nothing is written. A domain
        declared later, inside an apply, is checked against those before it.
        """
        index = len(self.declared)
        self.declared.append(entry)
        checked: asyncio.Future[pulumi.Output[str | None]] = asyncio.get_event_loop().create_future()
        self._pending.append((index, checked))
        if len(self._pending) == 1:
            asyncio.get_event_loop().call_soon(self._check_pending)
        # An awaitable of an Output, which from_input unwraps; pulumi.Input's type can't say that.
        return pulumi.Output.from_input(checked).apply(_raise_refusal)  # type: ignore[arg-type]

    def _check_pending(self) -> None:
        pending, self._pending = self._pending, []
        last = max(i for i, _ in pending)
        entries = self.declared[: last + 1]
        values = pulumi.Output.all(*(v for d in entries for v in (d.domain, d.mail_type)))
        verdicts = values.apply(lambda v: self._refusals(entries, list(zip(v[::2], v[1::2], strict=True))))
        for index, checked in pending:
            checked.set_result(verdicts.apply(_nth(index)))

    def _refusals(self, entries: list[Declared], declared: list[tuple[str, str]]) -> list[str | None]:
        """Per declared domain, in order: why it breaks a rule with those before it (one line, in the words of
        the program that declared it), or None."""
        plan = None
        if pulumi.runtime.is_dry_run():
            # At apply the ledger enforces the quota in one transaction; this fails a preview early.
            verified = [e.domain for e in self.entries if e.status == VERIFIED]
            plan = quota_plan([d for d, _ in declared], verified, int(self.settings.quota))
        seen: dict[str, str] = {}  # domain -> the type it was first declared with
        found: list[str | None] = []
        for entry, (domain, mail_type) in zip(entries, declared, strict=True):
            finding = None
            if domain in seen:
                # One identity and one ledger row per domain: a second SenderDomain for it is refused whatever its
                # type (stack config may instead manage such a domain once, see config.py).
                finding = declared_twice(domain, seen[domain], mail_type)
            elif plan is not None and domain in plan.over:
                finding = plan.finding()
            seen.setdefault(domain, mail_type)
            found.append(None if finding is None else worded_finding(finding, entry.front))
        return found

    def check_removals(self, kept: Sequence[str], owner: str) -> None:
        """A verified domain of this stack that is no longer declared (removed or renamed) fails at once."""
        gone = dropped_verified([(e.domain, e.status == VERIFIED and e.owner == owner) for e in self.entries], kept)
        if gone:
            found = removal_refused(gone)
            raise pulumi.RunError(found.line())


@dataclass
class Program:
    """What one run of a Pulumi program shares: its accounts and the records barrier.

    Made once per run by what runs the program: the stack-config program (program.main), the `dms` package's
    provider (for every SenderDomain a YAML or TypeScript program constructs), and, for a Python program of a
    user's own, its first SenderDomain (kept on the run's root stack resource). Every SenderDomain is given it.
    """

    accounts: dict[str, Account] = field(default_factory=dict)
    records: list[pulumi.CustomResource] = field(default_factory=list)
    waits: list[Callable[[], object]] = field(default_factory=list)
    barrier: asyncio.Future[list[pulumi.CustomResource]] | None = None
    written: tuple[asyncio.Future[Any], pulumi.Output[None]] | None = None  # a barrier, and its records_written
    loop: asyncio.AbstractEventLoop | None = None  # the run's, for one kept on the root stack (of_this_run)

    @staticmethod
    def of_this_run() -> Program:
        """The program a SenderDomain is declared in when none is given: the one a runner serves, else the one
        of the run's root stack resource (each run, and each mocked test, has its own)."""
        serving = _SERVING.get()
        if serving is not None:
            return serving
        root = pulumi.runtime.get_root_resource()
        if root is None:  # no stack to share with: this SenderDomain is a program of its own
            return Program()
        program, loop = getattr(root, "_dms_program", None), asyncio.get_event_loop()
        # set_mocks keeps the root stack from one test to the next, each on a loop of its own: one run each.
        if not isinstance(program, Program) or program.loop is not loop:
            program = Program(loop=loop)
            setattr(root, "_dms_program", program)  # noqa: B010 (a name of ours on Pulumi's object)
        return program

    @contextlib.contextmanager
    def serving(self) -> Iterator[Program]:
        """Every SenderDomain constructed inside belongs to this program (a runner that constructs them on a
        program's behalf: the `dms` package's provider)."""
        token = _SERVING.set(self)
        try:
            yield self
        finally:
            _SERVING.reset(token)

    def account(self, settings: LedgerSettings, read: Callable[[LedgerSettings], list[LedgerEntry]]) -> Account:
        account = settings.ledger_id()
        if account not in self.accounts:
            self.accounts[account] = Account(settings, read(settings))
        return self.accounts[account]

    def records_barrier(self) -> asyncio.Future[list[pulumi.CustomResource]]:
        """Resolved with every domain's records once the program's body has run (the event loop is free
        then): each verification waits for all of them, so all records are written before any verification
        holds one of the provider's few threads while it polls. A domain declared later (inside an apply, or
        by a later Construct call in the `dms` package's provider) gets the next barrier, closed as soon."""
        if self.barrier is None or self.barrier.done():
            loop = asyncio.get_event_loop()
            self.barrier = loop.create_future()
            loop.call_soon(self._close)
        return self.barrier

    def records_written(self) -> pulumi.Output[None]:
        """Known once every domain's records (those of the barrier) are written: an Output that carries no
        dependency, so a verification waits for all of them without N edges each in the state."""

        barrier = self.records_barrier()
        if self.written is not None and self.written[0] is barrier:
            return self.written[1]  # one wait per barrier, shared by its verifications

        async def written() -> None:
            records = await barrier
            # A resource's id is known once its create (or preview step) is done; a failed one fails the
            # program by itself, so it doesn't fail every verification here too.
            await asyncio.gather(*(r.id.future() for r in records), return_exceptions=True)

        self.written = (barrier, pulumi.Output.from_input(written()))
        return self.written[1]

    def _close(self) -> None:
        for settle in self.waits:
            settle()
        if self.barrier is not None and not self.barrier.done():
            self.barrier.set_result(list(self.records))


# The program a runner constructs SenderDomains for (Program.serving): the `dms` package's provider.
_SERVING: contextvars.ContextVar[Program | None] = contextvars.ContextVar("dms_program", default=None)


def _nth(index: int) -> Callable[[list[str | None]], str | None]:
    return lambda found: found[index]


def _raise_refusal(refusal: str | None) -> None:
    if refusal is not None:
        raise pulumi.RunError(refusal)


def worded_finding(finding: Finding, front: Front) -> str:
    """A finding as one line about the domain that breaks the rule, in its program's words, with its code."""
    text = finding.line(front.name)
    if finding.code == QUOTA:  # the quota line is about the account, not one entry
        return text
    return front.at(f"{front.name('domain')}: {text}")


def read_entries(settings: LedgerSettings, front: Front) -> list[LedgerEntry]:
    from dms_component.providers.adapters.ledger import open_ledger

    try:
        return open_ledger(as_seen_here(settings)).entries()
    except DmsError as exc:  # the ledger's own errors carry no secret
        raise pulumi.RunError(f"can't read the ledger to check the quota: {exc.worded(front.name)}") from None
    except Exception as exc:
        raise pulumi.RunError(f"can't read the ledger to check the quota: {exc.__class__.__name__}") from None


__all__ = [
    "PROJECT_FOLDER",
    "Account",
    "Declared",
    "Program",
    "as_seen_here",
    "stack_owner",
    "worded_finding",
]
