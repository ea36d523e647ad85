"""Converge or refuse: from any starting point at a domain's names, the plan is either refused at
preview with a code, or, applied to the zone, verifies. Never written and failing.

The zone is in memory, answered as an authoritative server would (CNAMEs, wildcards per RFC 4592);
the planner, the preview check and the verifier are the real, pure ones from core.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dms_component.core.changes import (
    MERGED,
    HostType,
    Plan,
    RecordSet,
    RrsetChange,
    Spf,
    plan_domain,
    to_read,
    to_verify,
)
from dms_component.core.lookups import Answer, Question, canonical
from dms_component.core.records import PROFILES, required_records
from dms_component.core.txt import Strings
from dms_component.core.txt import joined as txt_value
from dms_component.core.verdicts import VERIFIED, evaluate_planned, judge, refuses
from dms_component.providers.adapters import dkim_keys

ZONE = "example.com"
DOMAIN = f"notify.{ZONE}"
PAIR = dkim_keys.generate(1024)
DESIRED = required_records(DOMAIN, PAIR.public_b64, PROFILES["tencent-ses"])
DKIM_HOST = next(r.host for r in DESIRED if r.item == "DKIM")
DMARC_HOST = f"_dmarc.{DOMAIN}"
# The world outside the zone: the service's include and MX host (as the local demo's Knot serves them).
WORLD: dict[Question, Answer] = {
    ("qcloudmail.com", "TXT"): Answer(("v=spf1 include:spf.qcloudmail.com -all",)),
    ("spf.qcloudmail.com", "TXT"): Answer(("v=spf1 ip4:127.0.0.0/8 -all",)),
    ("mxbiz1.qq.com", "A"): Answer(("127.0.0.1",)),
    ("mxbiz1.qq.com", "AAAA"): Answer(()),
}
# Names in the zone an SPF record may include: i* have an SPF record, n* have none.
INCLUDED = {f"i{n}.{ZONE}": "v=spf1 -all" for n in range(4)}

Rr = tuple[str, Strings]  # a value and its strings as stored (TXT), or (value, ()) for MX/CNAME


@dataclass
class MemoryZone:
    """An authoritative server's data: real records only; `answer` is what a query sees."""

    data: dict[HostType, list[Rr]]

    def read(self, keys: list[HostType]) -> dict[HostType, RecordSet]:
        # What the providers' reads give: the zone's own records (the RFC 2136 read tells
        # wildcard answers apart; Route53 and DNSPod list records, never synthesize).
        out = {}
        for key in keys:
            rrs = self.data.get(key, [])
            strings = tuple(s for _, s in rrs) if key[1] == "TXT" else ()
            out[key] = RecordSet(key[0], key[1], tuple(v for v, _ in rrs), 300 if rrs else None, strings)
        return out

    def apply(self, plan: Plan) -> None:
        for change in plan.changes:
            now = self.data.get(change.key, [])
            sent = list(zip(change.before, strings(change, change.before), strict=True))
            # The compare-and-swap prerequisite: exactly the record data that is there, strings included.
            assert sorted(sent) == sorted(now), f"the host would refuse the change at {change.key}"
            rrs = list(zip(change.after, strings(change, change.after), strict=True))
            if rrs:
                self.data[change.key] = rrs
            else:
                self.data.pop(change.key, None)

    def _node(self, name: str) -> bool:
        return any(n == name for n, _ in self.data)

    def _encloser_exists(self, name: str) -> bool:
        return any(n == name or n.endswith("." + name) for n, _ in self.data) or name == ZONE

    def _at(self, name: str, rtype: str) -> Answer:
        rrs = self.data.get((name, rtype))
        if rrs:
            return Answer(tuple(v for v, _ in rrs))
        cname = self.data.get((name, "CNAME"))
        return Answer(cname=cname[0][0].rstrip(".")) if cname and rtype != "CNAME" else Answer()

    def answer(self, name: str, rtype: str) -> Answer:
        if (name, rtype) in WORLD:
            return WORLD[(name, rtype)]
        if name in INCLUDED and rtype == "TXT":
            return Answer((INCLUDED[name],))
        if not (name == ZONE or name.endswith("." + ZONE)):
            return Answer()
        if self._node(name):
            return self._at(name, rtype)
        # RFC 4592: a name with no records of its own gets the data of *.<closest encloser>.
        parent = name
        while parent != ZONE:
            parent = parent.split(".", 1)[1]
            if self._encloser_exists(parent):
                return self._at(f"*.{parent}", rtype) if self._node(f"*.{parent}") else Answer()
        return Answer()


def strings(change: RrsetChange, values: tuple[str, ...]) -> list[Strings]:
    return change.strings_for(values) if change.rtype == "TXT" else [()] * len(values)


class Answers(Mapping[Question, Answer]):
    def __init__(self, zone: MemoryZone) -> None:
        self.zone = zone

    def __getitem__(self, key: Question) -> Answer:
        return self.zone.answer(canonical(key[0]), key[1].upper())

    def __iter__(self) -> Iterator[Question]:
        return iter(())

    def __len__(self) -> int:
        return 0


# --- starting points -------------------------------------------------------------------------

