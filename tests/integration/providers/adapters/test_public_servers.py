"""Verification asks what receivers ask: the zone's public servers, found from its NS records, and the
primary written to. Real Knot servers on loopback (devtools/zoneset.py): a primary taking TSIG updates
and secondaries by AXFR/IXFR with NOTIFY, some lagging, refused their transfers, lame or dead."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devtools.localdns import free_port
from devtools.zoneset import Secondary, ZoneSet
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import PROFILES, RequiredRecord, required_records
from dms_component.core.verdicts import LAGGING as LAGGING_CODE
from dms_component.core.verdicts import PENDING, VERIFIED, DomainVerdict
from dms_component.providers.adapters import dkim_keys
from dms_component.providers.adapters.dns.rfc2136 import Rfc2136Host, TsigKey
from dms_component.providers.adapters.resolver import Resolver, Servers, SystemResolver, find_servers
from dms_component.providers.adapters.verifier import poll, verify_until

KEY = dkim_keys.generate(1024).public_b64
# Every record is new: ns3, behind, has none of them yet (dns.lagging, not a failed look-up).
LAGGING = "ns3.example.test has no record yet (the change has not reached every server yet)"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


@contextmanager
def zone_set(folder: Path, *secondaries: Secondary, primary_in_ns: bool = False) -> Iterator[ZoneSet]:
    zones = ZoneSet(folder, secondaries=list(secondaries), primary_in_ns=primary_in_ns).start()
    try:
        yield zones
    finally:
        zones.stop()


def primary(zones: ZoneSet) -> Nameserver:
    return Nameserver(zones.primary.host)


def system(zones: ZoneSet) -> SystemResolver:
    """The injected system resolver: the primary answers for the zone's NS records and their addresses."""
    return SystemResolver((Nameserver.parse(zones.resolver),))


def servers(zones: ZoneSet) -> Servers:
    return asyncio.run(find_servers([primary(zones)], zones.zone, system(zones)))


def publish(zones: ZoneSet, domain: str, key: str = KEY) -> list[RequiredRecord]:
    records = required_records(domain, key, PROFILES["tencent-ses"])
    Rfc2136Host(primary(zones), zones.zone, TsigKey.from_key_file(str(zones.primary.key_file))).sync([], records)
    return records


def reasons(verdict: DomainVerdict) -> dict[str, str]:
    return {i.item: i.reason for i in verdict.items if not i.ok}


def test_the_public_set_is_the_zones_ns_records_and_a_hidden_primary_is_asked_besides(folder: Path) -> None:
    with zone_set(folder, Secondary("ns2"), Secondary("ns3")) as zones:
        found = servers(zones)

        assert found.note is None
        assert [(str(s), s.host) for s in found.public] == [
            ("ns2.example.test", zones.addresses["ns2"]),
            ("ns3.example.test", zones.addresses["ns3"]),
        ]
        assert found.given == (primary(zones),) and primary(zones) not in found.public  # hidden
        records = publish(zones, "hidden.example.test")
        verdict = verify_until("hidden.example.test", records, found, 20)
        assert verdict.status == VERIFIED, reasons(verdict)


def test_a_primary_in_the_ns_set_is_asked_once(folder: Path) -> None:
    with zone_set(folder, Secondary("ns2"), primary_in_ns=True) as zones:
        found = servers(zones)

        assert [s.host for s in found.every] == [zones.addresses["primary"], zones.addresses["ns2"]]


def test_a_lagging_secondary_is_named_and_nothing_is_verified_until_it_catches_up(folder: Path) -> None:
    with zone_set(folder, Secondary("ns2"), Secondary("ns3", notified=False)) as zones:
        records = publish(zones, "lag.example.test")
        seen: list[tuple[bool, DomainVerdict]] = []
        caught_up = threading.Event()
        catching = threading.Event()

        def progress(verdict: DomainVerdict, _elapsed: float) -> None:
            seen.append((caught_up.is_set(), verdict))
            if LAGGING in " ".join(reasons(verdict).values()) and not catching.is_set():
                catching.set()  # it was seen lagging: now let it refresh
                threading.Thread(target=lambda: (zones.catch_up("ns3"), caught_up.set())).start()

        verdict = verify_until("lag.example.test", records, servers(zones), 60, progress=progress)

        assert verdict.status == VERIFIED, reasons(verdict)
        assert catching.is_set()
        assert all(v.status == PENDING for done, v in seen if not done)  # never Verified while ns3 lagged
        lagged = next(v for _, v in seen if LAGGING in " ".join(reasons(v).values()))
        assert set(reasons(lagged)) == {"SPF", "DKIM", "DMARC", "MX"}  # all four are new on ns3
        # Its own code, and `current` is what the primary serves (the record it was given), not nothing.
        assert all(i.code == LAGGING_CODE and i.current for i in lagged.items), lagged.items
        dkim = next(i for i in lagged.items if i.item == "DKIM")
        assert dkim.current == (next(r for r in records if r.item == "DKIM").value,)


