"""Nameserver addresses as users write them: HOST, HOST:PORT or [V6]:PORT (pure)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$")


@dataclass(frozen=True)
class Nameserver:
    host: str  # an IP address or a host name
    port: int = 53
    # The NS host name it was found under (a zone's public servers): how messages name it. Not compared.
    name: str | None = field(default=None, compare=False)

    @staticmethod
    def parse(text: str) -> Nameserver:
        """`HOST`, `HOST:PORT` or `[V6]:PORT`; ValueError for anything else."""
        text = text.strip()
        if text.startswith("["):
            host, bracket, rest = text[1:].partition("]")
            if not bracket or (rest and not rest.startswith(":")):
                raise ValueError(f"{text!r} is not [V6] or [V6]:PORT")
            port = rest[1:] if rest else "53"
        elif text.count(":") == 1:
            host, port = text.split(":")
        else:
            host, port = text, "53"  # a name, an IPv4 address or a bare IPv6 address
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"port {port!r} is not a number from 1 to 65535")
        if not _is_ip(host) and (":" in host or not _HOSTNAME.match(host)):
            raise ValueError(f"{host!r} is not an IP address or a host name")
        return Nameserver(host, int(port))

    @property
    def is_ip(self) -> bool:
        return _is_ip(self.host)

    def __str__(self) -> str:
        if self.name:
            return self.name if self.port == 53 else f"{self.name}:{self.port}"
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
