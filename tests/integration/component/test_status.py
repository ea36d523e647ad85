"""`dms status` against each ledger (SQLite, DynamoDB on moto, the Tencent Cloud fake) and the session's
Knot, read from a stack file: the console's list with a fresh check per item, as a table and as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devtools.localdns import LocalDnsServer
from dms_component.core.naming import camel
from dms_component.core.records import PROFILES, required_records
from dms_component.providers.adapters.ledger import open_ledger
from dms_component.providers.adapters.ledger.tencent import TencentLedger
from tests.fakes.tencent_cloud import FakeTencentCloud
from tests.integration.zone import Zone
from tests.support.ledgers import DynamoDbBackend, SqliteBackend

ROOT = Path(__file__).resolve().parents[3]
OWNER = "organization/dms/prod@/srv/dms"


def dms(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dms_component", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def stack_file(folder: Path, local_dns: LocalDnsServer, ledger: dict[str, Any], domains: list[str]) -> Path:
    """A stack file as a user writes it; the TSIG key is a file, never in the config."""
    config = {
        "config": {
            "dms:domains": [{"domain": d, "type": "triggered"} for d in domains],
            "dms:dns": {
                "provider": "rfc2136",
                "server": local_dns.address,
                "zone": local_dns.zone,
                "tsig": {"keyFile": str(local_dns.key_file)},
            },
            "dms:ledger": ledger,
        }
    }
    path = folder / "Pulumi.prod.yaml"
    path.write_text(json.dumps(config))
    return path


def publish_without_dkim(zone: Zone, domain: str) -> None:
    zone.publish(r for r in required_records(domain, "", PROFILES["tencent-ses"]) if r.item != "DKIM")


@pytest.mark.parametrize("kind", ["sqlite", "dynamodb"])
def test_status_lists_every_domain_of_the_ledger_with_owner_and_a_fresh_check(
    kind: str, tmp_path: Path, local_dns: LocalDnsServer, zone: Zone, request: pytest.FixtureRequest
) -> None:
    backend = SqliteBackend(tmp_path) if kind == "sqlite" else DynamoDbBackend(request.getfixturevalue("moto_server"))
    settings = backend.fresh(5)
    ledger = open_ledger(settings)
    good, missing = f"st-good-{kind}.example.test", f"st-missing-{kind}.example.test"
    ledger.register(good, "triggered", OWNER)
    ledger.mark_verified(good)
    ledger.register(missing, "batch", None)
    publish_without_dkim(zone, good)
    # The ledger's settings as stack config writes them: camelCase keys (senderQuota).
    given = {camel(k): v for k, v in settings.items() if v is not None}
    path = stack_file(tmp_path, local_dns, given, [good])

    table = dms("status", "--stack-file", str(path))
    as_json = dms("status", "--stack-file", str(path), "--json")

    assert table.returncode == 1, table.stderr  # a domain is pending
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["DOMAIN", "TYPE", "STATUS", "OWNER", "SPF", "DKIM", "DMARC", "MX"]
    # A DKIM key is not in the ledger, and there is no state here: DKIM is not checked ("-").
    assert lines[1].split() == [good, "triggered", "Verified", "organization/dms/prod", "ok", "-", "ok", "ok"]
    assert lines[2].split() == [missing, "batch", "Pending", "verification", "-", "FAIL", "-", "FAIL", "FAIL"]
    assert f"  {missing} SPF: no SPF record at {missing}" in table.stdout
    data = json.loads(as_json.stdout)
    assert as_json.returncode == 1
    rows = {r["domain"]: r for r in data["domains"]}
    assert rows[good]["owner"] == OWNER and rows[good]["status"] == "Verified"
    assert [i["item"] for i in rows[good]["items"]] == ["SPF", "DMARC", "MX"]
    assert rows[missing]["status"] == "Pending verification" and rows[missing]["owner"] is None
    assert local_dns.tsig_secret() not in table.stdout + as_json.stdout + table.stderr


def test_status_of_the_tencent_ledger_is_the_services_list_and_shows_a_domain_it_is_still_checking(
    tmp_path: Path, local_dns: LocalDnsServer, zone: Zone, tencent_cloud: FakeTencentCloud
) -> None:
    ledger = TencentLedger(
        "ap-guangzhou",
        endpoint=tencent_cloud.endpoint,
        secret_id=tencent_cloud.secret_id,
        secret_key=tencent_cloud.secret_key,
        verify_timeout=0,
    )
    checking, verified = "st-tc-checking.example.test", "st-tc-verified.example.test"
    for domain in (checking, verified):
        ledger.register(domain, "triggered")
        service_records = tencent_cloud.identities[domain].expected()
        zone.publish(r for r in required_records(domain, "", PROFILES["tencent-ses"]) if r.item != "DKIM")
        dkim = next(a for a in service_records if "_domainkey" in a["SendDomain"])
        zone.add_txt(dkim["SendDomain"], dkim["ExpectedValue"])
    ledger.verify_timeout = 5
    assert ledger.mark_verified(verified).status == "Verified"
    path = stack_file(tmp_path, local_dns, {"backend": "tencent", "endpoint": tencent_cloud.endpoint}, [verified])
    env = {"TENCENTCLOUD_SECRET_ID": tencent_cloud.secret_id, "TENCENTCLOUD_SECRET_KEY": tencent_cloud.secret_key}

    table = dms("status", "--stack-file", str(path), env=env)
    as_json = dms("status", "--stack-file", str(path), "--json", env=env)

    assert table.returncode == 1, table.stderr
    lines = table.stdout.splitlines()
    assert lines[1].split()[:6] == [checking, "triggered", "Pending", "(the", "service", "is"]
    assert lines[1].split()[-4:] == ["ok", "ok", "ok", "ok"]
    # What the console's list shows too: sending enabled, reputation level, daily quota (ListEmailIdentities).
    assert lines[0].split()[4:8] == ["SENDING", "REPUTATION", "DAILY", "QUOTA"]
    assert lines[2].split() == [verified, "triggered", "Verified", "-", "enabled", "0", "0", "ok", "ok", "ok", "ok"]
    rows = {r["domain"]: r for r in json.loads(as_json.stdout)["domains"]}
    assert rows[verified]["sending"] == {"sending_enabled": True, "reputation_level": 0, "daily_quota": 0}
    assert rows[checking]["status"] == "Pending (the service is checking)"
    assert rows[checking]["ledger_status"] == "Pending verification"
    assert tencent_cloud.secret_key not in table.stdout + as_json.stdout + table.stderr + as_json.stderr


def test_status_of_an_unreadable_ledger_or_bad_input_is_one_line(tmp_path: Path, local_dns: LocalDnsServer) -> None:
    missing = dms("status", "--stack-file", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and missing.stderr.startswith("dms: --stack-file: can't read")
    path = stack_file(tmp_path, local_dns, {"backend": "sqlite", "path": str(tmp_path / "l.sqlite")}, [])
    bad = stack_file(tmp_path, local_dns, {"backend": "sqlite", "path": 7}, ["a.example.test"])
    assert path == bad
    result = dms("status", "--stack-file", str(bad))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "dms: dms:ledger.path: 7 is not a string"
    unreachable = stack_file(
        tmp_path,
        local_dns,
        {"backend": "dynamodb", "table": "dms-ledger", "region": "us-east-1", "endpoint": "http://127.0.0.1:9"},
        ["a.example.test"],
    )
    down = dms("status", "--stack-file", str(unreachable), env={"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"})
    assert down.returncode == 3, down.stderr
    assert len(down.stderr.strip().splitlines()) == 1 and "Traceback" not in down.stderr


def test_plan_from_a_stack_file_shows_each_record_and_exits_1_on_a_conflict(
    tmp_path: Path, local_dns: LocalDnsServer, zone: Zone
) -> None:
    clean, taken = "pl-clean.example.test", "pl-taken.example.test"
    zone.add_txt(f"_dmarc.{taken}", "v=DMARC1; p=reject")  # someone else's DMARC record
    ledger = {"backend": "sqlite", "path": str(tmp_path / "l.sqlite")}
    only_clean = stack_file(tmp_path, local_dns, ledger, [clean])

    result = dms("plan", "--stack-file", str(only_clean))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{clean}: 4 to create",
        f'  + CREATE   TXT   {clean} "v=spf1 include:qcloudmail.com ~all"',
        f'  + CREATE   TXT   qcloud._domainkey.{clean} "v=DKIM1; k=rsa; p=<key made at apply>"',
        f'  + CREATE   TXT   _dmarc.{clean} "v=DMARC1; p=none"',
        f"  + CREATE   MX    {clean} 5 mxbiz1.qq.com.",
    ]

    both = stack_file(tmp_path, local_dns, ledger, [clean, taken])
    conflict = dms("plan", "--stack-file", str(both), "--json")
    assert conflict.returncode == 1, conflict.stderr
    plans = {p["domain"]: p for p in json.loads(conflict.stdout)["domains"]}
    assert {"action": "conflict", "item": "DMARC", "host": f"_dmarc.{taken}", "type": "TXT"}.items() <= (
        plans[taken]["records"][2].items()
    )
    assert plans[taken]["summary"] == f"{taken}: 4 to create, 1 in conflict"
    no_state = dms("wait", clean, "--stack-file", str(both))
    assert no_state.returncode == 2 and "has no DKIM key in stack prod yet: run `pulumi up` first" in no_state.stderr


def test_wait_with_the_tencent_ledger_asks_the_service_once_dns_passes(
    tmp_path: Path, local_dns: LocalDnsServer, zone: Zone, tencent_cloud: FakeTencentCloud
) -> None:
    domain = "wt-tc.example.test"
    TencentLedger(
        "ap-guangzhou",
        endpoint=tencent_cloud.endpoint,
        secret_id=tencent_cloud.secret_id,
        secret_key=tencent_cloud.secret_key,
    ).register(domain, "triggered")
    publish_without_dkim(zone, domain)
    dkim = next(a for a in tencent_cloud.identities[domain].expected() if "_domainkey" in a["SendDomain"])
    zone.add_txt(dkim["SendDomain"], dkim["ExpectedValue"])
    path = stack_file(tmp_path, local_dns, {"backend": "tencent", "endpoint": tencent_cloud.endpoint}, [domain])
    env = {"TENCENTCLOUD_SECRET_ID": tencent_cloud.secret_id, "TENCENTCLOUD_SECRET_KEY": tencent_cloud.secret_key}

    result = dms("wait", "--stack-file", str(path), "--timeout", "20", "--json", env=env)

    assert result.returncode == 0, result.stderr
    assert [d["status"] for d in json.loads(result.stdout)["domains"]] == ["Verified"]
    assert tencent_cloud.identities[domain].verified  # the service's own word
    assert tencent_cloud.secret_key not in result.stdout + result.stderr


@pytest.mark.parametrize("quota", [1, 2])
def test_status_tells_a_pending_domain_over_the_quota_to_raise_it_or_drop_the_domain(
    quota: int, tmp_path: Path, local_dns: LocalDnsServer, zone: Zone
) -> None:
    settings = SqliteBackend(tmp_path).fresh(quota)
    ledger = open_ledger(settings)
    verified, waiting = f"q{quota}-verified.example.test", f"q{quota}-waiting.example.test"
    ledger.register(waiting, "batch", OWNER)  # pending first; then another domain takes the last slot
    ledger.register(verified, "triggered", OWNER)
    ledger.mark_verified(verified)
    publish_without_dkim(zone, waiting)  # its checks pass: only the verified mark is missing
    path = stack_file(tmp_path, local_dns, {camel(k): v for k, v in settings.items() if v is not None}, [waiting])

    status = dms("status", "--stack-file", str(path), "--json")

    assert status.returncode == 1, status.stderr  # a domain is pending
    rows = {r["domain"]: r for r in json.loads(status.stdout)["domains"]}

    assert all(i["ok"] for i in rows[waiting]["items"]), rows[waiting]["items"]
    if quota == 1:  # `pulumi up` would be refused: saying "run pulumi up" would send the user round in circles
        assert rows[waiting]["status"] == (
            "Pending (checks pass, but the quota of 1 is full: raise the quota or drop the domain)"
        )
    else:
        assert rows[waiting]["status"] == "Pending (checks pass: run pulumi up)"
