"""Ask authoritative servers directly (recursion off, UDP with TCP fallback); never a caching resolver."""

from __future__ import annotations

import socket
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.TXT
import dns.resolver

from dms_component.core.nameservers import Nameserver
from dms_component.core.verdicts import Answer

_TIMEOUT = 3.0


def address_of(server: Nameserver) -> str:
    """The server's IP address: as given, or its host name looked up once by the system."""
    if server.is_ip:
        return server.host
    infos = socket.getaddrinfo(server.host, server.port, type=socket.SOCK_DGRAM)
    return str(infos[0][4][0])


def ask(server: Nameserver, host: str, rtype: str, timeout: float = _TIMEOUT) -> Answer:
    """One question to one server; TXT strings are joined, MX rendered as 'pref exchange.'."""
    query = dns.message.make_query(host, rtype)
    query.flags &= ~dns.flags.RD
    try:
        response, _ = dns.query.udp_with_fallback(query, address_of(server), timeout=timeout, port=server.port)
    except (dns.exception.DNSException, OSError) as exc:
        return Answer(error=f"{server} did not answer ({exc.__class__.__name__})")
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return Answer()
    if rcode != dns.rcode.NOERROR:
        return Answer(error=f"{server} answered {dns.rcode.to_text(rcode)}")
    return Answer(tuple(render(rd) for rd in answered(response, host, rtype)))


def answered(response: dns.message.Message, host: str, rtype: str) -> list[dns.rdata.Rdata]:
    """The records of the answer section at exactly `host` and of type `rtype`."""
    qname = dns.name.from_text(host)
    wanted = dns.rdatatype.from_text(rtype)
    return [rd for rrset in response.answer if rrset.name == qname and rrset.rdtype == wanted for rd in rrset]


def render(rdata: object) -> str:
    if isinstance(rdata, dns.rdtypes.ANY.TXT.TXT):
        return b"".join(rdata.strings).decode("utf-8", errors="replace")
    if isinstance(rdata, dns.rdtypes.ANY.MX.MX):
        return f"{rdata.preference} {rdata.exchange.to_text().lower()}"
    return rdata.to_text()  # type: ignore[attr-defined]


def ask_first(servers: Sequence[Nameserver], host: str, rtype: str) -> Answer:
    """Ask each server in turn until one answers."""
    answer = Answer(error="no authoritative server to ask")
    for server in servers:
        answer = ask(server, host, rtype)
        if answer.error is None:
            return answer
    return answer


def ask_all(servers: Sequence[Nameserver], questions: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Answer]:
    """All questions at once; each distinct (host, type) is asked once and the answer shared."""
    unique = list(dict.fromkeys(questions))
    with ThreadPoolExecutor(max_workers=max(1, len(unique))) as pool:
        answers = list(pool.map(lambda q: ask_first(servers, *q), unique))
    return dict(zip(unique, answers, strict=True))


def authoritative_servers(domain: str) -> Sequence[Nameserver]:
    """Find the zone of `domain` and the addresses of its NS hosts, via the system resolver."""
    zone = dns.resolver.zone_for_name(domain)
    servers: list[Nameserver] = []
    for ns in dns.resolver.resolve(zone, "NS"):
        for rtype in ("A", "AAAA"):
            try:
                servers.extend(Nameserver(a.to_text()) for a in dns.resolver.resolve(ns.target, rtype))
            except dns.exception.DNSException:
                continue
    return servers
