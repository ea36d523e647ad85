"""Progress lines while a domain waits (pure): what passes, what is missing and where it was asked.

    notify.example.com: SPF ok, DKIM not yet served by ns2.example.com, DMARC ok, MX ok (40 s of 600 s)

A line is built only from the items' names, their `ok` flags and the servers asked; never from a
record's value, so no key (and nothing else from a record) can appear in it. `ProgressGate`
decides when a domain's line is worth printing: when what it says changed, or every few seconds,
so 20 domains waiting at once print about 4 lines a second, one per domain per update.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from dms_component.core.verdicts import DomainVerdict, ItemResult

EVERY = 5.0  # seconds between two lines of a domain whose state did not change
# The servers a lagging item's reason names (resolver.py: "ns2.example.com still serves the old value", "ns3 has
# no record yet").
_LAGGING = re.compile(
    r"(?P<who>[^\s:;(]+(?::\d+)?(?: and [^\s:;(]+(?::\d+)?)*) (?P<how>still serves? the old value|ha(?:s|ve) no record)"
)


def where(servers: Sequence[str] | None) -> str:
    """How the servers asked are named in a line; None: the zone's authoritative servers."""
    if not servers:
        return "the zone's servers"
    if len(servers) <= 2:
        return " and ".join(servers)
    return f"{servers[0]} and {len(servers) - 1} other servers"


def item_state(item: ItemResult, servers: Sequence[str] | None = None) -> str:
    """A few words for one item; the reason's classes, never its quoted values."""
    if item.ok:
        return f"{item.item} ok"
    reason = item.reason
    if reason == "not checked yet":
        return f"{item.item} not checked yet"
    if "could not finish" in reason:
        return f"{item.item} check could not finish"
    lagging = list(_LAGGING.finditer(reason))
    if lagging:
        old = " and ".join(m["who"] for m in lagging if m["how"].startswith("still"))
        new = " and ".join(m["who"] for m in lagging if not m["how"].startswith("still"))
        states = ([f"still the old value on {old}"] if old else []) + ([f"not yet on {new}"] if new else [])
        return f"{item.item} {' and '.join(states)}"
    if "answer differently" in reason:
        return f"{item.item} not yet on every server"
    if "no server of the zone's NS set answered" in reason:
        return f"{item.item} no answer from the zone's NS set"
    if reason.startswith("could not look up") or "did not answer" in reason:
        return f"{item.item} no answer from {where(servers)}"
    if reason.startswith("no ") and not item.current:
        return f"{item.item} not yet served by {where(servers)}"
    return f"{item.item} wrong at {item.host}"  # the full reason is in the final verdict and warning


def state_of(verdict: DomainVerdict, servers: Sequence[str] | None = None) -> str:
    """Every item's state: a line without its clock (what ProgressGate compares)."""
    return ", ".join(item_state(i, servers) for i in verdict.items)


def clock(seconds: float) -> str:
    return f"{int(seconds)} s"


def progress_line(verdict: DomainVerdict, elapsed: float, timeout: float, servers: Sequence[str] | None = None) -> str:
    """One domain's line: each item's state, then the time spent against the deadline."""
    return f"{verdict.domain}: {state_of(verdict, servers)} ({clock(elapsed)} of {clock(timeout)})"


def waiting_line(domain: str, what: str, elapsed: float, timeout: float) -> str:
    """A line for a wait that has no items: Route53's INSYNC, the service's own check."""
    return f"{domain}: {what} ({clock(elapsed)} of {clock(timeout)})"


NEXT_AFTER_UP = "run `dms wait {domain}`, then `pulumi up` to mark it verified"


def pending_summary(
    verdict: DomainVerdict, waited: float, servers: Sequence[str] | None = None, next_step: str = NEXT_AFTER_UP
) -> str:
    """The last line of a wait that ran out: what is still missing, and what to run next."""
    missing = ", ".join(item_state(i, servers) for i in verdict.items if not i.ok) or "the service's own check"
    step = next_step.format(domain=verdict.domain)
    return f"{verdict.domain}: still pending after {clock(waited)}: {missing}; {step}"


@dataclass
class ProgressGate:
    """Per domain: print when the state changed, or when `every` seconds passed since its last line.

    `state` is what a line says without its clock, so a line that would only tick the clock waits."""

    every: float = EVERY
    _last: dict[str, tuple[str, float]] = field(default_factory=dict)

    def should_print(self, domain: str, state: str, now: float) -> bool:
        last = self._last.get(domain)
        if last is not None and last[0] == state and now - last[1] < self.every:
            return False
        self._last[domain] = (state, now)
        return True
