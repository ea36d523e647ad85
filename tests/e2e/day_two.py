"""`dms status`, `dms plan` and `dms wait` on the stack of a program that is not this project's: what they read
comes from the stack's state (no `dms:` config), and each must agree with what `pulumi up` did."""

from __future__ import annotations

import json

from tests.e2e.cli import CliProject


def assert_day_two_commands_see_the_verified_domains(cli: CliProject, domains: set[str]) -> None:
    status = cli.dms("status", "--json")
    assert status.code == 0, status.output  # every domain verified, every item passing
    rows = {r["domain"]: r for r in json.loads(status.stdout)["domains"]}
    assert set(rows) == domains
    assert all(r["status"] == "Verified" and all(i["ok"] for i in r["items"]) for r in rows.values())
    assert {i["item"] for r in rows.values() for i in r["items"]} == {"SPF", "DKIM", "DMARC", "MX"}  # DKIM too

    plan = cli.dms("plan", "--json")
    assert plan.code == 0, plan.output
    plans = {p["domain"]: p for p in json.loads(plan.stdout)["domains"]}
    assert set(plans) == domains
    assert {r["action"] for p in plans.values() for r in p["records"]} == {"keep"}

    wait = cli.dms("wait", "--json", "--timeout", "30")
    assert wait.code == 0, wait.output
    assert {d["domain"]: d["status"] for d in json.loads(wait.stdout)["domains"]} == dict.fromkeys(domains, "Verified")
    assert "Traceback" not in status.output + plan.output + wait.output
