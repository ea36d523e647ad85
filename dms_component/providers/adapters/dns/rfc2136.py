"""RFC 2136 dynamic updates with TSIG: BIND, Knot, PowerDNS and the embedded local server."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

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

from dms_component.core import txt, validate
from dms_component.core.changes import HostType, RecordSet, RrsetChange
from dms_component.core.encoding import is_base64
from dms_component.core.errors import ConfigError, DnsUpdateError, setting
from dms_component.core.nameservers import Nameserver
from dms_component.providers.adapters.settings import given
from dms_component.providers.adapters.dns.base import DnsHost, DnsTarget
from dms_component.providers.adapters.resolver import address_of, render


# BIND (`tsig-keygen`): key "name" { algorithm hmac-sha256; secret "..."; };  clauses in any order.
_BIND_KEY = re.compile(r'key\s+"?(?P<name>[^"\s{]+)"?\s*\{(?P<body>[^}]*)\}', re.S)
_BIND_CLAUSE = re.compile(r'(?P<clause>algorithm|secret)\s+"?(?P<value>[^";\s]+)"?\s*;')
# Knot (`keymgr -t`): YAML with `- id: name`, `algorithm: ...`, `secret: ...`.
_KNOT_CLAUSE = re.compile(r"^\s*(?:-\s*)?(?P<clause>id|algorithm|secret)\s*:\s*(?P<value>\S+)\s*$", re.M)
_KEY_FILE_KEY = setting("dns.tsig_key_file")


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
    def from_key_file(path: str, key: str = _KEY_FILE_KEY) -> TsigKey:
        """Read a key file as BIND's `tsig-keygen` or Knot's `keymgr -t` writes it; errors name `key`."""
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise ConfigError(key, f"can't read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(key, f"{path} is not a text key file") from None
        clauses = _parse_key_file(text)
        if not {"name", "algorithm", "secret"} <= set(clauses):
            raise ConfigError(
                key,
                f'{path} is not a key file of the form key "name" {{ algorithm ...; secret "..."; }};'
                " (BIND) or keymgr -t output (Knot)",
            )
        if not is_base64(clauses["secret"]):
            raise ConfigError(key, f"the secret in {path} is not base64")  # never echo it
        return TsigKey(clauses["name"], clauses["algorithm"].lower(), clauses["secret"])


CONNECTIONS = 4  # per server and kind (reads, writes); below the servers' default accept queue of 10
_SLOTS: dict[tuple[str, int, str], threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def _slots(server: Nameserver, kind: str) -> threading.BoundedSemaphore:
    with _SLOTS_LOCK:
        return _SLOTS.setdefault((server.host, server.port, kind), threading.BoundedSemaphore(CONNECTIONS))


@dataclass
class Rfc2136Host(DnsHost):
    server: Nameserver
    zone: str
    key: TsigKey | None = None
    timeout: float = 5.0

    def _exchange(self, message: dns.message.Message, kind: str = "read") -> dns.message.Message:
        """One TCP exchange with the server, at most CONNECTIONS at a time per server from this process:
        authoritative servers keep a short queue of connections waiting to be accepted (10 in Knot and
        BIND by default), and a connection that overflows it waits a second for its SYN to be sent again.
        Reads and writes have slots of their own: an update the server holds back (Knot answers some only
        at its next whole-second timer, bench/README.md "A 1-s stall") must not hold up other domains' reads."""
        with _slots(self.server, kind):
            return dns.query.tcp(message, address_of(self.server), timeout=self.timeout, port=self.server.port)

    def _keyring(self) -> tuple[dict[dns.name.Name, dns.tsig.Key] | None, dns.name.Name | None]:
        if self.key is None:
            return None, None
        name = dns.name.from_text(self.key.name)
        return {name: dns.tsig.Key(name, self.key.secret, self.key.algorithm)}, name

    def read(self, keys: Sequence[HostType]) -> dict[HostType, RecordSet]:
        found = {key: self._query(*key) for key in dict.fromkeys(keys)}
        for key in self._synthesized([s for s in found.values() if s.values]):
            found[key] = RecordSet(*key)
        return found

    def _synthesized(self, sets: list[RecordSet]) -> list[HostType]:
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
            response = self._exchange(update)
        except (dns.exception.DNSException, OSError) as exc:
            raise DnsUpdateError(
                f"can't check the records at our names on {self.server}: {exc.__class__.__name__}"
            ) from None
        # NXRRSET/YXRRSET/NXDOMAIN: not the zone's own data; anything else (REFUSED...): can't tell, trust the answer.
        return response.rcode() not in (*_CHANGED_SINCE, dns.rcode.NXDOMAIN)

    def _query(self, host: str, rtype: str) -> RecordSet:
        query = dns.message.make_query(host, rtype)
        try:
            response = self._exchange(query)
        except (dns.exception.DNSException, OSError) as exc:
            raise DnsUpdateError(f"can't read {host} {rtype} from {self.server}: {exc.__class__.__name__}") from None
        if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise DnsUpdateError(f"{self.server} answered {dns.rcode.to_text(response.rcode())} for {host} {rtype}")
        name, wanted = dns.name.from_text(host), dns.rdatatype.from_text(rtype)
        for rrset in response.answer:
            if rrset.name == name and rrset.rdtype == wanted:
                # Keep each TXT record's strings exactly as stored: prerequisites must name them so.
                strings = tuple(txt.strings_of(rd) for rd in rrset) if wanted == dns.rdatatype.TXT else ()
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
            response = self._exchange(update, "write")
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
        return [txt.rdata(strings) for strings in change.strings_for(values)]
    rdtype = dns.rdatatype.from_text(change.rtype)
    return [dns.rdata.from_text(dns.rdataclass.IN, rdtype, v) for v in values]


