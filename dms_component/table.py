"""The console-style status table (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dms_component.core.records import ITEMS


def status_table(domains: Mapping[str, Mapping[str, Any]]) -> str:
    """Rows of domain, type, status and one column per item, then the reasons of failing items."""
    rows = [
        ([domain, str(info.get("type", "")), str(info.get("status") or "-")], domain, info.get("items"))
        for domain, info in sorted(domains.items())
    ]
    return _table(["DOMAIN", "TYPE", "STATUS"], rows)


def account_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """`dms status`: the console's Sender Domain list, with owner and a fresh check per item.

    Each row: domain, type, status, owner ("org/project/stack@folder"; shown without the folder) and
    items; an item not checked (another stack's DKIM key is not known here) shows `-`."""
    cells = []
    # With the tencent ledger, what the console's list shows too: sending enabled, reputation, daily quota.
    console = any(row.get("sending") for row in rows)
    # Keys the stack holds (sqlite, dynamodb ledgers): their age, and a warning line when too old.
    ages = [_key_age(row.get("dkim_key")) for row in rows]
    keys = any(row.get("dkim_key") for row in rows)
    for row in rows:
        owner = (row.get("owner") or "-").split("@", 1)[0]
        first = [row["domain"], row.get("type") or "-", row.get("status") or "-", owner]
        if console:
            first += _sending_cells(row.get("sending"))
        cells.append((first, row["domain"], row.get("items")))
    extra = ["SENDING", "REPUTATION", "DAILY QUOTA"] if console else []
    last = ("KEY AGE", [age for age, _ in ages]) if keys else None
    table = _table(["DOMAIN", "TYPE", "STATUS", "OWNER", *extra], cells, last)
    table = "\n".join([table, *(warning for _, warning in ages if warning)])
    addresses = [a for row in rows for a in row.get("addresses") or []]
    return table + "\n\n" + address_table(addresses) if addresses else table


def _sending_cells(sending: Mapping[str, Any] | None) -> list[str]:
    if not sending:
        return ["-", "-", "-"]
    enabled = "enabled" if sending.get("sending_enabled") else "disabled"
    return [enabled, str(sending.get("reputation_level", "-")), str(sending.get("daily_quota", "-"))]


# How `dms status` words an address's state (its stable code is in --json).
_ADDRESS_STATUS = {
    "address.made": "made",
    "address.waiting": "waiting for verification",
    "address.undeclared": "not declared",
}


def address_table(addresses: list[Mapping[str, Any]]) -> str:
    """Each sender address: the sender name, whether an SMTP password is set (never the password), unsubscribe."""
    table = [["ADDRESS", "SENDER NAME", "SMTP PASSWORD", "UNSUBSCRIBE", "STATUS"]]
    for a in addresses:
        status = str(a.get("status_code") or "")
        password = "set" if a.get("password_set") else "none"
        name, unsubscribe = str(a.get("sender_name") or "-"), str(a.get("unsubscribe") or "none")
        table.append([str(a.get("address")), name, password, unsubscribe, _ADDRESS_STATUS.get(status, status)])
    widths = [max(len(r[c]) for r in table) for c in range(len(table[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table)


def _key_age(key: Mapping[str, Any] | None) -> tuple[str, str | None]:
    """The KEY AGE cell (days; `?` for a key made before rotation existed; `-` for a key the stack doesn't hold)
    and the warning line when the key is too old."""
    if not key:
        return "-", None
    age = key.get("age_days")
    return ("?" if age is None else f"{age}d"), key.get("warning")


def _table(header: list[str], rows: list[tuple[list[str], str, Any]], last: tuple[str, list[str]] | None = None) -> str:
    """Each row's first cells, then ok / FAIL / - per item (and the `last` column, if any); the reason of each
    failing item below."""
    table = [[*header, *ITEMS, *([last[0]] if last else [])]]
    notes: list[str] = []
    for index, (first, domain, found) in enumerate(rows):
        items = {i["item"]: i for i in found or []}
        marks = []
        for name in ITEMS:
            item = items.get(name)
            marks.append("-" if item is None else ("ok" if item["ok"] else "FAIL"))
            if item is not None and not item["ok"]:
                notes.append(f"  {domain} {name}: {item['reason']}")
        table.append([*first, *marks, *([last[1][index]] if last else [])])
    widths = [max(len(r[c]) for r in table) for c in range(len(table[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table]
    return "\n".join(lines + notes)
