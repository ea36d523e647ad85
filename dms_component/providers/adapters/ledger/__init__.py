"""Ledgers: where the account's sender domains, their status and the quota live; one module per backend.

A backend is registered by its module alone: every module here that defines SETTINGS (its LedgerSettings
subclass) is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dms_component.providers.adapters.ledger.base import DEFAULT_QUOTA, LedgerBackend, LedgerEntry, LedgerSettings
from dms_component.providers.adapters.settings import registered

SETTINGS: Mapping[str, type[LedgerSettings]] = registered(__name__, __path__, "SETTINGS")  # kind -> settings, loaded on use
BACKENDS = tuple(SETTINGS)


def settings_class(backend: str) -> type[LedgerSettings]:
    if backend not in SETTINGS:
        raise ValueError(f"unknown ledger backend {backend!r}")
    return SETTINGS[backend]


def ledger_settings(state: Mapping[str, Any], credential: Any = None) -> LedgerSettings:
    """The settings kept in state (LedgerSettings.state()), with their credential when it is given apart."""
    return settings_class(state.get("backend", "sqlite")).from_state(state, credential)


def open_ledger(state: Mapping[str, Any], credential: Any = None) -> LedgerBackend:
    return ledger_settings(state, credential).open()


__all__ = [
    "BACKENDS",
    "DEFAULT_QUOTA",
    "SETTINGS",
    "LedgerBackend",
    "LedgerEntry",
    "LedgerSettings",
    "ledger_settings",
    "open_ledger",
]
