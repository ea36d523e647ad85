"""Verification: ask the authoritative servers and judge each item, polling until a deadline.

One poll asks every question it can at once (the four records, the SPF include, the MX host's
addresses), judges, and asks what the judgement still needs (nested includes, CNAME targets) in
further rounds until nothing is missing; each (name, type) is asked once per poll and its answer
shared by every item. Polls repeat on `core.polling.Schedule` until every item passes or the
deadline comes.

The async functions are the API (many domains verify concurrently in one event loop, and a
benchmark can drive them); verify_once / verify_until wrap them for synchronous callers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dms_component.core.nameservers import Nameserver
from dms_component.core.polling import DEFAULT, Schedule
from dms_component.core.records import RequiredRecord
from dms_component.core.verdicts import (
    VERIFIED,
    DomainVerdict,
    ItemResult,
    evaluate,
    evaluate_planned,
    first_questions,
    judge,
)
from dms_component.providers.adapters.resolver import Resolver, Servers

# Called after each poll with the verdict and the seconds waited so far.
Progress = Callable[[DomainVerdict, float], None]

MAX_ROUNDS = 16  # rounds of questions in one poll; an SPF tree within the limits needs at most 11


@dataclass
class PollStats:
    """What a verification cost; filled in when passed to the functions below (for benchmarks)."""

    polls: int = 0
    rounds: int = 0
    queries: int = 0
    seconds: float = 0.0


async def poll(
    domain: str,
    required: Sequence[RequiredRecord],
    resolver: Resolver,
    *,
    dkim_probe: bytes | None = None,
    stats: PollStats | None = None,
) -> DomainVerdict:
    """One poll: ask, judge, ask what the judgement needs, until it needs nothing."""
    answers: dict = {}
    needs = set(first_questions(required))
    for _ in range(MAX_ROUNDS):
        answers.update(await resolver.ask_many(needs))
        if stats is not None:
            stats.rounds += 1
        result = evaluate(domain, required, answers, dkim_probe=dkim_probe)
        if not result.needs:
            return result.verdict
        needs = set(result.needs)
    return judge(domain, required, answers, dkim_probe=dkim_probe)


async def verify_until_async(
    domain: str,
    required: Sequence[RequiredRecord],
    servers: Servers | Sequence[Nameserver] | None,
    timeout: float,
    *,
    dkim_probe: bytes | None = None,
    schedule: Schedule = DEFAULT,
    clock: Callable[[], float] = time.monotonic,
    stats: PollStats | None = None,
    progress: Progress | None = None,
) -> DomainVerdict:
    """Poll until every item passes or `timeout` seconds have passed; the last verdict.

    `progress(verdict, elapsed)` is called after every poll (the caller rate-limits what it prints)."""
    resolver = Resolver(servers, own=domain)
    start = clock()
    deadline = start + timeout
    try:
        while True:
            verdict = await poll(domain, required, resolver, dkim_probe=dkim_probe, stats=stats)
            if stats is not None:
                stats.polls += 1
            now = clock()
            if progress is not None:
                progress(verdict, now - start)
            if verdict.status == VERIFIED or now >= deadline:
                return verdict
            await asyncio.sleep(min(schedule.interval(now - start), deadline - now))
    finally:
        if stats is not None:
            stats.queries += resolver.queries
            stats.seconds += clock() - start


def verify_once(
    domain: str,
    required: Sequence[RequiredRecord],
    servers: Servers | Sequence[Nameserver] | None,
    *,
    dkim_probe: bytes | None = None,
) -> DomainVerdict:
    """One poll. `servers`: ask these (None or empty: each name's authoritative servers).
    `dkim_probe`: a message DKIM-signed with the domain's private key (the identity's), checked against
    the published key as a receiver checks it."""
    return verify_until(domain, required, servers, 0, dkim_probe=dkim_probe)


def verify_until(
    domain: str,
    required: Sequence[RequiredRecord],
    servers: Servers | Sequence[Nameserver] | None,
    timeout: float,
    *,
    dkim_probe: bytes | None = None,
    schedule: Schedule = DEFAULT,
    stats: PollStats | None = None,
    progress: Progress | None = None,
) -> DomainVerdict:
    """verify_until_async for synchronous callers (the CLI, the Pulumi provider's threads)."""
    return asyncio.run(
        verify_until_async(
            domain,
            required,
            servers,
            timeout,
            dkim_probe=dkim_probe,
            schedule=schedule,
            stats=stats,
            progress=progress,
        )
    )


async def judge_planned_async(record: RequiredRecord, planned: Sequence[str], resolver: Resolver) -> ItemResult:
    """The item as the verifier will judge it once `planned` is published at its (host, type): the
    other answers it needs (an include's record, the MX host's address) are asked as in a poll."""
    answers: dict = {}
    item, needs = evaluate_planned(record, planned, answers)
    for _ in range(MAX_ROUNDS):
        if not needs:
            return item
        answers.update(await resolver.ask_many(needs))
        item, needs = evaluate_planned(record, planned, answers)
    return evaluate_planned(record, planned, answers, final=True)[0]


def judge_planned(
    domain: str, items: Sequence[tuple[RequiredRecord, Sequence[str]]], servers: Servers | Sequence[Nameserver] | None
) -> list[ItemResult]:
    """judge_planned_async for each (record, planned values), for synchronous callers (a provider's check)."""

    async def run() -> list[ItemResult]:
        resolver = Resolver(servers, own=domain)
        return list(await asyncio.gather(*(judge_planned_async(r, p, resolver) for r, p in items)))

    return asyncio.run(run()) if items else []
