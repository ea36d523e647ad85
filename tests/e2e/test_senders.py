"""End to end: sender addresses from stack config (`dms:domains[].senders`), with the real Pulumi CLI and engine,
the real Knot and the SQLite ledger (issue 26, item 2 and 5).

The service's order in one `pulumi up`: the domain is verified, then its addresses are made, their passwords set
and their unsubscribe links; a domain left pending makes none and says how to go on; the next `up` converges.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from devtools.localdns import LocalDnsServer, free_port
from dms_component.core.senders import password_problem
from tests.e2e.harness import Deployment
from tests.e2e.test_day_to_day import dms
from tests.e2e.test_stack import txt

pytestmark = pytest.mark.e2e
PASSWORD = "Send3r-Pass9word"  # meets the service's rule: searched for in state and output
NEW_PASSWORD = "An0ther-Pass7word"


@pytest.fixture
def deployment(tmp_path: Path, local_dns: LocalDnsServer) -> Iterator[Deployment]:
    yield Deployment(tmp_path, local_dns)


def addresses(deployment: Deployment) -> dict[str, tuple[str, bool, int]]:
    """The ledger's addresses: address -> (sender name, password set, unsubscribe)."""
    if not deployment.ledger_path.exists():
        return {}
    with sqlite3.connect(deployment.ledger_path) as conn:
        query = "SELECT address, sender_name, password_set, unsubscribe FROM sender_addresses"
        return {a: (n, bool(p), u) for a, n, p, u in conn.execute(query)}


def configure(deployment: Deployment, domains: list[dict[str, Any]], **extra: Any) -> None:
    """The stack's config, with each sender's `password` set as a Pulumi secret (config set --secret --path)."""
    secrets = {}
    for d, domain in enumerate(domains):
        for s, sender in enumerate(domain.get("senders") or []):
            if "password" in sender:
                secrets[f"dms:domains[{d}].senders[{s}].password"] = sender.pop("password")
    deployment.configure(domains, **extra)
    for key, value in secrets.items():
        deployment.stack.set_config(key, auto.ConfigValue(value, secret=True), path=True)


def assert_secret_nowhere(deployment: Deployment, *secrets: str) -> None:
    text = deployment.state_text() + "\n".join(deployment.output)
    stack_file = (deployment.project / f"Pulumi.{deployment.stack_name}.yaml").read_text()
    for secret in secrets:
        assert secret not in text and secret not in stack_file


def test_addresses_are_made_in_the_up_that_verifies_their_domain_and_the_next_up_changes_nothing(
    deployment: Deployment,
) -> None:
    domain = "senders.example.test"
    configure(
        deployment,
        [
            {
                "domain": domain,
                "type": "batch",
                "senders": [
                    {"address": "noreply", "senderName": "Example News", "password": PASSWORD},
                    {"address": f"team@{domain}", "senderName": "Example Team", "generatePassword": True},
                    {"address": "plain", "senderName": "Plain", "unsubscribe": "none"},
                ],
            }
        ],
    )

    deployment.up()

    assert deployment.statuses()[domain]["status"] == "Verified"
    assert addresses(deployment) == {
        f"noreply@{domain}": ("Example News", True, 2),  # batch: the English unsubscribe link by default
        f"team@{domain}": ("Example Team", True, 2),
        f"plain@{domain}": ("Plain", False, 0),
    }
    generated = deployment.stack.outputs()["domains"].value[domain]["smtp_passwords"][f"team@{domain}"]
    assert password_problem(generated) is None
    assert_secret_nowhere(deployment, PASSWORD, generated)
    # Each address depends on its domain's verification: made after it, so deleted before it (and the identity).
    verification = next(r["urn"] for r in deployment.resources() if r["type"].endswith("dms:Verification"))
    made = [r for r in deployment.resources() if r["type"].endswith("dms:SenderAddress")]
    assert len(made) == 3 and all(verification in r.get("dependencies", []) for r in made)
    deployment.output.clear()
    deployment.preview(expect_no_changes=True)

    # Day to day: `dms status` lists them (whether a password is set, never which), `dms plan` has none to change.
    status, table, plan = (dms(deployment, *args) for args in (("status", "--json"), ("status",), ("plan", "--json")))
    assert status.returncode == 0 and table.returncode == 0 and plan.returncode == 0, status.stderr + plan.stderr
    [row] = json.loads(status.stdout)["domains"]
    assert {a["address"]: (a["password_set"], a["unsubscribe"], a["status_code"]) for a in row["addresses"]} == {
        f"noreply@{domain}": (True, "en", "address.made"),
        f"team@{domain}": (True, "en", "address.made"),
        f"plain@{domain}": (False, "none", "address.made"),
    }
    assert re.search(rf"^team@{domain}\s+Example Team\s+set\s+en\s+made$", table.stdout, re.M), table.stdout
    [planned] = json.loads(plan.stdout)["domains"]
    assert {a["action"] for a in planned["addresses"]} == {"keep"}
    for shown in (status, table, plan):
        assert PASSWORD not in shown.stdout + shown.stderr and generated not in shown.stdout + shown.stderr


