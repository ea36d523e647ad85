"""SenderDomain's DKIM keys when the stack holds them (sqlite, dynamodb ledgers): what the component publishes,
verifies and shows, from the identity's key set (core/dkim_rotation.py) and the clock.

A named step of the component, apart from it: the records to publish (every published key's DKIM record, the
active key's first), the records the verification checks (the active key's), the pending keys it verifies
besides, and the outputs (the active key, switched in the same `up` as its verification).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pulumi

from dms_component.core import dkim_rotation as rot
from dms_component.core.records import RequiredRecord
from dms_component.outputs import DkimKeyOutput
from dms_component.providers.adapters import clock


def published(records: list[RequiredRecord], domain: str, keys: dict[str, Any] | None) -> list[RequiredRecord]:
    """The domain's records with a DKIM record per published key (a state from before rotation: its one key)."""
    return records if not keys else rot.with_keys(records, domain, rot.KeySet.from_dict(keys), clock.now())


def candidates(domain: str, keys: dict[str, Any] | None, probes: dict[str, str] | None) -> list[dict[str, Any]]:
    """The pending key the verification checks besides the domain's records: its record and a message it signed."""
    pending = rot.KeySet.from_dict(keys).pending if keys else None
    if pending is None or not probes or pending.selector not in probes:
        return []
    record = rot.key_record(domain, pending).to_dict()
    return [{"selector": pending.selector, "record": record, "probe": probes[pending.selector]}]


@dataclass(frozen=True)
class Shown:
    """The outputs: the active key (the pending one once the verification found it verifying) and every key."""

    selector: pulumi.Output[str]
    public_key: pulumi.Output[str]
    private_key: pulumi.Output[str]  # a secret
    keys: pulumi.Output[list[DkimKeyOutput]]


def shown(
    identity: Any, verified: pulumi.Output[list[str]], overlap: Any, records: pulumi.Output[Any], ours: bool
) -> Shown:
    """`identity`: the SenderIdentity; `verified`: the verification's `dkim_verified`; `records`: the published
    records (for a key the service holds, tencent: its selector is its record's); `ours`: whether the stack holds
    the keys (a state from before rotation has one key and no key set: it is shown as that key, of unknown age)."""

    def key_set(keys: dict[str, Any] | None, public: str | None, published: Any) -> dict[str, Any] | None:
        if keys:
            return keys
        selector = _of(published)
        return rot.first(selector, public, 0, None).to_dict() if ours and public and selector else None

    state = pulumi.Output.all(identity.dkim_keys, verified, overlap, identity.dkim_public_key, records).apply(
        lambda v: (
            rot.as_shown(
                rot.KeySet.from_dict(held), v[1] or [], clock.now(), int(v[2] or rot.DEFAULT_OVERLAP_DAYS)
            ).to_dict()
            if (held := key_set(v[0], v[3], v[4]))
            else None
        )
    )
    selector = pulumi.Output.all(state, records).apply(lambda v: _active(v[0])["selector"] if v[0] else _of(v[1]))
    public = pulumi.Output.all(state, identity.dkim_public_key).apply(
        lambda v: _active(v[0])["public_key"] if v[0] else v[1]
    )
    private = pulumi.Output.all(state, identity.dkim_private_keys, identity.dkim_private_key).apply(
        lambda v: (v[1] or {}).get(_active(v[0])["selector"]) if v[0] and v[1] else v[2]
    )
    keys = cast(
        pulumi.Output[list[DkimKeyOutput]], state.apply(lambda s: [_output(k) for k in (s or {}).get("keys") or []])
    )
    return Shown(selector, public, pulumi.Output.secret(private), keys)


def _active(state: dict[str, Any]) -> dict[str, Any]:
    return next(k for k in state["keys"] if k["state"] == rot.ACTIVE)


def _of(records: list[dict[str, Any]] | None) -> str | None:
    host = next((r["host"] for r in records or [] if r.get("item") == "DKIM"), None)
    return host.split("._domainkey.", 1)[0] if host else None


def _output(key: dict[str, Any]) -> dict[str, Any]:
    fields = ("selector", "public_key", "bits", "state", "since", "remove_after")
    return {f: key[f] for f in fields if key.get(f)}  # a key from before rotation: no since, length unknown


__all__ = ["Shown", "candidates", "published", "shown"]
