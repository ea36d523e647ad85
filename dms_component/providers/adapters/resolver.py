"""Ask authoritative servers directly: recursion off, UDP with TCP fallback, never a caching resolver.

`Resolver` asks every question of a poll concurrently (dns.asyncquery), each of every server at
once, and merges the replies: servers that don't answer are skipped while another one does, and
servers that answer differently make the answer an error naming the ones that lag (the change has
not reached all of them yet, and a receiver may ask any of them).

Which servers (`Servers`): the ones given (dms:verification.nameservers, or the server written to)
for every name; with RFC 2136 also the zone's public authoritative set, its NS records resolved
(`find_servers`): receivers ask those, and a hidden primary is not among them. Names in the sender
domain then need an answer from at least one public server. For a name outside the sender domain
(an SPF include, the MX host) that the servers refuse (they don't serve it), the name's own
authoritative servers. With no servers given, every name goes to its zone's authoritative servers.

NS sets are found through the system resolver (`SystemResolver`: the machine's, or the servers in
DMS_SYSTEM_RESOLVER, which tests and labs set so they don't depend on the machine's).

Answers for names outside the sender domain are shared between the polls of every domain in the
process for a few seconds: twenty domains polling `qcloudmail.com` would otherwise ask the same
question many times a second, which authoritative servers' rate limiting punishes.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

import dns.asyncquery
import dns.asyncresolver
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.TXT

from dms_component.core import txt
from dms_component.core.lookups import Answer, Question, question, under
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import mx_value
from dms_component.providers.adapters.progress import emit_once

TIMEOUT = 3.0  # seconds for one question to one server (two tries of half each)
SHARED_MAX_AGE = 5.0  # seconds an answer outside the sender domain is reused across polls and domains
ZONE_MAX_AGE = 300.0  # seconds a zone's authoritative servers are remembered
NOT_FOUND_MAX_AGE = 30.0  # seconds a zone whose servers could not be found is not asked again
LOOKUP_LIFETIME = 5.0  # seconds the system resolver gets to find a zone's NS set
SYSTEM_RESOLVER_ENV = "DMS_SYSTEM_RESOLVER"  # HOST[:PORT],...: the resolver that finds NS sets
GRACE = 0.3  # seconds the other servers get once one has answered (at least 3x that one's time)


def address_of(server: Nameserver) -> str:
    """The server's IP address: as given, or its host name looked up once by the system."""
    if server.is_ip:
        return server.host
    infos = socket.getaddrinfo(server.host, server.port, type=socket.SOCK_DGRAM)
    return str(infos[0][4][0])


class _TimedCache:
    """A process-wide map with an age limit; safe across the provider's threads and event loops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[object, tuple[float, object]] = {}

    def get(self, key: object, max_age: float) -> object | None:
        with self._lock:
            hit = self._items.get(key)
        if hit is None or time.monotonic() - hit[0] > max_age:
            return None
        return hit[1]

    def put(self, key: object, value: object) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            if len(self._items) > 4096:  # stays small: drop the oldest half
                for old in sorted(self._items, key=lambda k: self._items[k][0])[:2048]:
                    del self._items[old]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


SHARED_ANSWERS = _TimedCache()
ZONE_SERVERS = _TimedCache()


@dataclass(frozen=True)
class SystemResolver:
    """The resolver that finds zones and their NS sets: the machine's (/etc/resolv.conf) when `servers`
    is empty, else those servers (HOST[:PORT], asked with recursion as a stub resolver asks)."""

    servers: tuple[Nameserver, ...] = ()

    @staticmethod
    def from_environment() -> SystemResolver:
        """DMS_SYSTEM_RESOLVER=HOST[:PORT],... when set (tests, labs, split horizon), else the machine's."""
        given = os.environ.get(SYSTEM_RESOLVER_ENV, "")
        return SystemResolver(tuple(Nameserver.parse(s) for s in given.split(",") if s.strip()))

    def resolver(self) -> dns.asyncresolver.Resolver:
        if not self.servers:
            return dns.asyncresolver.Resolver()
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver(s.host, s.port) for s in self.servers]
        return resolver


