"""The service's rules inside the component, with no program.main: SenderDomains declared by a program of
their own, under pulumi.runtime.set_mocks (the graph only; the SQLite ledger is a real file)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from dms_component import Rfc2136Dns, SenderDomain, SenderDomainArgs, SqliteLedgerArgs
from dms_component.args import ChecksArgs
from dms_component.providers.adapters.ledger.sqlite import SqliteLedger
from tests.support.graph_mocks import CREATED, Mocks

DNS = Rfc2136Dns(server="127.0.0.1:5300", zone="example.test")


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A preview (dry run) on a loop of its own: each test is one program run."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(Mocks(), preview=True)
    CREATED.clear()
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


def settle(loop: asyncio.AbstractEventLoop, output: pulumi.Output[Any]) -> Any:
    return loop.run_until_complete(output.future())


@pytest.fixture
def ledger(tmp_path: Path) -> SqliteLedgerArgs:
    """An account that already has two verified sender domains and allows three."""
    path = tmp_path / "ledger.sqlite"
    existing = SqliteLedger(path, 3)
    for domain in ("a.example.test", "b.example.test"):
        existing.register(domain, "triggered")
        existing.mark_verified(domain)
    return SqliteLedgerArgs(path=str(path), quota=3)


def sender(name: str, ledger: SqliteLedgerArgs, mail_type: str = "triggered", **extra: Any) -> SenderDomain:
    return SenderDomain(
        name, SenderDomainArgs(domain=f"{name}.example.test", type=mail_type, dns=DNS, ledger=ledger, **extra)
    )


def test_the_quota_refuses_at_preview_the_domain_that_does_not_fit(loop, ledger) -> None:
    fits, over = sender("c", ledger), sender("d", ledger)

    assert settle(loop, fits.identity.owner) is not None  # the gate opened: c takes the last free slot
    with pytest.raises(pulumi.RunError, match=r"^quota: the account allows 3 verified sender domains") as refused:
        settle(loop, over.identity.owner)
    assert "d.example.test would not fit" in str(refused.value)


def test_a_domain_declared_for_both_types_is_refused(loop, ledger) -> None:
    sender("e", ledger)
    twice = SenderDomain("e-batch", SenderDomainArgs(domain="e.example.test", type="batch", dns=DNS, ledger=ledger))

    with pytest.raises(pulumi.RunError, match=r"e\.example\.test is declared twice, for triggered and for batch mail"):
        settle(loop, twice.identity.owner)


def test_a_verified_domain_is_protected_and_retire_lifts_it(loop, ledger) -> None:
    verified, retired, pending = sender("a", ledger), sender("b", ledger, retire=True), sender("f", ledger)

    def protected(domain: SenderDomain) -> list[bool]:
        return [bool(child._protect) for child in (domain.identity, domain.dns_records, domain.verification)]

    # The engine refuses to delete it at preview, destroy included: the verification depends on the
    # records and they on the identity, so protecting the verification holds all three.
    assert protected(verified) == [False, False, True]
    assert protected(retired) == [False] * 3 and protected(pending) == [False] * 3
    assert retired.retire and not verified.retire
    settle(loop, pulumi.Output.all(*(d.verification.urn for d in (verified, retired, pending))))


def test_a_registrable_domain_fails_when_the_subdomain_check_is_error(loop, ledger) -> None:
    apex = SenderDomain(
        "apex",
        SenderDomainArgs(
            domain="example.test", type="batch", dns=DNS, ledger=ledger, checks=ChecksArgs(subdomain="error")
        ),
    )
    with pytest.raises(pulumi.RunError, match=r"example\.test is a registrable domain"):
        settle(loop, apex.identity.owner)


def test_every_verification_waits_for_every_domains_records(loop, ledger) -> None:
    from dms_component.account import Program

    first, second = sender("g", ledger), sender("h", ledger)
    barrier = Program.of_this_run().records_barrier()  # the one both were declared in

    # Resolved once the program's body has run, with both domains' records: each verification waits for them.
    assert settle(loop, pulumi.Output.from_input(barrier)) == [first.dns_records, second.dns_records]


def test_the_records_barrier_opens_only_once_every_records_resource_is_written(loop) -> None:
    from types import SimpleNamespace

    from dms_component.account import Program

    program = Program()
    created = [loop.create_future() for _ in range(3)]  # each records resource's id, known once it is created
    program.records.extend(SimpleNamespace(id=pulumi.Output.from_input(f)) for f in created)
    written = program.records_written()
    assert program.records_written() is written  # one wait per barrier, shared by every verification
    future = asyncio.ensure_future(written.future(), loop=loop)

    for f in created[:2]:
        f.set_result("id")
        loop.run_until_complete(asyncio.sleep(0.01))
    assert not future.done()  # two of three written: the verifications still wait
    created[2].set_result("id")
    loop.run_until_complete(future)
    assert loop.run_until_complete(written.resources()) == set()  # an input, not a dependency of each


def test_an_output_is_checked_once_known_with_the_same_one_line(loop, ledger) -> None:
    late = SenderDomain(
        "late",
        SenderDomainArgs(
            domain=pulumi.Output.from_input("Not a Domain!!"),
            type="triggered",
            dns=Rfc2136Dns(server=pulumi.Output.from_input("127.0.0.1:5300"), zone="example.test"),
            ledger=ledger,
        ),
    )
    with pytest.raises(pulumi.RunError) as refused:
        settle(loop, late.identity.owner)
    assert str(refused.value).startswith("invalid sender domain: SenderDomain late: SenderDomainArgs.domain: ")
    assert "\n" not in str(refused.value)
