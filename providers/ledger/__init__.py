"""Ledgers: where the account's sender domains, their status and the quota live."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.ledger.base import DEFAULT_QUOTA, Ledger, LedgerEntry

BACKENDS = ("sqlite",)


def open_ledger(settings: Mapping[str, Any]) -> Ledger:
    """Build the ledger named by validated settings ({backend, path, quota})."""
    backend = settings.get("backend", "sqlite")
    if backend == "sqlite":
        from providers.ledger.sqlite import SqliteLedger

        return SqliteLedger(settings["path"], int(settings.get("quota", DEFAULT_QUOTA)))
    raise ValueError(f"unknown ledger backend {backend!r}")


__all__ = ["BACKENDS", "DEFAULT_QUOTA", "Ledger", "LedgerEntry", "open_ledger"]
