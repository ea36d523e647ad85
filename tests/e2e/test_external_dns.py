"""End to end: an ExternalDns sender domain whose records another provider's resources publish.

The real Pulumi CLI and engine run an inline program (Automation API): one SenderDomain with an
ExternalDns target, four StandinRecord resources (tests/support/standin_dns.py, shaped like
`aws.route53.Record`) built from `sender.records` as in docs/external-dns.md's Route53 example, and
`sender.wait_for(those)`. The stand-ins write to the session's Knot; the verification asks Knot.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import pulumi
import pytest

from devtools.localdns import ALGORITHM, KEY_NAME, LocalDnsServer
from devtools.runner import ROOT, open_stack
from dms_component import ExternalDns, SenderDomain, SenderDomainArgs, SqliteLedgerArgs, VerificationArgs
from dms_component.account import PROJECT_FOLDER
from tests.support.standin_dns import StandinRecord

pytestmark = pytest.mark.e2e
PASSPHRASE = "e2e-test-passphrase"
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how Pulumi marks a secret value
ZONE = "example.test"
DOMAIN = "ext-e2e.example.test"
KINDS = ["spf", "dkim", "dmarc", "mx"]  # index 0..3, fixed


def quoted(strings: list[str]) -> str:  # the doc's helper: ["ab", "cd"] -> '"ab" "cd"'
    return " ".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in strings)


def route53_records(r: dict[str, Any]) -> list[str]:  # the doc's Route53 helper
    if r["rtype"] == "TXT":
        return [quoted(r["strings"])[1:-1]]  # one entry per record: part1" "part2
    return [f"{r['preference']} {r['value']}"]


def program(folder: Path, server: LocalDnsServer) -> Any:
    def run() -> None:
        token = PROJECT_FOLDER.set(str(folder))
        try:
            sender = SenderDomain(
                "ext",
                SenderDomainArgs(
                    domain=DOMAIN,
                    type="triggered",
                    dns=ExternalDns(zone=ZONE),
                    ledger=SqliteLedgerArgs(path=str(folder.parent / "ledger.sqlite")),
                    verification=VerificationArgs(nameserver=server.address, timeout=30),
                ),
            )
            tsig = {"name": KEY_NAME, "algorithm": ALGORITHM, "secret": pulumi.Output.secret(server.tsig_secret())}
            recs = [
                StandinRecord(
                    f"ext-{kind}",
                    zone=ZONE,  # stands in for zone_id
                    name=sender.records[i]["host"],
                    type="MX" if kind == "mx" else "TXT",
                    ttl=sender.records[i]["ttl"],
                    records=sender.records[i].apply(route53_records),
                    server=server.address,
                    tsig=tsig,
                )
                for i, kind in enumerate(KINDS)
            ]
            sender.wait_for(recs)
            pulumi.export("status", sender.status)
            pulumi.export("records", sender.records)
        finally:
            PROJECT_FOLDER.reset(token)

    return run


def served(server: LocalDnsServer, host: str, rtype: str) -> list[Any]:
    query = dns.message.make_query(host, rtype)
    response = dns.query.tcp(query, server.host, port=server.port, timeout=3)
    return [rd for rrset in response.answer for rd in rrset]


def test_records_published_by_standins_are_waited_for_and_verify(tmp_path: Path, local_dns: LocalDnsServer) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    state = tmp_path / "state"
    stack = open_stack(
        "test", project_dir=project, state_dir=state, passphrase=PASSPHRASE, program=program(project, local_dns)
    )
    output: list[str] = []

    def state_text() -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(state.rglob("*")) if p.is_file())

    stack.up(on_output=output.append, color="never", show_secrets=False)

    outputs = stack.outputs()
    assert outputs["status"].value == "Verified"
    records = outputs["records"].value
    assert [r["item"] for r in records] == ["SPF", "DKIM", "DMARC", "MX"]
    spf, dkim, dmarc, mx = records
    assert spf["host"] == mx["host"] == DOMAIN and spf["name"] == mx["name"] == "ext-e2e"
    assert dkim["host"] == f"qcloud._domainkey.{DOMAIN}" and dmarc["host"] == f"_dmarc.{DOMAIN}"
    assert all(r["ttl"] == 300 for r in records)
    assert spf["value"] == "v=spf1 include:qcloudmail.com ~all" and spf["strings"] == [spf["value"]]
    assert dkim["value"].startswith("v=DKIM1; k=rsa; p=")
    assert len(dkim["strings"]) > 1 and "".join(dkim["strings"]) == dkim["value"]  # a 2048-bit key
    assert all(len(s.encode()) <= 255 for s in dkim["strings"])
    assert dmarc["value"] == "v=DMARC1; p=none" and dmarc["strings"] == [dmarc["value"]]
    assert (mx["value"], mx["preference"]) == ("mxbiz1.qq.com.", 5)

    # What Knot serves is what the component computed: one record per TXT set, its strings as split.
    for r in (spf, dkim, dmarc):
        (rdata,) = served(local_dns, r["host"], "TXT")
        assert [s.decode() for s in rdata.strings] == r["strings"]
    assert [rd.to_text() for rd in served(local_dns, mx["host"], "MX")] == ["5 mxbiz1.qq.com."]

    # The verification waited for the four stand-ins (wait_for), not only for the component's own children.
    resources = stack.export_stack().deployment["resources"]
    standins = {r["urn"] for r in resources if r["urn"].rsplit("::", 1)[-1] in {f"ext-{k}" for k in KINDS}}
    assert len(standins) == 4
    (verification,) = [r for r in resources if r["urn"].endswith("::ext/verification")]
    assert standins <= set(verification.get("dependencies") or [])
    assert all(item["ok"] for item in verification["outputs"]["items"])
    assert all(r["outputs"]["tsig"].get(SECRET_SIG) for r in resources if r["urn"] in standins)

    stack.preview(on_output=output.append, color="never", expect_no_changes=True)

    text = state_text()
    assert "PRIVATE KEY" not in text and "PRIVATE KEY" not in "\n".join(output)
    assert local_dns.tsig_secret() not in text
