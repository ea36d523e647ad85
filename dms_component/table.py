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
