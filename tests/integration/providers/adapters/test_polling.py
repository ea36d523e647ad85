"""Polls against the real Knot: rounds of questions, sharing, and records that are served late."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.localdns import LocalDnsServer
from dms_component.core import dkim
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import PROFILES, required_records
from dms_component.core.verdicts import VERIFIED
from dms_component.providers.adapters import dkim_keys
from dms_component.providers.adapters.dns.rfc2136 import Rfc2136Host, TsigKey
from dms_component.providers.adapters.resolver import SHARED_ANSWERS
from dms_component.providers.adapters.verifier import PollStats, verify_once, verify_until
from tests.integration.zone import Zone
from tests.support.delay_proxy import DelayProxy

PAIR = dkim_keys.generate(1024)


@pytest.fixture
def fresh_shared_answers() -> Iterator[None]:
    SHARED_ANSWERS.clear()
    yield
    SHARED_ANSWERS.clear()


def probe(domain: str) -> bytes:
    return dkim.probe_message(PAIR.private_pem, domain, "qcloud")


def test_one_poll_asks_each_question_once_in_rounds(
    zone: Zone, nameserver: Nameserver, unique_domain: str, fresh_shared_answers: None
) -> None:
    recs = required_records(unique_domain, PAIR.public_b64, PROFILES["tencent-ses"])
    spf = f"v=spf1 include:qcloudmail.com include:n0.{unique_domain} a ~all"
    zone.publish([r for r in recs if r.item not in ("SPF", "DKIM")])
    zone.add_txt(unique_domain, spf)
    zone.add_txt(f"n0.{unique_domain}", f"v=spf1 include:n1.{unique_domain}")
    zone.add_txt(f"n1.{unique_domain}", "v=spf1 ip4:192.0.2.1")
    update = zone._update()
    update.add(zone._rel(recs[1].host), 300, "CNAME", f"key.{unique_domain}.")
    zone._send(update)
    zone.add_txt(f"key.{unique_domain}", recs[1].value)
    stats = PollStats()

    verdict = verify_until(
        unique_domain,
        recs,
        [nameserver],
        0,
        dkim_probe=probe(unique_domain),
        stats=stats,
    )

    assert verdict.status == VERIFIED, [i.reason for i in verdict.items]
    assert stats.polls == 1
    # 1: the four records, qcloudmail.com TXT, mxbiz1.qq.com A and AAAA (7 questions);
    # 2: spf.qcloudmail.com, n0, the domain's A (for `a`), the DKIM CNAME's target (4); 3: n1 (1).
    assert stats.rounds == 3
    assert stats.queries == 12  # one server: one query per distinct question, though SPF and MX share the domain


def test_verified_once_records_are_served_after_a_propagation_delay(
    local_dns: LocalDnsServer, unique_domain: str
) -> None:
    proxy = DelayProxy(local_dns.host, local_dns.port, delay=1.0).start()
    try:
        through_proxy = Nameserver(proxy.host, proxy.port)
        recs = required_records(unique_domain, PAIR.public_b64, PROFILES["tencent-ses"])
        Rfc2136Host(through_proxy, local_dns.zone, TsigKey.from_key_file(str(local_dns.key_file))).sync([], recs)
        assert verify_once(unique_domain, recs, [through_proxy]).status != VERIFIED  # not served yet
        stats = PollStats()

        verdict = verify_until(
            unique_domain,
            recs,
            [through_proxy],
            30,
            dkim_probe=probe(unique_domain),
            stats=stats,
        )

        assert verdict.status == VERIFIED
        assert stats.polls > 1
        assert proxy.hidden_answers > 0
    finally:
        proxy.stop()
