"""Nameserver addresses as users write them: HOST, HOST:PORT or [V6]:PORT (pure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Nameserver:
    host: str
    port: int = 53

    @staticmethod
    def parse(text: str) -> Nameserver:
        """`HOST`, `HOST:PORT` or `[V6]:PORT`."""
        text = text.strip()
        if text.startswith("["):
            host, bracket, rest = text[1:].partition("]")
            if not bracket or (rest and not rest.startswith(":")):
                raise ValueError(f"{text!r} is not [V6] or [V6]:PORT")
            return Nameserver(host, int(rest[1:]) if rest else 53)
        if text.count(":") == 1:
            host, port = text.split(":")
            return Nameserver(host, int(port))
        return Nameserver(text)

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"
