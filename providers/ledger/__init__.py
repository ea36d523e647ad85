"""Ledgers: where the account's sender domains, their status and the quota live."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.ledger.base import DEFAULT_QUOTA, Ledger, LedgerEntry

BACKENDS = ("sqlite", "dynamodb", "tencent")


def open_ledger(settings: Mapping[str, Any]) -> Ledger:
    """Build the ledger named by validated settings (LedgerSettings.settings(): sqlite path or dynamodb table)."""
    backend = settings.get("backend", "sqlite")
    if backend == "sqlite":
        from providers.ledger.sqlite import SqliteLedger

        return SqliteLedger(settings["path"], int(settings.get("quota", DEFAULT_QUOTA)))
    if backend == "dynamodb":
        from providers.ledger.dynamodb import DEFAULT_ACCOUNT, DynamoDbLedger

        return DynamoDbLedger(
            settings["table"],
            settings["region"],
            int(settings.get("quota", DEFAULT_QUOTA)),
            account=settings.get("account") or DEFAULT_ACCOUNT,
            endpoint=settings.get("endpoint"),
            profile=settings.get("profile"),
        )
    if backend == "tencent":
        from providers.ledger.tencent import DEFAULT_VERIFY_TIMEOUT, TencentLedger

        # secret_key is present only when handed on as a Pulumi secret (LedgerSettings.with_secret).
        return TencentLedger(
            settings["region"],
            endpoint=settings.get("endpoint"),
            secret_id=settings.get("secret_id"),
            secret_key=settings.get("secret_key"),
            quota=int(settings.get("quota", DEFAULT_QUOTA)),
            verify_timeout=float(settings.get("verify_timeout", DEFAULT_VERIFY_TIMEOUT)),
        )
    raise ValueError(f"unknown ledger backend {backend!r}")


__all__ = ["BACKENDS", "DEFAULT_QUOTA", "Ledger", "LedgerEntry", "open_ledger"]