RARELY = st.sampled_from([True, False, False, False])
QUALIFIER = st.sampled_from(["", "", "", "+", "-", "~", "?"])
TERM = st.one_of(
    st.builds(lambda n: f"ip4:192.0.2.{n}", st.integers(1, 254)),
    st.sampled_from(["a", "mx", "ptr", "exists:%{i}.x.example.com", "a:nx1.example.com", "a:nx2.example.com"]),
    st.builds(lambda n: f"include:i{n}.{ZONE}", st.integers(0, 3)),  # resolves
    st.builds(lambda n: f"include:n{n}.{ZONE}", st.integers(0, 3)),  # has no SPF record
    st.just("include:qcloudmail.com"),
    st.just("bogus") if False else st.sampled_from(["bogus"] + ["ip4:198.51.100.7"] * 5),  # sometimes a syntax error
)
ALL = st.sampled_from(["", " -all", " ~all", " ?all", " +all", " all", f" redirect=i0.{ZONE}"])


@st.composite
def spf_record(draw: st.DrawFn) -> str:
    terms = draw(st.lists(st.tuples(QUALIFIER, TERM), max_size=13))
    body = " ".join(q + t for q, t in terms)
    return ("v=spf1 " + body).rstrip() + draw(ALL)


@st.composite
def split(draw: st.DrawFn, value: str) -> Strings:
    """The value's strings as some console wrote it: cut at any points, each at most 255 bytes."""
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(value) - 1)), max_size=3))) if len(value) > 1 else []
    parts, start = [], 0
    for cut in [*cuts, len(value)]:
        while cut - start > 255:
            parts.append(value[start : start + 255])
            start += 255
        parts.append(value[start:cut])
        start = cut
    strings = tuple(p for p in parts if p) or ("",)
    assert txt_value(strings) == value
    return strings


@st.composite
def starting_point(draw: st.DrawFn) -> tuple[MemoryZone, bool]:
    data: dict[HostType, list[Rr]] = {}

    def add(key: HostType, rr: Rr) -> None:
        if rr not in data.setdefault(key, []):  # an RRset holds each record once (RFC 2181 5)
            data[key].append(rr)

    def txt(host: str, value: str) -> None:
        add((host, "TXT"), (value, draw(split(value))))

    cname_at = draw(st.sampled_from([None] * 9 + [DOMAIN, DMARC_HOST, DKIM_HOST]))
    if cname_at is not None:
        data[(cname_at, "CNAME")] = [(draw(st.sampled_from(["elsewhere.example.net.", f"i0.{ZONE}."])), ())]
    if cname_at != DOMAIN:
        for value in draw(
            st.sampled_from([0, 1, 1, 1, 1, 2]).flatmap(lambda n: st.lists(spf_record(), min_size=n, max_size=n))
        ):
            txt(DOMAIN, value)
        if draw(st.booleans()):
            txt(DOMAIN, "google-site-verification=abc")
        if draw(RARELY):
            data[(DOMAIN, "MX")] = [(draw(st.sampled_from(["10 mx.elsewhere.example.", "0 ."])), ())]
    if cname_at != DMARC_HOST and draw(RARELY):
        txt(DMARC_HOST, draw(st.sampled_from(["v=DMARC1; p=reject", "p=none; v=DMARC1", "v=dmarc1; p=none", "x"])))
    if cname_at != DKIM_HOST and draw(RARELY):
        txt(DKIM_HOST, draw(st.sampled_from(["v=DKIM1; k=rsa; p=", f"v=DKIM1; p={PAIR.public_b64}", "note"])))
    for rtype, value in draw(st.lists(st.sampled_from([("TXT", "v=spf1 -all"), ("MX", "10 wild.example.")]))):
        add((f"*.{ZONE}", rtype), (value, (value,) if rtype == "TXT" else ()))
    return MemoryZone(data), draw(st.booleans())


def refusal(plan: Plan, answers: Answers, adopt: bool) -> str | None:
    """The code the preview refuses with (as DnsRecords.check does), or None."""
    if plan.conflicts and not adopt:
        return plan.conflicts[0].code
    for record, planned in to_verify(DESIRED, plan):
        item, _ = evaluate_planned(record, planned, answers, final=True)
        if refuses(item):
            return item.code
    return None


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(starting_point())
def test_every_starting_point_ends_verified_or_refused_with_a_code(start: tuple[MemoryZone, bool]) -> None:
    zone, adopt = start
    original = {k: list(v) for k, v in zone.data.items()}
    plan = plan_domain(DESIRED, [], Spf(), zone.read(to_read(DESIRED)), 300, adopt)

    code = refusal(plan, Answers(zone), adopt)
    if code is not None:
        assert "." in code  # a stable code such as spf.lookup-limit, never prose
        event(f"refused: {code}")
        return
    event(f"written: spf {plan.spf.mode}")

    zone.apply(plan)
    verdict = judge(DOMAIN, DESIRED, Answers(zone))
    assert verdict.status == VERIFIED, [(i.item, i.code, i.reason) for i in verdict.items if not i.ok]

    # And destroy gives back what was there, string for string (what adopt replaced stays gone).
    gone = plan_domain([], DESIRED, Spf.from_dict(plan.spf.to_dict()), zone.read(to_read(DESIRED)), 300)
    zone.apply(gone)
    if not adopt:
        assert zone.data == original
    elif plan.spf.mode == MERGED:
        assert zone.data[(DOMAIN, "TXT")] == original[(DOMAIN, "TXT")]
