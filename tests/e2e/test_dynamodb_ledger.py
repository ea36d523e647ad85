"""End to end: two stacks ("two CI machines") share one DynamoDB ledger on moto and race for its last slot.

Each round: two fresh stacks (own project folders and backends), one account partition with exactly one free
slot, both `pulumi up` started together in their own processes (the real CLI and engine; the dynamic providers
build their own boto3 clients). Exactly one wins; the other fails with the quota error; no over-count.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from devtools.localdns import LocalDnsServer
from dms_component.core.naming import camel
from dms_component.providers.adapters.ledger import open_ledger
from tests.e2e.harness import Deployment, race
from tests.support.ledgers import DynamoDbBackend

pytestmark = pytest.mark.e2e
ROUNDS = 3  # each round is two concurrent `pulumi up` runs


def test_two_stacks_racing_for_the_last_slot_of_a_dynamodb_ledger(
    tmp_path: Path, local_dns: LocalDnsServer, moto_server: str
) -> None:
    backend = DynamoDbBackend(moto_server)
    # A secret that can be searched for: the providers get it from the environment, never from config.
    secret = "e2e-ledger-secret-" + os.urandom(8).hex()

    for round_ in range(ROUNDS):
        settings: dict[str, Any] = backend.fresh(quota=3)
        seed = open_ledger(settings)
        for i in range(2):  # other stacks' verified domains: the race is for what is left
            seed.register(f"seed{round_}-{i}.example.test", "triggered")
            seed.mark_verified(f"seed{round_}-{i}.example.test")
        ledger_config = {camel(k): v for k, v in settings.items() if v is not None}  # as stack config writes them
        stacks = {}
        for side in ("a", "b"):
            stack = Deployment(tmp_path / f"r{round_}{side}", local_dns)
            domain = f"ddb-race{round_}-{side}.example.test"
            stack.configure([{"domain": domain, "type": "triggered"}], ledger=ledger_config)
            stacks[side] = stack
        result = race(stacks, env={"AWS_SECRET_ACCESS_KEY": secret})
        lost = result.loser
        assert "3 of 3" in result.outputs[lost], result.outputs[lost]
        winner = f"ddb-race{round_}-{result.winner}.example.test"

        stored = backend.stored(settings)
        assert len(stored) == len({d for d, _, _ in stored})  # no duplicate
        verified = sorted(d for d, _, s in stored if s == "verified")
        assert verified == sorted([f"seed{round_}-0.example.test", f"seed{round_}-1.example.test", winner])
        assert backend.verified_count(settings) == 3  # and the quota item agrees: no over-count
        # The loser lost at verification (its domain stays pending) or, when the winner was quicker, already
        # at registration (nothing of it was written).
        loser = [row for row in stored if row[0] == f"ddb-race{round_}-{lost}.example.test"]
        assert loser in ([], [(f"ddb-race{round_}-{lost}.example.test", "triggered", "pending")])
        assert stacks[result.winner].statuses()[winner]["status"] == "Verified"
        for side, stack in stacks.items():
            assert secret not in stack.state_text() + result.outputs[side]
            assert settings["table"] in stack.state_text()  # the settings are in state, as plain data
