"""Real races, for every backend: separate processes (each its own connection or boto3 client) and threads
start together at a barrier and compete for the quota. Exactly the free slots are won, never more, never twice.
"""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

import pytest

from dms_component.core.verdicts import VERIFIED, VERIFIED_CODE
from dms_component.core.errors import QuotaExceeded, SenderQuotaExceeded
from dms_component.providers.adapters.ledger import open_ledger
from tests.support.ledgers import Backend, stored_addresses

WORKERS = 8
QUOTA = 5


def _race_worker(rounds: list[tuple[dict[str, Any], str | None]], index: int, start: Any, results: Any) -> None:
    """Child process: each round, wait for all workers, then register and verify a domain.

    The domain is the worker's own, or the round's shared one when the round names it.
    """
    for round_, (settings, shared) in enumerate(rounds):
        domain = shared or f"r{round_}-w{index}.example.com"
        ledger = open_ledger(settings)
        start.wait(timeout=120)
        try:
            ledger.register(domain, "batch")
            entry = ledger.mark_verified(domain)
        except QuotaExceeded as exc:
            results.put((round_, domain, "quota", str(exc)))
        except BaseException as exc:
            results.put((round_, domain, "error", repr(exc)))
        else:
            results.put((round_, domain, "ok" if entry.status == VERIFIED else entry.status, ""))


