"""End to end: two stacks sharing one SQLite ledger race for its last free slot, many times.

Each round: two fresh stacks (own project folders and backends), one ledger with exactly one free slot,
both `pulumi up` started together in their own processes. Exactly one must win; the other must fail
with the quota error; the ledger must hold no duplicate and never more verified domains than the quota.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devtools.localdns import LocalDnsServer
from dms_component.providers.adapters.ledger.sqlite import SqliteLedger
from tests.e2e.harness import Deployment, race
from tests.e2e.test_rules import entry, ledger

pytestmark = pytest.mark.e2e
ROUNDS = 8  # each round is two concurrent `pulumi up` runs, about 6 s


def test_two_stacks_racing_for_the_last_slot_never_both_win(tmp_path: Path, local_dns: LocalDnsServer) -> None:
    shared = tmp_path / "ledger.sqlite"
    seed = SqliteLedger(shared, quota=100)
    for i in range(3):  # other stacks' verified domains: the race is for what is left
        seed.register(f"race-seed{i}.example.test", "triggered")
        seed.mark_verified(f"race-seed{i}.example.test")

    for round_ in range(ROUNDS):
        verified_before = verified(shared)
        quota = len(verified_before) + 1  # exactly one free slot
        stacks = {}
        for side in ("a", "b"):
            stack = Deployment(tmp_path / f"r{round_}{side}", local_dns)
            stack.configure([entry(f"race{round_}-{side}.example.test", "triggered")], ledger=ledger(shared, quota))
            stacks[side] = stack
        result = race(stacks)
        lost = result.loser
        assert f"{quota} of {quota}" in result.outputs[lost], result.outputs[lost]
        winner_domain = f"race{round_}-{result.winner}.example.test"

        all_rows = rows_of(shared)
        assert len(all_rows) == len({d for d, _ in all_rows})  # no duplicate
        assert verified(shared) == sorted([*verified_before, winner_domain])  # exactly one more, at the quota
        assert len(verified(shared)) == quota
        # The loser failed either registering (the slot was already taken) or marking verified (it stays pending).
        assert dict(all_rows).get(f"race{round_}-{lost}.example.test") in (None, "pending")
        assert stacks[result.winner].statuses()[winner_domain]["status"] == "Verified"


def rows_of(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT domain, status FROM sender_domains").fetchall()


def verified(path: Path) -> list[str]:
    return sorted(d for d, s in rows_of(path) if s == "verified")
