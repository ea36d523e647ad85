"""What a verification is told when the servers asked disagree (resolver.py), from the servers' replies alone
(no server: the replies are given)."""

from __future__ import annotations

import asyncio

import pytest

from dms_component.core.lookups import Answer
from dms_component.core.nameservers import Nameserver
from dms_component.providers.adapters import resolver
from dms_component.providers.adapters.resolver import Resolver, Servers

PRIMARY = Nameserver("192.0.2.1", name="ns1.example.com")
NS2, NS3 = Nameserver("192.0.2.2", name="ns2.example.com"), Nameserver("192.0.2.3", name="ns3.example.com")
NEW, OLD = Answer(("v=DMARC1; p=reject",)), Answer(("v=DMARC1; p=none",))


def answer_given(monkeypatch: pytest.MonkeyPatch, replies: dict[Nameserver, Answer]) -> Answer:
    async def fixed(_self: Resolver, servers, _name: str, _rtype: str) -> list:
        return [resolver._Reply(s, replies[s]) for s in servers]

    monkeypatch.setattr(Resolver, "_replies", fixed)
    asked = Resolver(Servers((PRIMARY,), (NS2, NS3), reference=True), own="example.com")
    return asyncio.run(asked.ask("_dmarc.notify.example.com", "TXT"))


def test_servers_behind_the_primary_are_named_with_what_they_lack_and_the_primary_s_values_kept(monkeypatch) -> None:
    answer = answer_given(monkeypatch, {PRIMARY: NEW, NS2: OLD, NS3: Answer()})

    assert answer.lagging and answer.values == NEW.values
    assert answer.error == (
        "ns2.example.com still serves the old value; ns3.example.com has no record yet"
        " (the change has not reached every server yet)"
    )


def test_two_servers_without_the_record_have_none_yet(monkeypatch) -> None:
    answer = answer_given(monkeypatch, {PRIMARY: NEW, NS2: Answer(), NS3: Answer()})

    assert answer.error == "ns2.example.com and ns3.example.com have no record yet (the change has not reached every server yet)"


def test_servers_that_agree_give_their_answer(monkeypatch) -> None:
    answer = answer_given(monkeypatch, {PRIMARY: NEW, NS2: NEW, NS3: NEW})

    assert answer == NEW and not answer.lagging
