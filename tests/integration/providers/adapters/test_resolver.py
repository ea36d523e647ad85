"""providers/adapters/resolver.py against real Knot servers: merging servers, fallback, CNAMEs, TCP, sharing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.localdns import LocalDnsServer, free_port
from dms_component.core.lookups import Answer
from dms_component.core.nameservers import Nameserver
from dms_component.providers.adapters import resolver as resolver_module
from dms_component.providers.adapters.resolver import SHARED_ANSWERS, ZONE_SERVERS, Resolver, SystemResolver
from tests.integration.zone import Zone


def ask(resolver: Resolver, name: str, rtype: str) -> Answer:
    return asyncio.run(resolver.ask(name, rtype))


@pytest.fixture(scope="module")
def second_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDnsServer]:
    """Another Knot serving example.test (a 'secondary' that may lag) and other.test."""
    server = LocalDnsServer(tmp_path_factory.mktemp("knot2"), zone="example.test", port=free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def other_zone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDnsServer]:
    """A server for a zone the session's Knot does not serve."""
    server = LocalDnsServer(tmp_path_factory.mktemp("knot3"), zone="other.test", port=free_port()).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    SHARED_ANSWERS.clear()
    ZONE_SERVERS.clear()
    yield
    SHARED_ANSWERS.clear()
    ZONE_SERVERS.clear()


def ns(server: LocalDnsServer) -> Nameserver:
    return Nameserver(server.host, server.port)


def test_values_are_sorted_and_txt_strings_joined(zone: Zone, nameserver: Nameserver, unique_domain: str) -> None:
    zone.add_txt(unique_domain, "b-second", "a-first", "x" * 300)

    answer = ask(Resolver([nameserver], own=unique_domain), unique_domain, "TXT")

    assert answer == Answer(("a-first", "b-second", "x" * 300))


def test_a_large_answer_comes_over_tcp(zone: Zone, nameserver: Nameserver, unique_domain: str) -> None:
    values = [f"value-{i:02d}-" + "y" * 40 for i in range(30)]  # far over 512 bytes: truncated over UDP
    zone.add_txt(unique_domain, *values)

    answer = ask(Resolver([nameserver], own=unique_domain), unique_domain, "TXT")

    assert answer.error is None
    assert answer.values == tuple(sorted(values))


def test_missing_name_is_an_empty_answer(nameserver: Nameserver, unique_domain: str) -> None:
    assert ask(Resolver([nameserver]), f"nothing.{unique_domain}", "TXT") == Answer()


def test_cname_is_reported_not_chased(zone: Zone, nameserver: Nameserver, unique_domain: str) -> None:
    update = zone._update()
    update.add(zone._rel(f"alias.{unique_domain}"), 300, "CNAME", f"target.{unique_domain}.")
    zone._send(update)
    zone.add_txt(f"target.{unique_domain}", "at the target")

    answer = ask(Resolver([nameserver], own=unique_domain), f"alias.{unique_domain}", "TXT")

    assert answer == Answer(cname=f"target.{unique_domain}")


def test_two_servers_that_agree_give_one_answer(
    zone: Zone, nameserver: Nameserver, second_server: LocalDnsServer, unique_domain: str
) -> None:
    zone.add_txt(unique_domain, "same")
    Zone(second_server).add_txt(unique_domain, "same")

    answer = ask(Resolver([nameserver, ns(second_server)], own=unique_domain), unique_domain, "TXT")

    assert answer == Answer(("same",))


def test_servers_that_disagree_make_an_error(
    zone: Zone, nameserver: Nameserver, second_server: LocalDnsServer, unique_domain: str
) -> None:
    zone.add_txt(unique_domain, "new value")  # the second server has not got it yet

    answer = ask(Resolver([nameserver, ns(second_server)], own=unique_domain), unique_domain, "TXT")

    assert answer.values == ()
    assert answer.error is not None
    # No primary among them, one server against one: which is behind can't be told.
    assert answer.error == (
        f"{nameserver} and {ns(second_server)} answer differently (the change has not reached every server yet)"
    )


