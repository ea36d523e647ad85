"""End to end with the plain CLI: `pulumi up` verifies what receivers see, the zone's public servers
(its NS records, found through the injected system resolver), not only the primary written to.

Real Knot servers on loopback (devtools/zoneset.py): a hidden primary taking the stack's TSIG updates,
secondaries by AXFR/IXFR with NOTIFY.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devtools.zoneset import Secondary, ZoneSet
from tests.e2e.cli import CliProject
from tests.support.measure_stack import stack_project

pytestmark = pytest.mark.e2e
LAGGING = "ns3.example.test has no record yet (the change has not reached every server yet)"


@contextmanager
def zone_set(folder: Path, *secondaries: Secondary) -> Iterator[ZoneSet]:
    zones = ZoneSet(folder / "dns", secondaries=list(secondaries)).start()
    try:
        yield zones
    finally:
        zones.stop()


def stack(
    folder: Path, zones: ZoneSet, name: str, count: int, timeout: float, resolver: str | None = None
) -> CliProject:
    """The project's own program (tests/support/measure_stack.py) with `count` domains `<name><i>.example.test`,
    writing to the hidden primary; the system resolver that finds NS sets is `resolver` (default: the primary,
    which has the zone's NS records)."""
    env = {"DMS_SYSTEM_RESOLVER": resolver or zones.resolver}
    address = f"{zones.primary.host}:53"
    return stack_project(folder, zones.primary, address, count, 0, env=env, prefix=name, timeout=timeout)


def statuses(cli: CliProject) -> dict[str, dict]:
    return cli.stack_output("domains")


def failing(status: dict) -> dict[str, str]:
    return {i["item"]: i["reason"] for i in status["items"] if not i["ok"]}


def test_a_hidden_primary_with_a_lame_and_a_dead_server_in_the_ns_set_is_verified(tmp_path: Path) -> None:
    # A long name: its 2048-bit DKIM record's answer does not fit in 512 bytes of UDP and is asked again over TCP
    # (tests/integration/providers/adapters/test_public_servers.py counts those).
    name = "a-sender-domain-with-a-long-name-so-the-answer-is-truncated-"
    with zone_set(tmp_path, Secondary("ns2"), Secondary("ns3", kind="lame"), Secondary("ns4", kind="dead")) as zones:
        cli = stack(tmp_path, zones, name, 1, timeout=60)

        up = cli.up()

        assert up.ok, up.output
        assert statuses(cli)[f"{name}0.example.test"]["status"] == "Verified"
        assert "can't find the public servers" not in up.output  # the NS set was found and asked


def test_a_lagging_secondary_keeps_the_domain_pending_and_is_named_until_it_catches_up(tmp_path: Path) -> None:
    with zone_set(tmp_path, Secondary("ns2"), Secondary("ns3", notified=False)) as zones:
        cli = stack(tmp_path, zones, "lag", 1, timeout=3)

        first = cli.up()

        assert first.ok, first.output
        status = statuses(cli)["lag0.example.test"]
        assert status["status"] == "Pending verification"
        assert set(failing(status)) == {"SPF", "DKIM", "DMARC", "MX"}
        assert all(LAGGING in reason for reason in failing(status).values()), failing(status)
        assert all(i["code"] == "dns.lagging" for i in status["items"] if not i["ok"]), status["items"]
        assert "DKIM not yet on ns3.example.test" in first.output  # the progress line names it

        zones.catch_up("ns3")
        second = cli.up()

        assert second.ok, second.output
        assert statuses(cli)["lag0.example.test"]["status"] == "Verified"


def test_a_secondary_whose_transfers_are_refused_is_never_verified(tmp_path: Path) -> None:
    with zone_set(tmp_path, Secondary("ns2"), Secondary("ns3", transfers=False)) as zones:
        cli = stack(tmp_path, zones, "broken", 1, timeout=3)

        for _ in range(2):  # a later `up` checks again, and still finds ns3 without the change
            up = cli.up()
            assert up.ok, up.output
            status = statuses(cli)["broken0.example.test"]
            assert status["status"] == "Pending verification"
            assert all(LAGGING in reason for reason in failing(status).values()), failing(status)


def test_when_the_ns_set_cant_be_found_the_primary_is_asked_and_the_output_says_so_once(tmp_path: Path) -> None:
    with zone_set(tmp_path, Secondary("ns2", kind="lame")) as zones:
        lame = f"{zones.addresses['ns2']}:53"  # as the system resolver it refuses every question
        cli = stack(tmp_path, zones, "note", 2, timeout=60, resolver=lame)

        up = cli.up()

        assert up.ok, up.output
        assert [s["status"] for s in statuses(cli).values()] == ["Verified", "Verified"]
        # The update's live lines: its summary ("Diagnostics:") repeats each message, as the preview's does.
        live = up.output.split("Updating (")[-1].split("\nDiagnostics:")[0]
        said = [line for line in live.splitlines() if "can't find the public servers of example.test" in line]
        assert len(said) == 1, up.output
        assert said[0].rstrip().endswith(f"verifying against {zones.primary.host}:53 only")