def test_a_pending_domain_makes_no_address_says_so_once_and_the_next_up_converges(
    deployment: Deployment,
) -> None:
    domain = "senders-pending.example.test"
    entry = {"domain": domain, "type": "triggered", "senders": [{"address": "noreply", "senderName": "Notify"}]}
    silent = {"nameserver": f"127.0.0.1:{free_port()}", "timeout": 1}
    configure(deployment, [dict(entry)], verification=silent)

    deployment.up()

    assert deployment.statuses()[domain]["status"] == "Pending verification"
    assert addresses(deployment) == {}
    # One line for the domain (the CLI prints it live, then again among the diagnostics).
    waiting = {line.split("warning: ", 1)[-1].strip() for line in deployment.output if "sender addresses" in line}
    assert len(waiting) == 1 and "dms wait" in next(iter(waiting)) and "pulumi up" in next(iter(waiting))

    configure(deployment, [dict(entry)], verification={"timeout": 30})  # DNS answers now
    deployment.up()

    assert deployment.statuses()[domain]["status"] == "Verified"
    assert addresses(deployment) == {f"noreply@{domain}": ("Notify", False, 0)}  # triggered: no link
    deployment.preview(expect_no_changes=True)


def test_day_to_day_changes_take_over_replace_update_in_place_and_delete(deployment: Deployment) -> None:
    domain = "senders-changes.example.test"
    keep = {"address": "keep", "senderName": "Keep", "password": PASSWORD}
    configure(deployment, [{"domain": domain, "type": "batch", "senders": [dict(keep)]}])
    deployment.up()
    # Made in the console meanwhile: one the program will declare, and one it never will.
    from dms_component.providers.adapters.ledger.sqlite import SqliteLedger

    console = SqliteLedger(deployment.ledger_path, 5)
    console.create_address(f"taken@{domain}", "Taken")
    console.create_address(f"console@{domain}", "Console")

    senders = [
        {**keep, "password": NEW_PASSWORD, "unsubscribe": "fr"},  # a new password and link language: in place
        {"address": "taken", "senderName": "Taken"},  # exists: taken over, not refused
    ]
    configure(deployment, [{"domain": domain, "type": "batch", "senders": senders}])
    deployment.output.clear()
    changes = deployment.up().summary.resource_changes or {}

    assert changes.get("update") == 1 and changes.get("create") == 1 and "replace" not in changes, changes
    assert addresses(deployment)[f"keep@{domain}"] == ("Keep", True, 5)
    assert f"console@{domain}" in addresses(deployment)  # not declared: left alone
    assert f"taken@{domain}" in addresses(deployment)
    assert_secret_nowhere(deployment, PASSWORD, NEW_PASSWORD)

    # A new sender name: the service can't rename, so the preview says replace.
    configure(deployment, [{"domain": domain, "type": "batch", "senders": [{**keep, "senderName": "Kept"}]}])
    deployment.output.clear()
    preview = deployment.preview()
    assert preview.change_summary.get("replace") == 1, preview.change_summary
    assert preview.change_summary.get("delete") == 1  # `taken` left the program
    deployment.up()

    assert addresses(deployment) == {
        f"keep@{domain}": ("Kept", True, 2),
        f"console@{domain}": ("Console", False, 0),
    }
    deployment.preview(expect_no_changes=True)

    # Deleted in the console: `dms plan` says it would be made again; refresh sees it gone, and `up` makes it.
    console.delete_address(f"keep@{domain}")
    plan = dms(deployment, "plan", "--json")
    [planned] = json.loads(plan.stdout)["domains"]
    assert [(a["address"], a["action"]) for a in planned["addresses"]] == [(f"keep@{domain}", "create")]
    assert "+ CREATE   ADDRESS keep@" in dms(deployment, "plan").stdout
    deployment.refresh()
    deployment.up()
    assert addresses(deployment)[f"keep@{domain}"] == ("Kept", True, 2)
    deployment.preview(expect_no_changes=True)


