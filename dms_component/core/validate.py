"""Checks of one setting each: every mistake becomes one ConfigError line that names the key.

Pure and shared by every adapter's settings (DNS hosts, ledgers) and by the component's args, so
a message reads the same whether the value came from stack config or from a program.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from dms_component.core.errors import ConfigError, clipped
from dms_component.core.nameservers import Nameserver
from dms_component.core.naming import Namer


def shown(value: Any, limit: int = 60) -> str:
    """A user's value or key, quoted, on one line and short: a newline in it must not break the message."""
    return clipped(repr(value), limit)


def mapping(value: Any, key: str, allowed: Collection[str]) -> Mapping[str, Any]:
    """A map whose keys are all among `allowed`; an unknown key (a typo) is named, never ignored."""
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"expected a map with keys {', '.join(sorted(allowed))}")
    unknown = sorted((str(k) for k in value if k not in allowed), key=str)
    if unknown:
        raise ConfigError(f"{key}.{shown(unknown[0])[1:-1]}", f"unknown key; allowed: {', '.join(sorted(allowed))}")
    return value


def text(value: Any, key: str, allowed: Collection[str] | None = None) -> str:
    """A non-empty string, one of `allowed` when given."""
    if not isinstance(value, str) or not value.strip():
        hint = f"; allowed: {', '.join(allowed)}" if allowed else ""
        raise ConfigError(key, f"{'missing' if value is None else shown(value) + ' is not a string'}{hint}")
    if allowed is not None and value not in allowed:
        raise ConfigError(key, f"{shown(value)} is not allowed; allowed: {', '.join(allowed)}")
    return value


def optional_text(value: Any, key: str) -> str | None:
    return None if value is None else text(value, key)


def flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"{shown(value)} is not allowed; allowed: true, false")
    return value


def whole(value: Any, key: str, low: int, high: int | None = None, unit: str = "") -> int:
    """A whole number from low to high (no upper bound when high is None); booleans are not numbers."""
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ConfigError(key, f"{shown(value)} is not allowed; use a whole number{unit} {span}")
    return value


def seconds(value: Any, key: str, high: float) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= high:
        raise ConfigError(key, f"{shown(value)} is not allowed; use seconds from 0 to {high:g}")
    return float(value)


def choice(value: Any, key: str, allowed: Collection[Any]) -> Any:
    if value not in allowed or isinstance(value, bool):
        raise ConfigError(key, f"{shown(value)} is not allowed; allowed: {', '.join(str(a) for a in allowed)}")
    return value


def nameserver(value: Any, key: str) -> str:
    checked = text(value, key)
    try:
        Nameserver.parse(checked)
    except ValueError as exc:
        raise ConfigError(key, f"{shown(value)} is not HOST or HOST:PORT: {exc}") from None
    return checked


def secret_text(value: Any, key: str) -> str:
    """A credential: a non-empty string. Never echoed, whatever it holds."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, "must be a non-empty string (set it with --secret)")
    return value


_ENDPOINT = re.compile(r"^(https?://)?[\w.-]+(:\d+)?/?$")


def endpoint(value: Any, key: str) -> str | None:
    """An API endpoint override (tests, local stand-ins): host[:port] or an http(s):// URL."""
    if value is not None and (not isinstance(value, str) or not _ENDPOINT.match(value)):
        raise ConfigError(key, f"{shown(value)} is not a host[:port] or an http(s):// URL")
    return value


def url(value: Any, key: str) -> str | None:
    """An http(s):// URL without user, password, path or query; never echoed (it may hold a password)."""
    from urllib.parse import urlsplit

    if value is None:
        return None
    checked = text(value, key)
    try:
        parts = urlsplit(checked)
        _ = parts.port  # raises on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError(key, "is not allowed; use http(s)://HOST[:PORT], only for local stand-ins or tests")
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise ConfigError(key, "must be http(s)://HOST[:PORT] without user, password or query")
    return checked


__all__ = [
    "Namer",
    "choice",
    "endpoint",
    "flag",
    "mapping",
    "nameserver",
    "optional_text",
    "seconds",
    "secret_text",
    "shown",
    "text",
    "url",
    "whole",
]