def test_a_secondary_whose_transfers_are_refused_is_never_verified_and_is_named(folder: Path) -> None:
    with zone_set(folder, Secondary("ns2"), Secondary("ns3", transfers=False)) as zones:
        records = publish(zones, "broken.example.test")

        verdict = verify_until("broken.example.test", records, servers(zones), 3)

        assert verdict.status == PENDING
        assert all(LAGGING in reason for reason in reasons(verdict).values()), reasons(verdict)
        assert set(reasons(verdict)) == {"SPF", "DKIM", "DMARC", "MX"}
        assert {i.code for i in verdict.items} == {LAGGING_CODE}


def test_lame_and_dead_servers_in_the_ns_set_are_skipped_while_another_answers(folder: Path) -> None:
    with zone_set(folder, Secondary("ns2"), Secondary("ns3", kind="lame"), Secondary("ns4", kind="dead")) as zones:
        found = servers(zones)
        assert [str(s) for s in found.public] == ["ns2.example.test", "ns3.example.test", "ns4.example.test"]
        records = publish(zones, "lame.example.test")

        verdict = verify_until("lame.example.test", records, found, 20)

        assert verdict.status == VERIFIED, reasons(verdict)  # receivers' resolvers move on, as this does


def test_the_hidden_primary_alone_is_not_enough_when_no_public_server_answers(folder: Path) -> None:
    with zone_set(folder, Secondary("ns2", kind="lame"), Secondary("ns3", kind="dead")) as zones:
        records = publish(zones, "unserved.example.test")

        verdict = verify_until("unserved.example.test", records, servers(zones), 0)

        assert verdict.status == PENDING
        for reason in reasons(verdict).values():
            assert "no server of the zone's NS set answered" in reason
            assert "ns2.example.test refused the question" in reason and "ns3.example.test did not answer" in reason


def test_a_dkim_answer_truncated_over_udp_is_asked_again_over_tcp(folder: Path) -> None:
    # A 2048-bit key's record at a long name does not fit the 512 bytes of a plain UDP answer.
    domain = "a-sender-domain-with-a-long-name-so-the-answer-is-truncated.example.test"
    with zone_set(folder, Secondary("ns2"), Secondary("ns3")) as zones:
        records = publish(zones, domain, dkim_keys.generate(2048).public_b64)
        found = servers(zones)
        verify_until(domain, records, found, 20)  # until the secondaries have it
        resolver = Resolver(found, own=domain)

        verdict = asyncio.run(poll(domain, records, resolver))

        assert verdict.status == VERIFIED, reasons(verdict)
        assert resolver.over_tcp >= 3  # the DKIM question, from each of the three servers


def test_a_zone_whose_ns_set_cant_be_found_is_verified_at_the_primary_with_a_note(folder: Path) -> None:
    with zone_set(folder, Secondary("ns2")) as zones:
        nowhere = SystemResolver((Nameserver("127.0.0.1", free_port()),))

        found = asyncio.run(find_servers([primary(zones)], zones.zone, nowhere))

        assert found.public == () and found.given == (primary(zones),)
        assert found.note is not None and found.note.startswith("can't find the public servers of example.test")
        assert found.note.endswith(f"verifying against {primary(zones)} only")


def test_with_no_server_given_each_name_goes_to_its_zones_ns_set_the_rule_of_route53_and_dnspod(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with zone_set(folder, Secondary("ns2"), Secondary("ns3", notified=False)) as zones:
        monkeypatch.setenv("DMS_SYSTEM_RESOLVER", zones.resolver)  # as a user's environment would say it
        records = publish(zones, "hosted.example.test")
        zones.wait_for("ns2")  # told by NOTIFY; ns3 is not

        lagging = verify_until("hosted.example.test", records, None, 0)
        zones.catch_up("ns3")
        verdict = verify_until("hosted.example.test", records, None, 20)

        # No primary among them, and one server against one: which is behind can't be told.
        assert set(reasons(lagging)) == {"SPF", "DKIM", "DMARC", "MX"}
        for reason in reasons(lagging).values():
            assert "answer differently (the change has not reached every server yet)" in reason, reason
            assert "ns2.example.test" in reason and "ns3.example.test" in reason
        assert verdict.status == VERIFIED, reasons(verdict)
