"""The console-style status table (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dms_component.core.records import ITEMS


def status_table(domains: Mapping[str, Mapping[str, Any]]) -> str:
    """Rows of domain, type, status and one column per item, then the reasons of failing items."""
    header = ["DOMAIN", "TYPE", "STATUS", *ITEMS]
    rows = [header]
    notes: list[str] = []
    for domain, info in sorted(domains.items()):
        items = {i["item"]: i for i in info.get("items") or []}
        marks = []
        for name in ITEMS:
            item = items.get(name)
            marks.append("-" if item is None else ("ok" if item["ok"] else "FAIL"))
            if item is not None and not item["ok"]:
                notes.append(f"  {domain} {name}: {item['reason']}")
        rows.append([domain, str(info.get("type", "")), str(info.get("status") or "-"), *marks])
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines + notes)


def account_table(rows: list[Mapping[str, Any]]) -> str:
    """`dms status`: the console's Sender Domain list, with owner and a fresh check per item.

    Each row: domain, type, status, owner ("org/project/stack@folder"; shown without the folder) and
    items; an item not checked (another stack's DKIM key is not known here) shows `-`."""
    header = ["DOMAIN", "TYPE", "STATUS", "OWNER", *ITEMS]
    table = [header]
    notes: list[str] = []
    for row in rows:
        items = {i["item"]: i for i in row.get("items") or []}
        marks = []
        for name in ITEMS:
            item = items.get(name)
            marks.append("-" if item is None else ("ok" if item["ok"] else "FAIL"))
            if item is not None and not item["ok"]:
                notes.append(f"  {row['domain']} {name}: {item['reason']}")
        owner = (row.get("owner") or "-").split("@", 1)[0]
        table.append([row["domain"], row.get("type") or "-", row.get("status") or "-", owner, *marks])
    widths = [max(len(r[c]) for r in table) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table]
    return "\n".join(lines + notes)
