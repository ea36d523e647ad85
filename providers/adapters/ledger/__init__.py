"""Ledgers: where the account's sender domains, their status and the quota live; one module per backend."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from dms_component.providers.adapters.ledger.base import DEFAULT_QUOTA, Ledger, LedgerEntry, LedgerSettings

BACKENDS = ("sqlite", "dynamodb", "tencent")


def settings_class(backend: str) -> type[LedgerSettings]:
    if backend not in BACKENDS:
        raise ValueError(f"unknown ledger backend {backend!r}")
    return importlib.import_module(f"dms_component.providers.adapters.ledger.{backend}").SETTINGS


def ledger_settings(state: Mapping[str, Any]) -> LedgerSettings:
    """The settings kept in state (LedgerSettings.state(), plus the credential when handed on as a secret)."""
    return settings_class(state.get("backend", "sqlite")).from_state(state)


def open_ledger(state: Mapping[str, Any]) -> Ledger:
    return ledger_settings(state).open()


__all__ = ["BACKENDS", "DEFAULT_QUOTA", "Ledger", "LedgerEntry", "LedgerSettings", "ledger_settings", "open_ledger"]
