"""A zone served the way many real ones are: a primary taking updates, secondaries serving the world.

    zones = ZoneSet(folder, secondaries=[Secondary("ns2"), Secondary("ns3", notified=False)]).start()

Every server is a knotd (devtools/localdns.py) on port 53 of its own loopback address (127.A.B.n: NS
records carry no port, so a zone's public servers must be on 53). The primary takes TSIG updates and
is hidden unless `primary_in_ns`; each secondary transfers the zone from it (AXFR/IXFR), told by
NOTIFY, unless its transfers are refused (`transfers=False`: it keeps serving what it loaded at start)
or it is not told (`notified=False`: it lags until `catch_up`). A secondary may also be lame (it
serves nothing: REFUSED) or dead (its address in the NS set, nothing listening). `resolver` is the
address a stub resolver asks to find the NS set (DMS_SYSTEM_RESOLVER): the primary, which has it.

Test tool: loopback only, stopped with stop().
"""

from __future__ import annotations

import random
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from devtools.localdns import LocalDnsServer

PORT = 53


@dataclass(frozen=True)
class Secondary:
    name: str  # its NS host, e.g. ns2 (ns2.<zone>)
    notified: bool = True  # told of changes by NOTIFY (else it lags until catch_up)
    transfers: bool = True  # the primary lets it transfer the zone (else it never gets a change)
    kind: str = "secondary"  # or "lame" (serves nothing) or "dead" (nothing listens)


@dataclass
class ZoneSet:
    folder: Path
    zone: str = "example.test"
    secondaries: list[Secondary] = field(default_factory=lambda: [Secondary("ns2"), Secondary("ns3")])
    primary_in_ns: bool = False
    servers: dict[str, LocalDnsServer] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)

    @property
    def primary(self) -> LocalDnsServer:
        return self.servers["primary"]

    @property
    def resolver(self) -> str:
        return f"{self.primary.host}:{PORT}"

    def start(self) -> ZoneSet:
        names = ["primary", *(s.name for s in self.secondaries)]
        self.addresses = dict(zip(names, _free_addresses(len(names)), strict=True))
        ns = tuple((s.name, self.addresses[s.name]) for s in self.secondaries)
        if self.primary_in_ns:
            ns = (("ns1", self.addresses["primary"]), *ns)
        at = {n: f"{a}@{PORT}" for n, a in self.addresses.items()}
        live = [s for s in self.secondaries if s.kind == "secondary"]
        self.servers["primary"] = LocalDnsServer(
            self.folder / "primary",
            zone=self.zone,
            port=PORT,
            host=self.addresses["primary"],
            ns=ns,
            notify=tuple(at[s.name] for s in live if s.notified),
            transfer_to=tuple(self.addresses[s.name] for s in live if s.transfers),
        )
        for s in self.secondaries:
            if s.kind == "dead":
                continue
            self.servers[s.name] = LocalDnsServer(
                self.folder / s.name,
                zone=self.zone,
                port=PORT,
                host=self.addresses[s.name],
                ns=ns,
                primary=at["primary"],
                serves=s.kind != "lame",
            )
        try:
            for server in self.servers.values():
                server.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def serial(self, name: str) -> int | None:
        """The zone's SOA serial as `name` serves it (None: no answer)."""
        query = dns.message.make_query(self.zone, "SOA")
        try:
            response = dns.query.udp(query, self.addresses[name], port=PORT, timeout=1)
        except Exception:
            return None
        soa = [r for r in response.answer if r.rdtype == dns.rdatatype.SOA]
        return soa[0][0].serial if response.rcode() == dns.rcode.NOERROR and soa else None

    def catch_up(self, name: str, wait: float = 20.0) -> None:
        """Let a lagging secondary refresh now, and return once it serves the primary's serial."""
        self.servers[name].control("zone-refresh", self.zone)
        self.wait_for(name, wait)

    def wait_for(self, name: str, wait: float = 20.0) -> None:
        """Return once `name` serves the primary's serial (a notified secondary: about a second)."""
        deadline = time.monotonic() + wait
        while self.serial(name) != self.serial("primary"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not catch up with the primary")
            time.sleep(0.1)


def _free_addresses(count: int) -> list[str]:
    """`count` loopback addresses 127.A.B.1.. whose port 53 is free for UDP and TCP."""
    for _ in range(50):
        a, b = random.randint(100, 250), random.randint(1, 250)
        addresses = [f"127.{a}.{b}.{i}" for i in range(1, count + 1)]
        if all(_free(address) for address in addresses):
            return addresses
    raise RuntimeError("no free loopback addresses with port 53 free")


def _free(address: str) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind((address, PORT))
            except OSError:
                return False
    return True
