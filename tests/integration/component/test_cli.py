"""The `dms` command line, run as a real subprocess against the session's Knot server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dms_component.core.nameservers import Nameserver
from dms_component.core.records import PROFILES, RequiredRecord, required_records
from tests.integration.zone import Zone

ROOT = Path(__file__).resolve().parents[3]
# The console script installed beside the interpreter running the tests, whichever venv that is.
CONSOLE_SCRIPT = Path(sys.executable).with_name("dms")
ITEM_KEYS = ["item", "host", "expected", "current", "ok", "reason", "code"]


def dms(*args: str, command: list[str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(command or [sys.executable, "-m", "dms_component"]), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def records(domain: str, key: str) -> list[RequiredRecord]:
    return required_records(domain, key, PROFILES["tencent-ses"])


def verify_args(domain: str, key: str, nameserver: Nameserver | str, *extra: str) -> list[str]:
    return [
        "verify",
        domain,
        "--dkim-selector",
        "qcloud",
        "--dkim-public-key",
        key,
        "--nameserver",
        str(nameserver),
        "--json",
        *extra,
    ]


def assert_usage_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit 2, a single `dms: ...` line on stderr, no traceback, nothing on stdout."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dms: ")
    for needle in needles:
        assert needle in lines[0]
    assert result.stdout == ""


def test_records_prints_four_zone_file_lines(dkim_key: str):
    result = dms("records", "Notify.Example.COM.", "--dkim-public-key", dkim_key)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines == [
        'notify.example.com. IN TXT "v=spf1 include:qcloudmail.com ~all"',
        f'qcloud._domainkey.notify.example.com. IN TXT "v=DKIM1; k=rsa; p={dkim_key}"',
        '_dmarc.notify.example.com. IN TXT "v=DMARC1; p=none"',
        "notify.example.com. IN MX 5 mxbiz1.qq.com.",
    ]


def test_records_json_matches_required_records(dkim_key: str):
    result = dms("records", "notify.example.com", "--dkim-public-key", dkim_key, "--json")

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == {
        "domain": "notify.example.com",
        "records": [r.to_dict() for r in records("notify.example.com", dkim_key)],
    }


def test_verify_good_domain_exits_0_with_json(zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str):
    recs = records(unique_domain, dkim_key)
    zone.publish(recs)

    result = dms(*verify_args(unique_domain, dkim_key, nameserver))

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["domain", "status", "status_code", "items"]
    assert data["status_code"] == "verified"
    assert data["domain"] == unique_domain
    assert data["status"] == "Verified"
    assert [i["item"] for i in data["items"]] == ["SPF", "DKIM", "DMARC", "MX"]
    for got, want in zip(data["items"], recs, strict=True):
        assert list(got) == ITEM_KEYS
        assert got["host"] == want.host
        assert isinstance(got["current"], list)
        assert all(isinstance(v, str) for v in got["current"])
        assert got["ok"] is True
        assert isinstance(got["reason"], str) and got["reason"]
    assert [i["expected"] for i in data["items"]] == [r.value for r in recs[:3]] + ["5 mxbiz1.qq.com."]
    assert [i["current"] for i in data["items"]] == [[r.value] for r in recs[:3]] + [["5 mxbiz1.qq.com."]]


def test_verify_broken_domain_exits_1(zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str):
    recs = records(unique_domain, dkim_key)
    zone.publish([r for r in recs if r.item != "DMARC"])

    result = dms(*verify_args(unique_domain, dkim_key, nameserver))

    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "Pending verification"
    assert [i["item"] for i in data["items"] if not i["ok"]] == ["DMARC"]
    assert data["items"][2]["code"] == "dmarc.missing"


def test_verify_text_output(zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str):
    recs = records(unique_domain, dkim_key)
    zone.publish([r for r in recs if r.item != "MX"])

    args = verify_args(unique_domain, dkim_key, nameserver)
    args.remove("--json")
    result = dms(*args)

    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"{unique_domain}: Pending verification"
    assert [line.split()[:2] for line in lines[1:]] == [["SPF", "ok"], ["DKIM", "ok"], ["DMARC", "ok"], ["MX", "FAIL"]]


def test_verify_with_timeout_picks_up_nothing_new_and_stays_pending(
    nameserver: Nameserver, unique_domain: str, dkim_key: str
):
    result = dms(*verify_args(unique_domain, dkim_key, nameserver, "--timeout", "0.6"))

    assert result.returncode == 1
    assert json.loads(result.stdout)["status"] == "Pending verification"


@pytest.mark.parametrize("domain", ["bad_name!.example.test", "localhost", "x-.example.test", "a..example.test"])
def test_verify_bad_domain_name_exits_2(nameserver: Nameserver, dkim_key: str, domain: str):
    result = dms(*verify_args(domain, dkim_key, nameserver))
    assert_usage_error(result, "DOMAIN", domain)


def test_records_bad_domain_name_exits_2():
    assert_usage_error(dms("records", "bad_name!.example.test"), "DOMAIN")


@pytest.mark.parametrize("key", ["not base64 at all!", "abc$%", "QUJ"])
def test_verify_non_base64_key_exits_2(nameserver: Nameserver, unique_domain: str, key: str):
    result = dms(*verify_args(unique_domain, key, nameserver))
    assert_usage_error(result, "--dkim-public-key", "base64")


@pytest.mark.parametrize("server", ["127.0.0.1:abc", "127.0.0.1:", "[::1]:x"])
def test_verify_malformed_nameserver_exits_2(unique_domain: str, dkim_key: str, server: str):
    result = dms(*verify_args(unique_domain, dkim_key, server))
    assert_usage_error(result, "--nameserver", server)


def test_verify_bad_selector_exits_2(nameserver: Nameserver, unique_domain: str, dkim_key: str):
    args = verify_args(unique_domain, dkim_key, nameserver)
    args[args.index("qcloud")] = "bad selector!"
    assert_usage_error(dms(*args), "--dkim-selector")


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "a.example.test"],  # no --dkim-public-key
        ["verify", "--dkim-public-key", "AAAA"],  # no domain
        ["records"],
        [],
    ],
    ids=["verify-no-key", "verify-no-domain", "records-no-domain", "no-command"],
)
def test_missing_required_argument_exits_2(args: list[str]):
    result = dms(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "required" in result.stderr
    assert result.stderr.startswith("usage: dms")


def test_console_script_verifies_like_the_module(zone: Zone, nameserver: Nameserver, unique_domain: str, dkim_key: str):
    assert CONSOLE_SCRIPT.exists()
    zone.publish(records(unique_domain, dkim_key))

    via_script = dms(*verify_args(unique_domain, dkim_key, nameserver), command=[str(CONSOLE_SCRIPT)])
    via_module = dms(*verify_args(unique_domain, dkim_key, nameserver))

    assert via_script.returncode == 0, via_script.stderr
    assert json.loads(via_script.stdout) == json.loads(via_module.stdout)
    assert json.loads(via_script.stdout)["status"] == "Verified"


def test_console_script_usage_error(dkim_key: str):
    result = dms("records", "bad_name!.example.test", command=[str(CONSOLE_SCRIPT)])
    assert_usage_error(result, "DOMAIN")


# --- input that can't be used: exit 2, one line ------------------------------------------------


@pytest.mark.parametrize("server", ["127.0.0.1:99999", "127.0.0.1:-5", "1.2.3.4:5:6", "not a host"])
def test_verify_unusable_nameserver_exits_2(unique_domain: str, dkim_key: str, server: str):
    result = dms(*verify_args(unique_domain, dkim_key, server))
    assert_usage_error(result, "--nameserver")


def test_verify_empty_key_exits_2(nameserver: Nameserver, unique_domain: str):
    # An empty key would expect "v=DKIM1; k=rsa; p=" (a revoked key): a usage error, not a verdict.
    result = dms(*verify_args(unique_domain, "", nameserver))
    assert_usage_error(result, "--dkim-public-key")
