"""The progress line and its rate limit (core/progress.py), and the verifier's callback shell."""

from __future__ import annotations

from dms_component.core.progress import ProgressGate, item_state, pending_summary, progress_line
from dms_component.core.verdicts import DomainVerdict, ItemResult
from dms_component.providers.adapters.progress import verdict_progress

DOMAIN = "notify.example.com"
SECRET_KEY = "-----BEGIN PRIVATE KEY-----MIIEvAIBADANBgkq-----END PRIVATE KEY-----"


def item(name: str, ok: bool, reason: str, current: tuple[str, ...] = ()) -> ItemResult:
    return ItemResult(name, DOMAIN, f"expected {SECRET_KEY}", current, ok, reason)


def verdict(*items: ItemResult) -> DomainVerdict:
    return DomainVerdict(DOMAIN, items)


WAITING = verdict(
    item("SPF", True, "SPF record includes qcloudmail.com", ("v=spf1 include:qcloudmail.com ~all",)),
    item("DKIM", False, f"no DKIM key record at qcloud._domainkey.{DOMAIN}: publish TXT 'v=DKIM1; k=rsa; p=MII'..."),
    item("DMARC", True, "DMARC policy p=none", ("v=DMARC1; p=none",)),
    item("MX", True, "MX points to mxbiz1.qq.com.", ("5 mxbiz1.qq.com.",)),
)


def test_the_line_says_what_passes_what_is_missing_where_and_the_time_against_the_deadline():
    line = progress_line(WAITING, 40.7, 600, ["ns2.example.com"])

    assert line == f"{DOMAIN}: SPF ok, DKIM not yet served by ns2.example.com, DMARC ok, MX ok (40 s of 600 s)"


def test_the_line_never_carries_a_records_value_or_a_key():
    line = progress_line(WAITING, 1, 600, None)

    assert SECRET_KEY not in line and "p=" not in line and "v=spf1" not in line
    assert "not yet served by the zone's servers" in line


def test_item_states_for_the_reasons_a_wait_meets():
    servers = ["a.example", "b.example", "c.example"]
    assert item_state(item("MX", False, "not checked yet"), servers) == "MX not checked yet"
    assert item_state(item("SPF", False, "could not look up TXT at x: timeout"), servers) == (
        "SPF no answer from a.example and 2 other servers"
    )
    lag = "could not look up TXT at x: {} the old value (the change has not reached every server yet)"
    one = item("DKIM", False, lag.format("ns2.example.com still serves"))
    assert item_state(one, servers) == "DKIM still the old value on ns2.example.com"
    two = item("DMARC", False, lag.format("ns2.example.com and 127.0.0.1:5353 still serve"))
    assert item_state(two) == "DMARC still the old value on ns2.example.com and 127.0.0.1:5353"
    new = "TXT at x: ns3.example.com has no record yet (the change has not reached every server yet)"
    assert item_state(item("SPF", False, new)) == "SPF not yet on ns3.example.com"
    both = "TXT at x: ns2.example.com still serves the old value; ns3 and ns4 have no record yet (the change ...)"
    assert (
        item_state(item("DMARC", False, both))
        == "DMARC still the old value on ns2.example.com and not yet on ns3 and ns4"
    )
    differ = "could not look up TXT at x: a.example and b.example answer differently (the change has not ...)"
    assert item_state(item("DMARC", False, differ)) == "DMARC not yet on every server"
    silent = "could not look up MX at x: no server of the zone's NS set answered (ns2.example.com did not answer)"
    assert item_state(item("MX", False, silent), servers) == "MX no answer from the zone's NS set"
    wrong = item("SPF", False, "2 SPF records at x: merge them into one", ("v=spf1 a", "v=spf1 b"))
    assert item_state(wrong) == f"SPF wrong at {DOMAIN}"


def test_the_gate_prints_on_change_or_every_few_seconds():
    gate = ProgressGate(every=5)

    assert gate.should_print(DOMAIN, "a", 0.0)
    assert not gate.should_print(DOMAIN, "a", 4.9)
    assert gate.should_print(DOMAIN, "b", 5.0)  # changed
    assert not gate.should_print(DOMAIN, "b", 9.0)
    assert gate.should_print(DOMAIN, "b", 10.0)  # the clock alone, after 5 s
    assert gate.should_print("other.example.com", "b", 10.1)  # per domain


def test_the_summary_of_a_wait_that_ran_out_says_what_to_run_next():
    line = pending_summary(WAITING, 600, ["127.0.0.1:15353"])

    assert line.startswith(f"{DOMAIN}: still pending after 600 s: DKIM not yet served by 127.0.0.1:15353;")
    assert f"dms wait {DOMAIN}" in line and "pulumi up" in line
    assert "\n" not in line


def test_the_callback_prints_one_line_per_domain_per_update_and_nothing_for_a_quick_pass():
    printed: list[str] = []
    now = [0.0]
    report = verdict_progress(600, ["ns1"], print_line=printed.append, clock=lambda: now[0])
    done = verdict(*(item(i.item, True, "ok") for i in WAITING.items))

    report(done, 0.1)
    assert printed == []  # passed at the first poll: not news

    report2 = verdict_progress(600, ["ns1"], print_line=printed.append, clock=lambda: now[0])
    for t in (0.0, 1.0, 2.0, 3.0):
        now[0] = t
        report2(WAITING, t)
    assert len(printed) == 1  # the same state within 5 s
    now[0] = 3.5
    report2(done, 3.5)
    assert printed[-1] == f"{DOMAIN}: SPF ok, DKIM ok, DMARC ok, MX ok (3 s of 600 s)"


def test_a_wait_without_items_ticks_while_it_lasts_and_a_quick_one_prints_nothing():
    import threading

    from dms_component.providers.adapters.progress import ticking

    printed: list[str] = []
    ticked = threading.Event()

    def note(line: str) -> None:
        printed.append(line)
        ticked.set()

    what = "waiting for Route53 to serve the change on all its servers"
    with ticking(DOMAIN, what, 300, print_line=note, first=0.01):
        assert ticked.wait(10)  # the block lasts until a line came: ordering, not timing
    assert printed[0].startswith(f"{DOMAIN}: {what} (") and printed[0].endswith(" of 300 s)")

    quick: list[str] = []
    with ticking(DOMAIN, "waiting", 300, print_line=quick.append):
        pass
    assert quick == []  # stopped before its first line was due (5 s)