def run_race(rounds: list[tuple[dict[str, Any], str | None]], worker: Any = None) -> list[tuple[int, str, str, str]]:
    """WORKERS spawned processes play every round; returns (round, domain, outcome, message) for each play."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    target = worker or _race_worker
    procs = [ctx.Process(target=target, args=(rounds, i, start, results)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    try:
        outcomes = [results.get(timeout=120) for _ in range(WORKERS * len(rounds))]
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
    assert [p.exitcode for p in procs] == [0] * WORKERS
    assert [o for o in outcomes if o[2] == "error"] == []
    return outcomes


def prefill(settings: dict[str, Any], count: int, round_: int) -> list[str]:
    ledger = open_ledger(settings)
    names = [f"r{round_}-pre{i}.example.com" for i in range(count)]
    for name in names:
        ledger.register(name, "batch")
        ledger.mark_verified(name)
    return names


def check_round(backend: Backend, settings: dict[str, Any], verified_before: list[str], winners: list[str]) -> None:
    """The store holds exactly the earlier and the winning domains as verified, each counted once."""
    stored = sorted(row[0] for row in backend.stored(settings) if row[2] == VERIFIED_CODE)
    assert stored == sorted(verified_before + winners)
    assert backend.verified_count(settings) == len(stored)


def test_eight_processes_against_an_empty_quota_of_five(backend: Backend) -> None:
    """As the SQLite race in tests/fast: 8 racers, 5 free slots, 5 rounds."""
    rounds = [(backend.fresh(QUOTA), None) for _ in range(5)]
    outcomes = run_race(rounds)

    for round_, (settings, _) in enumerate(rounds):
        mine = [o for o in outcomes if o[0] == round_]
        winners = sorted(d for _, d, kind, _ in mine if kind == "ok")
        refused = [(d, msg) for _, d, kind, msg in mine if kind == "quota"]
        assert (len(winners), len(refused)) == (QUOTA, WORKERS - QUOTA), (round_, mine)
        check_round(backend, settings, [], winners)
        for domain, message in refused:
            assert f"{domain} can't be verified" in message
            assert f"5 of 5 verified sender domains ({', '.join(winners)})" in message


def test_eight_processes_for_the_last_free_slot(backend: Backend) -> None:
    """4 of 5 verified, 8 racers, 12 rounds: each round exactly one wins the last slot."""
    rounds = [(backend.fresh(QUOTA), None) for _ in range(12)]
    before = [prefill(settings, QUOTA - 1, r) for r, (settings, _) in enumerate(rounds)]
    outcomes = run_race(rounds)

    all_winners = []
    for round_, (settings, _) in enumerate(rounds):
        mine = [o for o in outcomes if o[0] == round_]
        winners = [d for _, d, kind, _ in mine if kind == "ok"]
        assert len(winners) == 1, (round_, mine)
        assert [kind for _, _, kind, _ in mine].count("quota") == WORKERS - 1, (round_, mine)
        check_round(backend, settings, before[round_], winners)
        all_winners += winners
    assert len(all_winners) == len(rounds)


def test_eight_processes_verifying_the_same_domain_count_it_once(backend: Backend) -> None:
    """All racers register and verify ONE domain for the last slot: all see it verified, it counts once."""
    rounds = [(backend.fresh(QUOTA), f"same{r}.example.com") for r in range(4)]
    before = [prefill(settings, QUOTA - 1, r) for r, (settings, _) in enumerate(rounds)]
    outcomes = run_race(rounds)

    for round_, (settings, shared) in enumerate(rounds):
        mine = [o for o in outcomes if o[0] == round_]
        assert [kind for _, _, kind, _ in mine] == ["ok"] * WORKERS, (round_, mine)
        check_round(backend, settings, before[round_], [shared])


@pytest.mark.parametrize("round_", range(3))
def test_sixteen_threads_of_one_process_for_the_last_free_slot(backend: Backend, round_: int) -> None:
    """Threads share one process (and its cached boto3 client): still one winner."""
    settings = backend.fresh(QUOTA)
    before = prefill(settings, QUOTA - 1, round_)
    start = threading.Barrier(16)
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def play(index: int) -> None:
        domain = f"t{index}.example.com"
        ledger = open_ledger(settings)
        start.wait(timeout=60)
        try:
            ledger.register(domain, "triggered")
            ledger.mark_verified(domain)
            outcome = "ok"
        except QuotaExceeded:
            outcome = "quota"
        except BaseException as exc:
            outcome = repr(exc)
        with lock:
            outcomes.append((domain, outcome))

    threads = [threading.Thread(target=play, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert sorted(o for _, o in outcomes) == ["ok"] + ["quota"] * 15
    check_round(backend, settings, before, [d for d, o in outcomes if o == "ok"])


# -- sender addresses (issue 26): the sender quota's check and the create are one step -----------------------

SENDER_QUOTA = 3


def _address_worker(rounds: list[tuple[dict[str, Any], str | None]], index: int, start: Any, results: Any) -> None:
    """Child process: each round, wait for all workers, then create an address (its own, or the round's shared one)."""
    for round_, (settings, shared) in enumerate(rounds):
        address = shared or f"w{index}@slot{round_}.example.com"
        ledger = open_ledger(settings)
        start.wait(timeout=120)
        try:
            ledger.create_address(address, f"Worker {index}")
        except SenderQuotaExceeded as exc:
            results.put((round_, address, "quota", str(exc)))
        except BaseException as exc:
            results.put((round_, address, "error", repr(exc)))
        else:
            results.put((round_, address, "ok", ""))


def _address_rounds(backend: Backend, count: int, shared: bool) -> list[tuple[dict[str, Any], str | None]]:
    """Fresh ledgers whose domain slot<r>.example.com is verified and holds SENDER_QUOTA - 1 addresses."""
    rounds: list[tuple[dict[str, Any], str | None]] = []
    for r in range(count):
        settings = backend.fresh(QUOTA, SENDER_QUOTA)  # type: ignore[call-arg]
        ledger = open_ledger(settings)
        ledger.register(f"slot{r}.example.com", "batch")
        ledger.mark_verified(f"slot{r}.example.com")
        for i in range(SENDER_QUOTA - 1):
            ledger.create_address(f"pre{i}@slot{r}.example.com", "Pre")
        rounds.append((settings, f"same@slot{r}.example.com" if shared else None))
    return rounds


def test_eight_processes_for_the_last_address_slot(backend: Backend) -> None:
    """Each round exactly one racer creates the last address the sender quota allows; the store agrees."""
    rounds = _address_rounds(backend, 6, shared=False)
    outcomes = run_race(rounds, worker=_address_worker)

    for round_, (settings, _) in enumerate(rounds):
        mine = [o for o in outcomes if o[0] == round_]
        assert [kind for _, _, kind, _ in mine].count("ok") == 1, (round_, mine)
        assert [kind for _, _, kind, _ in mine].count("quota") == WORKERS - 1, (round_, mine)
        winner = next(a for _, a, kind, _ in mine if kind == "ok")
        stored = [row[0] for row in stored_addresses(backend, settings)]
        assert len(stored) == SENDER_QUOTA and winner in stored


def test_eight_processes_creating_the_same_address_all_get_it_once(backend: Backend) -> None:
    """The last slot, one address for all: every racer gets it (taken over), it is stored and counted once."""
    rounds = _address_rounds(backend, 3, shared=True)
    outcomes = run_race(rounds, worker=_address_worker)

    for round_, (settings, shared) in enumerate(rounds):
        mine = [o for o in outcomes if o[0] == round_]
        assert [kind for _, _, kind, _ in mine] == ["ok"] * WORKERS, (round_, mine)
        assert [row[0] for row in stored_addresses(backend, settings)].count(shared) == 1
        assert len(stored_addresses(backend, settings)) == SENDER_QUOTA
