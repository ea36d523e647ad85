"""Domain-name validation and normalisation (pure)."""

from __future__ import annotations

import re

import idna

from dms_component.core.errors import ConfigError
from dms_component.core.lookups import under as is_subdomain  # one definition of "inside that zone"

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_domain(value: object, key: str) -> str:
    """Lower-case, strip one trailing dot, IDNA-encode; raise ConfigError naming `key`."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, "expected a domain name such as notify.example.com")
    name = value.strip()
    if name.endswith("."):
        name = name[:-1]
    try:
        name = idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ConfigError(key, f"{value!r} is not a valid domain name ({exc})") from None
    labels = name.split(".")
    if len(labels) < 2:
        raise ConfigError(key, f"{value!r} is not a valid domain name: it needs at least two labels")
    _check_labels(labels, f"{value!r} is not a valid domain name", key)
    return name


def normalise_selector(value: object, key: str) -> str:
    """A DKIM selector: one or more DNS labels (RFC 6376 3.1), lower-cased."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, "expected a DKIM selector such as qcloud")
    selector = value.strip().lower()
    _check_labels(selector.split("."), f"{value!r} is not a valid DKIM selector", key)
    return selector


def _check_labels(labels: list[str], problem: str, key: str) -> None:
    for label in labels:
        if not _LABEL.match(label):
            raise ConfigError(
                key,
                f"{problem}: label {label!r} must be 1-63 letters, digits or hyphens,"
                " not starting or ending with a hyphen",
            )


__all__ = ["is_subdomain", "normalise_domain", "normalise_selector"]