TSIG_ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5")


@dataclass(frozen=True, kw_only=True)
class Rfc2136Dns(DnsTarget):
    """A primary server that takes RFC 2136 dynamic updates (BIND, Knot, PowerDNS), signed with a TSIG key:
    either tsigName, tsigAlgorithm and tsigSecret, or a tsigKeyFile."""

    kind: ClassVar[str] = "rfc2136"
    credential_field: ClassVar[str | None] = "tsig_secret"
    config_keys: ClassVar[dict[str, str]] = {
        "tsig_name": "tsig.name",
        "tsig_algorithm": "tsig.algorithm",
        "tsig_secret": "tsig.secret",
        "tsig_key_file": "tsig.keyFile",
    }
    required: ClassVar[tuple[str, ...]] = ("zone", "server")

    server: str | None = None
    """The zone's primary server, HOST[:PORT]; it is also the server verification asks."""
    tsig_name: str | None = None
    """The TSIG key's name (with tsigSecret)."""
    tsig_algorithm: str = "hmac-sha256"
    """The TSIG algorithm: hmac-sha256 (default), hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1, hmac-md5."""
    tsig_secret: str | None = field(default=None, repr=False)
    """The TSIG key's secret, base64; a Pulumi secret, never kept in plain text."""
    tsig_key_file: str | None = None
    """A BIND (tsig-keygen) or Knot (keymgr -t) key file on the machine that runs pulumi, instead of the secret."""

    def validated(self, name: validate.Namer) -> Rfc2136Dns:
        base = super().validated(name)
        server = validate.nameserver(self.server, name("server"))
        key_file, secret = self.tsig_key_file, self.tsig_secret
        if key_file is not None and secret is not None:
            raise ConfigError(name("tsig_secret"), f"give either it or {name('tsig_key_file')}, not both")
        if key_file is not None:
            key_file = validate.text(key_file, name("tsig_key_file"))
            if self.tsig_name is not None:
                raise ConfigError(name("tsig_name"), "comes from the key file; give it only with the secret")
            return replace(base, server=server, tsig_key_file=key_file, tsig_name=None, tsig_algorithm="hmac-sha256")
        if secret is None:
            if self.tsig_name is not None or self.tsig_algorithm != "hmac-sha256":
                raise ConfigError(
                    name("tsig_secret"), f"missing: a TSIG key needs its secret, or give {name('tsig_key_file')}"
                )
            return replace(base, server=server)  # a server that takes unsigned updates (tests, labs)
        tsig_name = validate.text(self.tsig_name, name("tsig_name"))
        validate.secret_text(secret, name("tsig_secret"))
        if not is_base64(secret):
            raise ConfigError(name("tsig_secret"), "is not base64 (TSIG secrets are base64)")  # never echo it
        algorithm = validate.text(self.tsig_algorithm, name("tsig_algorithm"), TSIG_ALGORITHMS)
        return replace(base, server=server, tsig_name=tsig_name, tsig_algorithm=algorithm)

    def preflight(self, name: validate.Namer) -> None:
        if self.tsig_key_file:
            TsigKey.from_key_file(self.tsig_key_file, name("tsig_key_file"))  # a missing or bad key file

    def nameserver(self) -> str | None:
        return self.server  # the zone's primary: it serves a change as soon as it takes it

    def adapter(self, reuse_reads: bool = False) -> Rfc2136Host:
        key = None
        if self.tsig_key_file:
            key = TsigKey.from_key_file(self.tsig_key_file)
        elif self.tsig_secret:
            key = TsigKey(given(self.tsig_name, "tsig_name"), self.tsig_algorithm, self.tsig_secret)
        return Rfc2136Host(
            Nameserver.parse(given(self.server, "server")), given(self.zone, "zone"), key, ttl=int(self.ttl), reuse_reads=reuse_reads
        )


TARGET = Rfc2136Dns