@dataclass(frozen=True)
class Servers:
    """The servers one verification asks.

    `given`: asked for every name (dms:verification.nameservers, or the primary written to: then the
    reference when answers differ, since it has every change first). `public`: the zone's NS set,
    asked too; a name in the sender domain needs an answer from one of them. `note`: why the public
    set is missing although it was looked for (said once in the output)."""

    given: tuple[Nameserver, ...] = ()
    public: tuple[Nameserver, ...] = ()
    note: str | None = None
    reference: bool = False  # the given servers are the primary: the others lag when they differ

    @property
    def every(self) -> tuple[Nameserver, ...]:
        """Given and public, each address once (a primary in the NS set is asked once)."""
        return tuple(dict.fromkeys((*self.given, *self.public)))

    def names(self) -> list[str] | None:
        """How progress lines name them; None: each name's authoritative servers."""
        return [str(s) for s in self.every] or None


async def find_servers(given: Sequence[Nameserver], zone: str | None, system: SystemResolver | None = None) -> Servers:
    """`given`, and with a `zone`, its public NS set, found through the system resolver. A zone whose
    NS set can't be found leaves the given servers alone, with a note saying so."""
    if not zone:
        return Servers(tuple(given))
    try:
        public = await public_servers(zone, system or SystemResolver.from_environment())
    except (dns.exception.DNSException, OSError) as exc:
        asked = ", ".join(map(str, given)) or "no server"
        note = (
            f"can't find the public servers of {zone} (its NS records, {exc.__class__.__name__}):"
            f" verifying against {asked} only"
        )
        return Servers(tuple(given), note=note, reference=True)
    return Servers(tuple(given), public, reference=True)


@dataclass(frozen=True)
class _Reply:
    server: Nameserver
    answer: Answer | None = None  # the server's answer, when it gave one
    refused: bool = False  # REFUSED: the server does not serve this name
    failure: str | None = None  # no usable answer: timeout, SERVFAIL...

    def said(self) -> str:
        return self.failure or f"{self.server} refused the question"


