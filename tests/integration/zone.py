"""Raw RFC 2136 updates and plain queries against the session's Knot, independent of the code under test.

The tests use this to set up a zone the way a person or another tool would (a foreign TXT, a
wrong DKIM key, two SPF records...) and to read back what the server really serves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.tsig
import dns.update

from devtools.localdns import LocalDnsServer
from dms_component.core import txt
from dms_component.core.records import RequiredRecord

TIMEOUT = 5.0


def txt_rdata_text(value: str) -> str:
    """Zone-file text of one TXT value, split into 255-byte strings (as any DNS tool would)."""
    return txt.to_text(txt.split(value))


def read_tsig(local_dns: LocalDnsServer) -> tuple[str, str, str]:
    """(name, algorithm, secret) parsed from the server's key file without the code under test."""
    text = local_dns.key_file.read_text()
    name = text.split('key "', 1)[1].split('"', 1)[0]
    algorithm = text.split("algorithm ", 1)[1].split(";", 1)[0].strip()
    secret = text.split('secret "', 1)[1].split('"', 1)[0]
    return name, algorithm, secret


@dataclass
class Zone:
    """One zone on the local server, changed with raw TSIG-signed updates."""

    server: LocalDnsServer

    @property
    def origin(self) -> dns.name.Name:
        return dns.name.from_text(self.server.zone)

    def _update(self) -> dns.update.UpdateMessage:
        name, algorithm, secret = read_tsig(self.server)
        keyname = dns.name.from_text(name)
        keyring = {keyname: dns.tsig.Key(keyname, secret, algorithm)}
        return dns.update.UpdateMessage(self.server.zone, keyring=keyring, keyname=keyname)

    def _send(self, update: dns.update.UpdateMessage) -> None:
        response = dns.query.tcp(update, self.server.host, port=self.server.port, timeout=TIMEOUT)
        assert response.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(response.rcode())

    def _rel(self, host: str) -> dns.name.Name:
        return dns.name.from_text(host).relativize(self.origin)

    def add_txt(self, host: str, *values: str, ttl: int = 300) -> None:
        update = self._update()
        for value in values:
            update.add(self._rel(host), ttl, "TXT", txt_rdata_text(value))
        self._send(update)

    def add_mx(self, host: str, preference: int, exchange: str, ttl: int = 300) -> None:
        update = self._update()
        update.add(self._rel(host), ttl, "MX", f"{preference} {exchange}")
        self._send(update)

    def delete(self, host: str, rtype: str, rdata_text: str | None = None) -> None:
        """Delete one value (rdata_text given) or the whole record set."""
        update = self._update()
        if rdata_text is None:
            update.delete(self._rel(host), rtype)
        else:
            update.delete(self._rel(host), rtype, rdata_text)
        self._send(update)

    def delete_txt(self, host: str, value: str) -> None:
        self.delete(host, "TXT", txt_rdata_text(value))

    def publish(self, records: Iterable[RequiredRecord]) -> None:
        """Write records as a person would, in one update (not through the provider)."""
        update = self._update()
        for r in records:
            if r.rtype == "TXT":
                update.add(self._rel(r.host), 300, "TXT", txt_rdata_text(r.value))
            else:
                update.add(self._rel(r.host), 300, "MX", f"{r.preference} {r.value}")
        self._send(update)

    def rdatas(self, host: str, rtype: str) -> list[dns.rdata.Rdata]:
        """What the server serves at (host, type), asked over TCP with recursion off."""
        query = dns.message.make_query(host, rtype)
        response = dns.query.tcp(query, self.server.host, port=self.server.port, timeout=TIMEOUT)
        assert response.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN), dns.rcode.to_text(response.rcode())
        qname = dns.name.from_text(host)
        wanted = dns.rdatatype.from_text(rtype)
        return [rd for rrset in response.answer if rrset.name == qname and rrset.rdtype == wanted for rd in rrset]

    def ttl(self, host: str, rtype: str) -> int | None:
        query = dns.message.make_query(host, rtype)
        response = dns.query.tcp(query, self.server.host, port=self.server.port, timeout=TIMEOUT)
        qname = dns.name.from_text(host)
        wanted = dns.rdatatype.from_text(rtype)
        return next((rrset.ttl for rrset in response.answer if rrset.name == qname and rrset.rdtype == wanted), None)

    def txt(self, host: str) -> set[str]:
        """TXT values at host, strings joined."""
        return {b"".join(rd.strings).decode() for rd in self.rdatas(host, "TXT")}

    def txt_strings(self, host: str) -> list[tuple[bytes, ...]]:
        return [tuple(rd.strings) for rd in self.rdatas(host, "TXT")]

    def mx(self, host: str) -> set[str]:
        return {f"{rd.preference} {rd.exchange.to_text().lower()}" for rd in self.rdatas(host, "MX")}

    def served(self, records: Iterable[RequiredRecord]) -> list[RequiredRecord]:
        """Those of records whose exact value the server serves (independent of Rfc2136Host.present)."""
        out = []
        for r in records:
            values = self.txt(r.host) if r.rtype == "TXT" else self.mx(r.host)
            want = r.value if r.rtype == "TXT" else f"{r.preference} {r.value.lower()}"
            if want in values:
                out.append(r)
        return out