def test_a_silent_server_is_skipped_when_another_answers(zone: Zone, nameserver: Nameserver, unique_domain: str):
    zone.add_txt(unique_domain, "here")
    silent = Nameserver("127.0.0.1", free_port())

    answer = ask(Resolver([silent, nameserver], own=unique_domain), unique_domain, "TXT")

    assert answer == Answer(("here",))


def test_a_name_outside_the_domain_that_the_server_refuses_goes_to_its_own_servers(
    nameserver: Nameserver, other_zone: LocalDnsServer
) -> None:
    Zone(other_zone).add_txt("spf.other.test", "v=spf1 -all")
    # Discovery normally asks the system resolver; here its result is already known (no network).
    ZONE_SERVERS.put((SystemResolver(), "zone-of", "spf.other.test"), (ns(other_zone),))

    answer = ask(Resolver([nameserver], own="notify.example.test"), "spf.other.test", "TXT")

    assert answer == Answer(("v=spf1 -all",))


def test_a_name_of_the_domain_never_leaves_the_given_servers(other_zone: LocalDnsServer) -> None:
    ZONE_SERVERS.put(
        (SystemResolver(), "zone-of", "notify.example.test"), (ns(other_zone),)
    )  # would be used if it fell back

    answer = ask(Resolver([ns(other_zone)], own="notify.example.test"), "notify.example.test", "TXT")

    assert answer.error is not None and "refused" in answer.error


def test_answers_outside_the_domain_are_shared_between_resolvers(
    zone: Zone, nameserver: Nameserver, unique_domain: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = f"shared.{unique_domain}"
    zone.add_txt(outside, "v=spf1 -all")
    first, second = Resolver([nameserver], own="a.example.test"), Resolver([nameserver], own="b.example.test")

    assert ask(first, outside, "TXT") == Answer(("v=spf1 -all",))
    zone.delete(outside, "TXT")
    assert ask(second, outside, "TXT") == Answer(("v=spf1 -all",))  # within SHARED_MAX_AGE: not asked again
    assert second.queries == 0

    monkeypatch.setattr(resolver_module, "SHARED_MAX_AGE", 0.0)
    assert ask(second, outside, "TXT") == Answer()


def test_the_domain_own_names_are_always_asked(zone: Zone, nameserver: Nameserver, unique_domain: str) -> None:
    zone.add_txt(unique_domain, "before")
    resolver = Resolver([nameserver], own=unique_domain)
    assert ask(resolver, unique_domain, "TXT") == Answer(("before",))
    zone.delete(unique_domain, "TXT")

    assert ask(resolver, unique_domain, "TXT") == Answer()


def test_ask_many_asks_each_question_once(zone: Zone, nameserver: Nameserver, unique_domain: str) -> None:
    zone.add_txt(unique_domain, "one")
    resolver = Resolver([nameserver], own=unique_domain)

    answers = asyncio.run(
        resolver.ask_many([(unique_domain, "TXT"), (unique_domain.upper() + ".", "txt"), (unique_domain, "MX")])
    )

    assert answers == {(unique_domain, "TXT"): Answer(("one",)), (unique_domain, "MX"): Answer()}
    assert resolver.queries == 2


def test_the_local_world_serves_the_include_and_the_mx_host(nameserver: Nameserver) -> None:
    resolver = Resolver([nameserver])
    assert ask(resolver, "qcloudmail.com", "TXT").values[0].startswith("v=spf1 ")
    assert ask(resolver, "mxbiz1.qq.com", "A") == Answer(("127.0.0.1",))


def test_zone_files_of_the_world_are_written_once(local_dns: LocalDnsServer) -> None:
    zones = Path(local_dns.folder) / "zones"
    assert (zones / "qq.com.zone").read_text().count("mxbiz1") == 1
    assert (zones / "qcloudmail.com.zone").exists()
