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
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.update

from dms_component.core.encoding import is_base64
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import RequiredRecord
from dms_component.errors import ConfigError, DnsUpdateError
from providers.dns.base import DnsProvider, Plan
from providers.resolver import address_of, answered

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

    def present(self, records: Sequence[RequiredRecord]) -> list[RequiredRecord]:
        published: dict[tuple[str, str], set[dns.rdata.Rdata]] = {}
        for host, rtype in dict.fromkeys((r.host, r.rtype) for r in records):
            published[(host, rtype)] = self._query(host, rtype)
        return [r for r in records if _rdata(r) in published[(r.host, r.rtype)]]

    def _query(self, host: str, rtype: str) -> set[dns.rdata.Rdata]:
        query = dns.message.make_query(host, rtype)
        try:
            response = dns.query.tcp(query, address_of(self.server), timeout=self.timeout, port=self.server.port)
        except (dns.exception.DNSException, OSError) as exc:
            raise DnsUpdateError(f"can't read {host} {rtype} from {self.server}: {exc.__class__.__name__}") from None
        if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise DnsUpdateError(f"{self.server} answered {dns.rcode.to_text(response.rcode())} for {host} {rtype}")
        return set(answered(response, host, rtype))

    def apply(self, plan: Plan) -> None:
        keyring, keyname = self._keyring()
        update = dns.update.UpdateMessage(self.zone, keyring=keyring, keyname=keyname)
        origin = dns.name.from_text(self.zone)
        for record in plan.removes:
            update.delete(dns.name.from_text(record.host).relativize(origin), _rdata(record))
        for record in plan.adds:
            update.add(dns.name.from_text(record.host).relativize(origin), self.ttl, _rdata(record))
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
        if response.rcode() != dns.rcode.NOERROR:
            rcode = response.rcode()
            hint = " (check the TSIG key and the server's update ACL)" if rcode in _AUTH_RCODES else ""
            raise DnsUpdateError(
                f"{self.server} refused the update for zone {self.zone}: {dns.rcode.to_text(rcode)}{hint}"
            )


_AUTH_RCODES = (dns.rcode.REFUSED, dns.rcode.NOTAUTH)


def _rdata(record: RequiredRecord) -> dns.rdata.Rdata:
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(record.rtype), record.rdata_text())