class Resolver:
    """Asks the servers of one verification; `own` is the sender domain (its answers are never shared)."""

    def __init__(
        self,
        servers: Servers | Sequence[Nameserver] | None = None,
        *,
        own: str | None = None,
        timeout: float = TIMEOUT,
    ) -> None:
        self.asked = servers if isinstance(servers, Servers) else Servers(tuple(servers or ()))
        self.servers = self.asked.every
        self.own = own
        self.timeout = timeout
        self.queries = 0  # questions sent to servers (for benchmarks)
        self.over_tcp = 0  # answers truncated over UDP and asked again over TCP

    async def ask_many(self, questions: Iterable[Question]) -> dict[Question, Answer]:
        """Every question at once; each distinct (name, type) is asked once."""
        unique = list(dict.fromkeys(question(*q) for q in questions))
        answers = await asyncio.gather(*(self.ask(*q) for q in unique))
        return dict(zip(unique, answers, strict=True))

    async def ask(self, name: str, rtype: str) -> Answer:
        key = question(name, rtype)
        shared = self.own is None or not under(key[0], self.own)
        cache_key = (self.servers, key)
        if shared:
            cached = SHARED_ANSWERS.get(cache_key, SHARED_MAX_AGE)
            if isinstance(cached, Answer):
                return cached
        answer = await self._ask(*key, shared=shared)
        if shared and answer.error is None:
            SHARED_ANSWERS.put(cache_key, answer)
        return answer

    async def _ask(self, name: str, rtype: str, *, shared: bool) -> Answer:
        if self.servers:
            answer, refused = await self._ask_servers(self.servers, name, rtype, own=not shared)
            if not (refused and shared):
                return answer
        try:
            servers = await zone_servers(name)
        except (dns.exception.DNSException, OSError) as exc:
            return Answer(error=f"can't find the authoritative servers of {name} ({exc.__class__.__name__})")
        answer, _ = await self._ask_servers(servers, name, rtype)
        return answer

    async def _ask_servers(
        self, servers: Sequence[Nameserver], name: str, rtype: str, *, own: bool = False
    ) -> tuple[Answer, bool]:
        """Ask all servers at once and merge; also whether every server refused the name."""
        replies = await self._replies(servers, name, rtype)
        answered = [r for r in replies if r.answer is not None]
        public = set(self.asked.public) if own else set()
        if answered and public and not any(r.server in public for r in answered):
            # Only the hidden primary has it: receivers ask the NS set, and none of it answered.
            silent = "; ".join(r.said() for r in replies if r.server in public)
            return Answer(error=f"no server of the zone's NS set answered ({silent})"), False
        if answered:
            found = self._current(answered)
            if found is None:  # no way to tell which is current: a tie, no primary among them
                who = " and ".join(str(r.server) for r in answered)
                return Answer(error=f"{who} answer differently (the change has not reached every server yet)"), False
            current, behind = found
            if behind:
                return Answer(current.values, _behind(behind), current.cname, lagging=True), False
            return current, False
        if replies and all(r.refused for r in replies):
            return Answer(error=f"{replies[0].server} refused the question (it does not serve {name})"), True
        return Answer(error="; ".join(r.said() for r in replies) or "no server to ask"), False

    def _current(self, answered: list[_Reply]) -> tuple[Answer, list[_Reply]] | None:
        """The current answer and the replies that differ from it: the primary's when it answered (it
        has every change first), else the answer most servers give; None when that is a tie."""
        groups: dict[tuple[frozenset[str], str | None], list[_Reply]] = {}
        for reply in answered:
            assert reply.answer is not None
            groups.setdefault((frozenset(reply.answer.values), reply.answer.cname), []).append(reply)
        if len(groups) == 1:
            return answered[0].answer, []  # type: ignore[return-value]
        given = set(self.asked.given) if self.asked.reference else set()
        current = next((g for g in groups.values() if any(r.server in given for r in g)), None)
        if current is None:
            sizes = sorted((len(g) for g in groups.values()), reverse=True)
            if sizes[0] == sizes[1]:
                return None
            current = max(groups.values(), key=len)
        return current[0].answer, [r for r in answered if r not in current]  # type: ignore[return-value]

    async def _replies(self, servers: Sequence[Nameserver], name: str, rtype: str) -> list[_Reply]:
        """Every server's reply; once one has answered, the others get a grace period, not the full timeout."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        tasks = {asyncio.ensure_future(self._query(s, name, rtype)): s for s in servers}
        pending, replies = set(tasks), []
        grace_ends: float | None = None
        while pending:
            wait = None if grace_ends is None else max(0.0, grace_ends - loop.time())
            done, pending = await asyncio.wait(pending, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            if not done:
                break
            for task in done:
                reply = task.result()
                replies.append(reply)
                if reply.answer is not None and grace_ends is None:
                    grace_ends = loop.time() + max(GRACE, 3 * (loop.time() - started))
        for task in pending:
            task.cancel()
            replies.append(_Reply(tasks[task], failure=f"{tasks[task]} did not answer in time"))
        order = {s: i for i, s in enumerate(servers)}
        return sorted(replies, key=lambda r: order[r.server])

    async def _query(self, server: Nameserver, name: str, rtype: str) -> _Reply:
        query = dns.message.make_query(name, rtype)
        query.flags &= ~dns.flags.RD  # authoritative data only
        self.queries += 1
        try:
            where = server.host if server.is_ip else await _address(server)
            response = None
            for attempt in (1, 2):  # one retry: a lost UDP packet should not fail a poll
                try:
                    response, used_tcp = await dns.asyncquery.udp_with_fallback(
                        query, where, timeout=self.timeout / 2, port=server.port
                    )
                    self.over_tcp += used_tcp
                    break
                except dns.exception.Timeout:
                    if attempt == 2:
                        raise
        except (dns.exception.DNSException, OSError) as exc:
            return _Reply(server, failure=f"{server} did not answer ({exc.__class__.__name__})")
        assert response is not None
        return _interpret(server, response, name, rtype)


def _interpret(server: Nameserver, response: dns.message.Message, name: str, rtype: str) -> _Reply:
    rcode = response.rcode()
    qname = dns.name.from_text(name)
    wanted = dns.rdatatype.from_text(rtype)
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        if rcode == dns.rcode.REFUSED:
            return _Reply(server, refused=True)
        return _Reply(server, failure=f"{server} answered {dns.rcode.to_text(rcode)}")
    values: list[str] = []
    cname: str | None = None
    for rrset in response.answer:
        if rrset.name != qname:
            continue  # a chased CNAME target: asked on its own, from its own servers
        if rrset.rdtype == wanted:
            values += [render(rd) for rd in rrset]
        elif rrset.rdtype == dns.rdatatype.CNAME and wanted != dns.rdatatype.CNAME:
            cname = rrset[0].target.to_text().rstrip(".").lower()
    if values:
        return _Reply(server, Answer(tuple(sorted(values))))
    return _Reply(server, Answer(cname=cname))


def render(rdata: object) -> str:
    """TXT strings joined without separators; MX as 'preference exchange.'; others as zone-file text."""
    if isinstance(rdata, dns.rdtypes.ANY.TXT.TXT):
        return txt.joined(rdata.strings)
    if isinstance(rdata, dns.rdtypes.ANY.MX.MX):
        return mx_value(rdata.preference, rdata.exchange.to_text())
    return rdata.to_text()  # type: ignore[attr-defined]


def _behind(replies: list[_Reply]) -> str:
    """Who lags, and how: still the old value, or nothing at the name yet (its first record is on its way)."""
    empty = [r for r in replies if not r.answer.values and r.answer.cname is None]  # type: ignore[union-attr]
    old = [r for r in replies if r not in empty]
    parts = []
    for group, single, plural in ((old, "still serves the old value", "still serve the old value"),
                                  (empty, "has no record yet", "have no record yet")):
        if group:
            parts.append(f"{' and '.join(str(r.server) for r in group)} {single if len(group) == 1 else plural}")
    return f"{'; '.join(parts)} (the change has not reached every server yet)"


async def _address(server: Nameserver) -> str:
    infos = await asyncio.get_running_loop().getaddrinfo(server.host, server.port, type=socket.SOCK_DGRAM)
    return str(infos[0][4][0])


async def zone_servers(name: str) -> tuple[Nameserver, ...]:
    """The addresses of the NS hosts of the zone holding `name`, via the system resolver (cached)."""
    system = SystemResolver.from_environment()
    cached = ZONE_SERVERS.get((system, "zone-of", name), ZONE_MAX_AGE)
    if isinstance(cached, tuple):
        return cached
    resolver = system.resolver()
    zone = await dns.asyncresolver.zone_for_name(name, resolver=resolver, lifetime=10)
    servers = await _ns_addresses(zone, resolver)
    ZONE_SERVERS.put((system, "zone-of", name), servers)
    return servers


async def public_servers(zone: str, system: SystemResolver) -> tuple[Nameserver, ...]:
    """The zone's public authoritative servers: its NS records' hosts and their addresses, each named by
    its host. Remembered for a while; so is a failure, so twenty domains of one zone look it up once."""
    key = (system, "public", zone)
    cached = ZONE_SERVERS.get(key, ZONE_MAX_AGE)
    if isinstance(cached, tuple):
        return cached
    failed = ZONE_SERVERS.get((*key, "failed"), NOT_FOUND_MAX_AGE)
    if isinstance(failed, BaseException):
        raise failed
    try:
        servers = await _ns_addresses(dns.name.from_text(zone), system.resolver())
    except (dns.exception.DNSException, OSError) as exc:
        ZONE_SERVERS.put((*key, "failed"), exc)
        raise
    ZONE_SERVERS.put(key, servers)
    return servers


async def _ns_addresses(zone: dns.name.Name, resolver: dns.asyncresolver.Resolver) -> tuple[Nameserver, ...]:
    hosts = [ns.target for ns in await resolver.resolve(zone, "NS", lifetime=LOOKUP_LIFETIME)]

    async def addresses(host: dns.name.Name, rtype: str) -> list[Nameserver]:
        try:
            found = await resolver.resolve(host, rtype, lifetime=LOOKUP_LIFETIME)
        except dns.exception.DNSException:
            return []
        return [Nameserver(a.to_text(), name=host.to_text().rstrip(".")) for a in found]

    found = await asyncio.gather(*(addresses(h, t) for h in hosts for t in ("A", "AAAA")))
    servers = tuple(dict.fromkeys(s for group in found for s in group))
    if not servers:
        raise dns.exception.DNSException(f"no address for the name servers of {zone}")
    return servers


def authoritative_servers(domain: str) -> Sequence[Nameserver]:
    """Find the zone of `domain` and the addresses of its NS hosts, via the system resolver."""
    return list(asyncio.run(zone_servers(domain)))


def servers_to_ask(given: Sequence[str], zone: str | None, stream: TextIO | None = None) -> Servers:
    """What a verification asks, for synchronous callers (the Pulumi provider's threads, the `dms` command):
    `given` (the primary written to, or the servers the program named) and, with `zone`, that zone's public
    NS set; none at all: each name's authoritative servers. A zone whose NS set can't be found is said once
    per process, on `stream` (default stdout)."""
    parsed = [Nameserver.parse(s) for s in given]
    servers = asyncio.run(find_servers(parsed, zone)) if zone else Servers(tuple(parsed))
    if servers.note:
        emit_once(servers.note, stream)
    return servers
