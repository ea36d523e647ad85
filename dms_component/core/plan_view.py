"""A domain's DNS plan as lines a DNSControl or octoDNS user reads at a glance (pure).

    notify.example.com: 2 to create, 1 to merge, 1 kept
      ± MERGE    TXT   notify.example.com "v=spf1 a ~all" -> "v=spf1 a include:qcloudmail.com ~all"
      + CREATE   TXT   qcloud._domainkey.notify.example.com "v=DKIM1; k=rsa; p=<key made at apply>"
      = KEEP     TXT   _dmarc.notify.example.com "v=DMARC1; p=none"
      + CREATE   MX    notify.example.com 5 mxbiz1.qq.com.

One line per record of ours (create, merge into an existing SPF record, keep, replace what `adopt`
takes over, modify ours), one per foreign record in the way (conflict), one per record set we
give back (delete). The same plan as data for `dms plan --json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dms_component.core.changes import MERGED, HostType, Plan, logical
from dms_component.core.records import RequiredRecord
from dms_component.core.spf import is_spf

CREATE, MERGE, KEEP, REPLACE, MODIFY, DELETE, CONFLICT = (
    "create",
    "merge",
    "keep",
    "replace",
    "modify",
    "delete",
    "conflict",
)
_MARKS = {CREATE: "+", MERGE: "±", KEEP: "=", REPLACE: "±", MODIFY: "±", DELETE: "-", CONFLICT: "!"}
_SUMMARY = {
    CREATE: "to create",
    MERGE: "to merge",
    REPLACE: "to replace",
    MODIFY: "to modify",
    DELETE: "to delete",
    CONFLICT: "in conflict",
    KEEP: "kept",
}
KEY_AT_APPLY = "<key made at apply>"


@dataclass(frozen=True)
class PlanLine:
    action: str
    item: str | None  # SPF, DKIM, DMARC, MX; None for a set that is only given back
    host: str
    rtype: str
    before: tuple[str, ...]  # what is there now (at this record's place: the value it replaces)
    after: tuple[str, ...]  # what will be there

    def render(self) -> str:
        mark = _MARKS[self.action]
        head = f"{mark} {self.action.upper():<8} {self.rtype:<5} {self.host}"
        before, after = (
            " ".join(_show(self.rtype, v) for v in self.before),
            " ".join(_show(self.rtype, v) for v in self.after),
        )
        if self.action in (MERGE, REPLACE, MODIFY) and self.before:
            body = f"{before} -> {after}" if before != after else f"{after} (ttl)"
        elif self.action == CONFLICT:
            body = f"{before} (not written by this stack: remove it, or set adopt: true)"
        elif self.action == DELETE:
            body = before
        else:
            body = after
        return f"{head} {body}".rstrip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "item": self.item,
            "host": self.host,
            "type": self.rtype,
            "before": [_placeholder(v) for v in self.before],
            "after": [_placeholder(v) for v in self.after],
        }


def line_from_dict(data: dict[str, Any]) -> PlanLine:
    return PlanLine(
        data["action"], data.get("item"), data["host"], data["type"], tuple(data["before"]), tuple(data["after"])
    )


def _placeholder(value: str) -> str:
    # The preview's DKIM record has an empty key until the key pair is made at apply.
    return value + KEY_AT_APPLY if value.rstrip().endswith("p=") and value.startswith("v=DKIM1") else value


def _show(rtype: str, value: str) -> str:
    value = _placeholder(value)
    if rtype == "TXT":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def plan_lines(desired: Sequence[RequiredRecord], owned: Sequence[RequiredRecord], plan: Plan) -> list[PlanLine]:
    """Classify every record of ours, every conflict and every set given back."""
    changes = {c.key: c for c in plan.changes}
    ours = {logical(r) for r in owned} | {logical(r) for r in desired}
    lines: list[PlanLine] = []
    placed: set[tuple[str, str]] = set()
    for record in desired:
        key: HostType = (record.host, record.rtype)
        placed.add(key)
        value = logical(record)
        for c in plan.conflicts:
            if c.item == record.item and c.host == record.host:
                lines.append(PlanLine(CONFLICT, record.item, c.host, c.rtype, (c.value,), ()))
        change = changes.get(key)
        if change is None:
            lines.append(PlanLine(KEEP, record.item, record.host, record.rtype, (value,), (value,)))
            continue
        gone = tuple(v for v in change.before if v not in change.after)
        if record.item == "SPF":
            new = tuple(v for v in change.after if is_spf(v))
            old = tuple(v for v in change.before if is_spf(v))
            if plan.spf.mode == MERGED and old and old != new:
                lines.append(PlanLine(MERGE, "SPF", record.host, record.rtype, old, new))
            elif not old:
                lines.append(PlanLine(CREATE, "SPF", record.host, record.rtype, (), new))
            elif any(v not in ours for v in old):
                lines.append(PlanLine(REPLACE, "SPF", record.host, record.rtype, old, new))
            else:
                lines.append(PlanLine(MODIFY if old != new else KEEP, "SPF", record.host, record.rtype, old, new))
            continue
        foreign_gone = tuple(v for v in gone if v not in ours and _same_kind(record, v))
        own_gone = tuple(v for v in gone if v in ours)
        if foreign_gone:
            lines.append(PlanLine(REPLACE, record.item, record.host, record.rtype, foreign_gone, (value,)))
        elif own_gone:
            lines.append(PlanLine(MODIFY, record.item, record.host, record.rtype, own_gone, (value,)))
        elif value in change.before:
            lines.append(PlanLine(MODIFY, record.item, record.host, record.rtype, (value,), (value,)))  # the TTL
        else:
            lines.append(PlanLine(CREATE, record.item, record.host, record.rtype, (), (value,)))
    for key, change in changes.items():
        if key in placed:
            continue
        gone = tuple(v for v in change.before if v not in change.after)
        if gone:  # a set we give back, or a CNAME that `adopt` removes
            action = REPLACE if key[1] == "CNAME" else DELETE
            lines.append(PlanLine(action, None, key[0], key[1], gone, change.after))
    return lines


def _same_kind(record: RequiredRecord, value: str) -> bool:
    # At the DMARC name only DMARC records are ours to replace; other TXT values there stay.
    return record.item != "DMARC" or value.lstrip().lower().startswith("v=dmarc1")


def summary(domain: str, lines: Sequence[PlanLine]) -> str:
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.action] = counts.get(line.action, 0) + 1
    if set(counts) <= {KEEP}:
        return f"{domain}: no DNS changes ({counts.get(KEEP, 0)} records kept)"
    parts = [f"{counts[a]} {_SUMMARY[a]}" for a in _SUMMARY if counts.get(a)]
    return f"{domain}: {', '.join(parts)}"


def render_plan(domain: str, lines: Sequence[PlanLine]) -> list[str]:
    """The summary line, then one line per record unless nothing changes."""
    head = summary(domain, lines)
    if all(line.action == KEEP for line in lines):
        return [head]
    return [head, *(f"  {line.render()}" for line in lines)]


def plan_dict(domain: str, lines: Sequence[PlanLine]) -> dict[str, Any]:
    return {"domain": domain, "summary": summary(domain, lines), "records": [line.to_dict() for line in lines]}


def render_lines(data: dict[str, Any]) -> list[str]:
    """render_plan of a plan_dict (what `dms plan` prints without --json)."""
    return render_plan(data["domain"], [line_from_dict(r) for r in data["records"]])
