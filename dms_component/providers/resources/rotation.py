"""The DKIM keys a SenderIdentity holds when we make them (sqlite, dynamodb ledgers): the shell around
core/dkim_rotation.py. The identity calls these for its own keys only; a ledger that is the service (tencent)
keeps its key and never comes here.

State (the identity's outputs): `dkim_keys` (the key set, public: selectors, public keys, states, times),
`dkim_private_keys` (selector -> PEM, a Pulumi secret), `dkim_probes` (selector -> a message signed with that key,
not secret), and, for the active key, `dkim_public_key`, `dkim_private_key` (a secret), `dkim_probe` and
`dkim_active_selector`. A state written before rotation existed has one key and none of the first three: it is
read as a key set of that one key, of unknown age, so the first `up` after upgrading changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dms_component.core import dkim
from dms_component.core import dkim_rotation as rot
from dms_component.core.plan_view import CREATE, PlanLine
from dms_component.core.records import RequiredRecord, dkim_host, dkim_value
from dms_component.core.verdicts import VERIFIED
from dms_component.providers.adapters import dkim_keys
from dms_component.providers.adapters.progress import emit
from dms_component.providers.adapters.verifier import verify_once
from dms_component.providers.resources.base import pause_point, servers_asked

# What the identity's diff compares (besides the key set's own due steps) for our own keys.
POLICY_INPUTS = ("dkim_rotation", "dkim_max_key_age_days", "dkim_overlap_days", "dkim_key_bits", "dkim_selector")
SECRET_OUTPUTS = ["dkim_private_key", "dkim_private_keys"]


def probe(domain: str, selector: str, private_key: str) -> str:
    """A fixed message signed as the domain signs mail with this key (d=domain, s=selector)."""
    return dkim.probe_message(private_key, domain, selector).decode("ascii")


def policy_of(props: dict[str, Any]) -> rot.Policy:
    max_age = props.get("dkim_max_key_age_days")
    overlap = props.get("dkim_overlap_days")
    return rot.Policy(
        base_selector=str(props.get("dkim_selector") or "qcloud"),
        bits=int(props.get("dkim_key_bits") or 2048),
        rotation=props.get("dkim_rotation") or None,
        max_age_days=int(max_age) if max_age is not None else None,
        overlap_days=int(overlap) if overlap is not None else rot.DEFAULT_OVERLAP_DAYS,
    )


def key_bits(public_b64: str) -> int:
    """The length of a published key (what a state written before rotation holds, whatever its inputs said)."""
    key = dkim.rsa_public_key(dkim.decode_key(public_b64) or b"")
    return key.key_size if key is not None else 0


def held(olds: dict[str, Any]) -> tuple[rot.KeySet, dict[str, str], dict[str, str]]:
    """The key set, private keys and probes in an identity's state, a state from before rotation included."""
    if isinstance(olds.get("dkim_keys"), dict):
        keys = rot.KeySet.from_dict(olds["dkim_keys"])
        return keys, dict(olds.get("dkim_private_keys") or {}), dict(olds.get("dkim_probes") or {})
    selector = str(olds.get("dkim_selector") or "qcloud")
    public = str(olds["dkim_public_key"])
    keys = rot.first(selector, public, key_bits(public), None)
    private = str(olds["dkim_private_key"])
    return keys, {selector: private}, {selector: olds.get("dkim_probe") or probe(olds["domain"], selector, private)}


def outputs(keys: rot.KeySet, private: dict[str, str], probes: dict[str, str]) -> dict[str, Any]:
    active = keys.active.selector
    kept = {k.selector for k in keys.keys}
    return {
        "dkim_keys": keys.to_dict(),
        "dkim_private_keys": {s: p for s, p in private.items() if s in kept},
        "dkim_probes": {s: p for s, p in probes.items() if s in kept},
        "dkim_active_selector": active,
        "dkim_public_key": keys.active.public_key,
        "dkim_private_key": private[active],
        "dkim_probe": probes[active],
    }


def first_key(props: dict[str, Any], now: datetime) -> dict[str, Any]:
    """At create: the domain's first key, active at the base selector."""
    policy = policy_of(props)
    pair = dkim_keys.generate(policy.bits)
    keys = rot.first(policy.base_selector, pair.public_b64, policy.bits, now, policy.rotation)
    selector = policy.base_selector
    return outputs(keys, {selector: pair.private_pem}, {selector: probe(props["domain"], selector, pair.private_pem)})


def changes(olds: dict[str, Any], news: dict[str, Any], now: datetime) -> list[str]:
    """At diff (preview included): whether this `up` has a rotation step to take, said in record lines.
    A retiring key's record goes without the identity (the component publishes the keys of `published(now)`),
    so the preview's record plan shows its `- DELETE` from the planner itself."""
    if not olds.get("dkim_public_key"):
        return []
    keys, _, _ = held(olds)
    step = rot.next_step(keys, policy_of(news), now)
    domain = news["domain"]
    if step.start is not None and step.selector is not None:
        emit(
            f"{domain}: DKIM key rotation ({step.start}): a new {step.bits}-bit key at selector {step.selector};"
            f" the active key {keys.active.selector} stays active and published until the new one verifies"
        )
        host = dkim_host(domain, step.selector)
        emit(f"  {PlanLine(CREATE, 'DKIM', host, 'TXT', (), (dkim_value(''),)).render()}")
        if step.replaces_pending:
            # Not deleted: the outputs may have shown it active (it stays published for the overlap).
            emit(f"{domain}: DKIM key {step.replaces_pending} was pending: it retires for the overlap")
        return ["dkim_keys"]
    if step.promote is not None:
        emit(
            f"{domain}: DKIM key {step.promote} is pending: it becomes active once a message signed with it"
            " verifies on the servers receivers ask"
        )
        return ["dkim_keys"]
    return []


def rotate(olds: dict[str, Any], news: dict[str, Any], now: datetime) -> dict[str, Any]:
    """At update: this `up`'s steps (core/dkim_rotation.advance) with real keys, and a pending key verified on
    the servers the verification asks, with a message signed by it, before it becomes active."""
    keys, private, probes = held(olds)
    domain = news["domain"]
    policy = policy_of(news)

    def make(selector: str, bits: int) -> str:
        pair = dkim_keys.generate(bits)
        private[selector] = pair.private_pem
        probes[selector] = probe(domain, selector, pair.private_pem)
        return pair.public_b64

    def verified(key: rot.Key) -> bool:
        message = probes.get(key.selector)
        if not message:
            return False
        verdict = verify_once(domain, [rot.key_record(domain, key)], servers_asked(news), dkim_probe=message.encode())
        if verdict.status != VERIFIED:
            emit(f"{domain}: DKIM key {key.selector} is not active yet: {verdict.items[0].reason}")
        return verdict.status == VERIFIED

    after = rot.advance(keys, policy, now, make, verified)
    after.check()
    if after.pending is not None and after.pending != keys.pending:
        pause_point("dkim-pending-made")
    if after.active.selector != keys.active.selector:
        emit(f"{domain}: DKIM key {after.active.selector} verified and active; {keys.active.selector} retiring")
        pause_point("dkim-promoted")
    return outputs(after, private, probes)
