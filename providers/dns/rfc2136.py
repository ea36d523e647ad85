"""RFC 2136 dynamic updates with TSIG: BIND, Knot, PowerDNS and the embedded local server."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.TXT
import dns.tsig
import dns.tsigkeyring
import dns.update

from dms_component.core.changes import Key, RecordSet, RrsetChange
from dms_component.core.encoding import is_base64
from dms_component.core.nameservers import Nameserver
from dms_component.errors import ConfigError, DnsUpdateError
from providers.dns.base import DnsProvider
from providers.resolver import address_of, render

# BIND (`tsig-keygen`): key "name" { algorithm hmac-sha256; secret "..."; };  clauses in any order.
_BIND_KEY = re.compile(r'key\s+"?(?P<name>[^"\s{]+)"?\s*\{(?P<body>[^}]*)\}', re.S)
_BIND_CLAUSE = re.compile(r'(?P<clause>algorithm|secret)\s+"?(?P<value>[^";\s]+)"?\s*;')
# Knot (`keymgr -t`): YAML with `- id: name`, `algorithm: ...`, `secret: ...`.
_KNOT_CLAUSE = re.compile(r"^\s*(?:-\s*)?(?P<clause>id|algorithm|secret)\s*:\s*(?P<value>\S+)\s*$", re.M)
_KEY_FILE_KEY = "dms:dns.tsig.keyFile"


def _parse_key_file(text: str) -> dict[str, str]:
    bind = _BIND_KEY.search(text)
    if bind:
        clauses = {m["clause"]: m["value"] for m in _BIND_CLAUSE.finditer(bind["body"])}
        return {"name": bind["name"], **clauses}
    clauses = {m["clause"]: m["value"] for m in _KNOT_CLAUSE.finditer(text)}
    if "id" in clauses:
        clauses["name"] = clauses.pop("id")
    return clauses


@dataclass(frozen=True)
class TsigKey:
    name: str
    algorithm: str
    secret: str = field(repr=False)  # never in a repr, a log line or an error

    @staticmethod
    def from_key_file(path: str) -> TsigKey:
        """Read a key file as BIND's `tsig-keygen` or Knot's `keymgr -t` writes it."""
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise ConfigError(_KEY_FILE_KEY, f"can't read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(_KEY_FILE_KEY, f"{path} is not a text key file") from None
        clauses = _parse_key_file(text)
        if not {"name", "algorithm", "secret"} <= set(clauses):
            raise ConfigError(
                _KEY_FILE_KEY,
                f'{path} is not a key file of the form key "name" {{ algorithm ...; secret "..."; }};'
                " (BIND) or keymgr -t output (Knot)",
            )
        if not is_base64(clauses["secret"]):
            raise ConfigError(_KEY_FILE_KEY, f"the secret in {path} is not base64")  # never echo it
        return TsigKey(clauses["name"], clauses["algorithm"].lower(), clauses["secret"])


@dataclass
class Rfc2136Provider(DnsProvider):
    server: Nameserver
    zone: str
    key: TsigKey | None = None
    timeout: float = 5.0

    def _keyring(self) -> tuple[dict[dns.name.Name, dns.tsig.Key] | None, dns.name.Name | None]:
        if self.key is None:
            return None, None
        name = dns.name.from_text(self.key.name)
        return {name: dns.tsig.Key(name, self.key.secret, self.key.algorithm)}, name

    def read(self, keys: Sequence[Key]) -> dict[Key, RecordSet]:
        found = {key: self._query(*key) for key in dict.fromkeys(keys)}
        for key in self._synthesized([s for s in found.values() if s.values]):
            found[key] = RecordSet(*key)
        return found

    def _synthesized(self, sets: list[RecordSet]) -> list[Key]:
        """The sets a wildcard answered for (RFC 4592): a query at a name with no records of its own
        gets `*.<closest encloser>`'s data, indistinguishable in the answer. Prerequisites (RFC 2136
        2.4.2) are evaluated on the zone's own data, so an update with prerequisites only, changing
        nothing, tells which sets really exist at our names. One message when all do (the usual case)."""
        if not sets or self.key is None:
            return []  # without a key the server refuses updates: trust the answers
        if self._exist(sets):
            return []
        if len(sets) == 1:
            return [(sets[0].host, sets[0].rtype)]
        return [(s.host, s.rtype) for s in sets if not self._exist([s])]

    def _exist(self, sets: list[RecordSet]) -> bool:
        keyring, keyname = self._keyring()
        update = dns.update.UpdateMessage(self.zone, keyring=keyring, keyname=keyname)
        origin = dns.name.from_text(self.zone)
        for found in sets:
            change = RrsetChange(found.host, found.rtype, found.values, (), 0, exact=found.exact())
            rdatas = _rdatas(change, found.values)
            update.present(dns.name.from_text(found.host).relativize(origin), dns.rdataset.from_rdata_list(0, rdatas))
        try:
            response = dns.query.tcp(update, address_of(self.server), timeout=self.timeout, port=self.server.port)
        except (dns.exception.DNSException, OSError) as exc:
            raise DnsUpdateError(
                f"can't check the records at our names on {self.server}: {exc.__class__.__name__}"
            ) from None
        # NXRRSET/YXRRSET/NXDOMAIN: not the zone's own data; anything else (REFUSED...): can't tell, trust the answer.
        return response.rcode() not in (*_CHANGED_SINCE, dns.rcode.NXDOMAIN)

    def _query(self, host: str, rtype: str) -> RecordSet:
        query = dns.message.make_query(host, rtype)
        try:
            response = dns.query.tcp(query, address_of(self.server), timeout=self.timeout, port=self.server.port)
        except (dns.exception.DNSException, OSError) as exc:
            raise DnsUpdateError(f"can't read {host} {rtype} from {self.server}: {exc.__class__.__name__}") from None
        if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise DnsUpdateError(f"{self.server} answered {dns.rcode.to_text(response.rcode())} for {host} {rtype}")
        name, wanted = dns.name.from_text(host), dns.rdatatype.from_text(rtype)
        for rrset in response.answer:
            if rrset.name == name and rrset.rdtype == wanted:
                # Keep each TXT record's strings exactly as stored: prerequisites must name them so.
                strings = tuple(txt_strings(rd) for rd in rrset) if wanted == dns.rdatatype.TXT else ()
                return RecordSet(host, rtype, tuple(render(rd) for rd in rrset), rrset.ttl, strings)
        return RecordSet(host, rtype)

    def apply(self, changes: Sequence[RrsetChange]) -> None:
        keyring, keyname = self._keyring()
        update = dns.update.UpdateMessage(self.zone, keyring=keyring, keyname=keyname)
        origin = dns.name.from_text(self.zone)
        for change in changes:
            name = dns.name.from_text(change.host).relativize(origin)
            # Prerequisite: the set still holds exactly what we read, or the server changes nothing.
            if change.before:
                before = dns.rdataset.from_rdata_list(0, _rdatas(change, change.before))
                update.present(name, before)
            else:
                update.absent(name, change.rtype)
            update.delete(name, change.rtype)
            for rdata in _rdatas(change, change.after):
                update.add(name, change.ttl, rdata)
        try:
            response = dns.query.tcp(update, address_of(self.server), timeout=self.timeout, port=self.server.port)
        except dns.tsig.PeerError as exc:
            raise DnsUpdateError(
                f"{self.server} refused our TSIG key for zone {self.zone}: {exc.__class__.__name__}"
            ) from None
        except (dns.exception.DNSException, OSError) as exc:
            raise DnsUpdateError(
                f"can't send the update for zone {self.zone} to {self.server}: {exc.__class__.__name__}"
            ) from None
        rcode = response.rcode()
        if rcode in _CHANGED_SINCE:
            raise DnsUpdateError(
                f"records at our names in zone {self.zone} changed while we were updating them; nothing was"
                " changed: run again"
            )
        if rcode != dns.rcode.NOERROR:
            hint = " (check the TSIG key and the server's update ACL)" if rcode in _AUTH_RCODES else ""
            raise DnsUpdateError(
                f"{self.server} refused the update for zone {self.zone}: {dns.rcode.to_text(rcode)}{hint}"
            )


_AUTH_RCODES = (dns.rcode.REFUSED, dns.rcode.NOTAUTH)


_CHANGED_SINCE = (dns.rcode.NXRRSET, dns.rcode.YXRRSET)


def _rdatas(change: RrsetChange, values: Sequence[str]) -> list[dns.rdata.Rdata]:
    """Logical values (TXT joined, MX "pref exchange.") as record data; TXT in the strings the change
    names for them (as read, so a prerequisite matches a record split at 250 bytes), else 255-byte ones."""
    if change.rtype == "TXT":
        return [
            dns.rdtypes.ANY.TXT.TXT(
                dns.rdataclass.IN, dns.rdatatype.TXT, [s.encode("utf-8", "surrogateescape") for s in strings]
            )
            for strings in change.strings_for(values)
        ]
    rdtype = dns.rdatatype.from_text(change.rtype)
    return [dns.rdata.from_text(dns.rdataclass.IN, rdtype, v) for v in values]


def txt_strings(rdata: dns.rdata.Rdata) -> tuple[str, ...]:
    """A TXT record's strings as text that encodes back to the same bytes (surrogateescape)."""
    return tuple(s.decode("utf-8", "surrogateescape") for s in rdata.strings)  # type: ignore[attr-defined]