def test_retire_keeps_the_addresses(deployment: Deployment) -> None:
    domain = "senders-retire.example.test"
    entry = {"domain": domain, "type": "triggered", "senders": [{"address": "noreply", "senderName": "Notify"}]}
    configure(deployment, [dict(entry)])
    deployment.up()

    configure(deployment, [{**entry, "retire": True}])
    deployment.up()
    configure(deployment, [])
    deployment.up()

    assert addresses(deployment) == {f"noreply@{domain}": ("Notify", False, 0)}


@pytest.mark.parametrize(
    ("senders", "code", "key"),
    [
        ([{"address": "no reply", "senderName": "N"}], "senders.address", "dms:domains[0].senders[0].address"),
        ([{"address": "n@other.example.test", "senderName": "N"}], "senders.outside-domain",
         "dms:domains[0].senders[0].address"),
        ([{"address": "n", "senderName": "N <n@x>"}], "senders.sender-name", "dms:domains[0].senders[0].senderName"),
        ([{"address": "n", "senderName": "N", "password": "short1A"}], "senders.password",
         "dms:domains[0].senders[0].password"),
        ([{"address": "n", "senderName": "N"}, {"address": "N", "senderName": "M"}], "senders.declared-twice",
         "dms:domains[0].senders[1].address"),
        ([{"address": f"a{i}", "senderName": "N"} for i in range(3)], "ledger.sender-quota", "dms:ledger.senderQuota"),
    ],
    ids=["address", "outside-domain", "sender-name", "password", "declared-twice", "sender-quota"],
)  # fmt: skip
def test_each_refusal_stops_the_preview_naming_the_stack_config_key_and_writes_nothing(
    deployment: Deployment, local_dns: LocalDnsServer, senders: list[dict[str, Any]], code: str, key: str
) -> None:
    domain = "senders-refused.example.test"
    ledger = {"backend": "sqlite", "path": str(deployment.ledger_path), "quota": 5, "senderQuota": 2}
    configure(deployment, [{"domain": domain, "type": "triggered", "senders": senders}], ledger=ledger)

    with pytest.raises(auto.errors.CommandError) as refused:
        deployment.preview()

    message = str(refused.value)
    line = next(line for line in message.splitlines() if f"[{code}]" in line)
    assert key in line and "Traceback" not in message and "short1A" not in message
    assert addresses(deployment) == {} and not deployment.ledger_path.exists()  # nothing written: no ledger at all
    assert txt(local_dns, domain) == [] and [r for r in deployment.resources() if r.get("custom")] == []
