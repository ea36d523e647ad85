"""A sender domain's addresses: what `pulumi up` would change in the ledger (the service) now, and how `dms status`
and `dms plan` show them (pure).

Declared: the addresses a stack's state holds (SenderAddress inputs: address, sender name, unsubscribe). Existing:
the ledger's (SenderAddressEntry-like: address, sender_name, password_set, unsubscribe). A declared address that
is missing is created, one with another sender name replaced (the service can't rename), one with another
unsubscribe setting modified; an address the program doesn't declare is left alone (made in the console).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dms_component.core.plan_view import CREATE, KEEP, MODIFY, REPLACE
from dms_component.core.senders import unsubscribe_label

# Stable codes of an address's state in `dms status --json`.
MADE = "address.made"  # the service has it
WAITING = "address.waiting"  # declared, not made yet: its domain is not verified (`dms wait`, then `pulumi up`)
UNDECLARED = "address.undeclared"  # in the service, not declared by this stack (made in the console, or another's)

_MARKS = {CREATE: "+", REPLACE: "±", MODIFY: "±", KEEP: "="}


def _get(entry: Any, name: str) -> Any:
    return entry.get(name) if isinstance(entry, Mapping) else getattr(entry, name, None)


def address_rows(declared: Sequence[Mapping[str, Any]], existing: Sequence[Any]) -> list[dict[str, Any]]:
    """`dms status`: every address of the domain, the service's first, then the declared ones not made yet."""
    ours = {str(d.get("address")) for d in declared}
    rows = [
        {
            "address": _get(e, "address"),
            "sender_name": _get(e, "sender_name"),
            "password_set": bool(_get(e, "password_set")),
            "unsubscribe": unsubscribe_label(int(_get(e, "unsubscribe") or 0)),
            "status_code": MADE if _get(e, "address") in ours else UNDECLARED,
        }
        for e in existing
    ]
    made = {r["address"] for r in rows}
    rows += [
        {
            "address": d.get("address"),
            "sender_name": d.get("sender_name"),
            "password_set": False,
            "unsubscribe": unsubscribe_label(int(d.get("unsubscribe") or 0)),
            "status_code": WAITING,
        }
        for d in declared
        if d.get("address") not in made
    ]
    return rows


def address_plan(declared: Sequence[Mapping[str, Any]], existing: Sequence[Any]) -> list[dict[str, Any]]:
    """`dms plan`: per declared address, what `pulumi up` would do to the service now (as data)."""
    found = {_get(e, "address"): e for e in existing}
    plan = []
    for d in declared:
        entry = found.get(d.get("address"))
        after = {"sender_name": d.get("sender_name"), "unsubscribe": unsubscribe_label(int(d.get("unsubscribe") or 0))}
        if entry is None:
            action, before = CREATE, None
        else:
            before = {
                "sender_name": _get(entry, "sender_name"),
                "unsubscribe": unsubscribe_label(int(_get(entry, "unsubscribe") or 0)),
            }
            if before["sender_name"] != after["sender_name"]:
                action = REPLACE
            elif before["unsubscribe"] != after["unsubscribe"]:
                action = MODIFY
            else:
                action = KEEP
        plan.append({"action": action, "address": d.get("address"), "before": before, "after": after})
    return plan


def render_address_plan(plan: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per address that changes, in the DNS plan's style: `+ CREATE   ADDRESS noreply@... "News" (en)`."""
    lines = []
    for change in plan:
        if change["action"] == KEEP:
            continue
        after = change["after"]
        shown = f'"{after["sender_name"]}" (unsubscribe {after["unsubscribe"]})'
        before = change.get("before")
        if before:
            shown = f'"{before["sender_name"]}" (unsubscribe {before["unsubscribe"]}) -> {shown}'
        lines.append(f"  {_MARKS[change['action']]} {change['action'].upper():<8} ADDRESS {change['address']} {shown}")
    return lines


def address_summary(domain: str, plan: Sequence[Mapping[str, Any]]) -> str:
    changing = [c for c in plan if c["action"] != KEEP]
    if not changing:
        return f"{domain}: no address changes ({len(plan)} kept)"
    counts: dict[str, int] = {}
    for change in changing:
        counts[change["action"]] = counts.get(change["action"], 0) + 1
    return f"{domain}: addresses: " + ", ".join(f"{n} to {a}" for a, n in counts.items())
