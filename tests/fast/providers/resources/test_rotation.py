"""The identity's DKIM keys (providers/resources/rotation.py), without I/O: a state from before rotation keeps its
one key with no change, and a rotation's steps keep every private key apart as the secret output."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dms_component.core import dkim_rotation as rot
from dms_component.providers.adapters import dkim_keys
from dms_component.providers.resources import rotation

NOW = datetime(2027, 1, 5, tzinfo=UTC)
PAIR = dkim_keys.generate(1024)


def legacy() -> dict[str, Any]:
    """An identity's outputs as the release before rotation wrote them (its inputs said 2048, the key is 1024)."""
    return {
        "domain": "notify.example.test",
        "dkim_selector": "qcloud",
        "dkim_key_bits": 1024,
        "dkim_public_key": PAIR.public_b64,
        "dkim_private_key": PAIR.private_pem,
        "dkim_probe": rotation.probe("notify.example.test", "qcloud", PAIR.private_pem),
    }


def test_a_state_from_before_rotation_changes_nothing_at_the_first_up() -> None:
    olds = legacy()
    keys, private, probes = rotation.held(olds)
    assert keys.active.selector == "qcloud" and keys.active.bits == 1024 and keys.active.since is None
    assert private == {"qcloud": PAIR.private_pem} and probes["qcloud"] == olds["dkim_probe"]
    news = {**olds, "dkim_rotation": None, "dkim_max_key_age_days": None, "dkim_overlap_days": 7}
    assert rotation.changes(olds, news, NOW) == []


def test_a_rotation_input_on_an_old_state_starts_one_and_keeps_the_old_key_active() -> None:
    olds = legacy()
    news = {**olds, "dkim_rotation": "r1", "dkim_overlap_days": 7}
    assert rotation.changes(olds, news, NOW) == ["dkim_keys"]
    outs = rotation.rotate(olds, news, NOW)
    keys = rot.KeySet.from_dict(outs["dkim_keys"])
    assert keys.active.selector == "qcloud" and outs["dkim_private_key"] == PAIR.private_pem
    assert keys.pending is not None and keys.pending.selector == "qcloud-202701" and keys.pending.bits == 1024
    assert set(outs["dkim_private_keys"]) == {"qcloud", "qcloud-202701"}
    assert set(outs["dkim_probes"]) == {"qcloud", "qcloud-202701"}
    # Private keys only in the secret outputs: the key set and the probes carry none.
    public = repr(outs["dkim_keys"]) + repr(outs["dkim_probes"])
    assert "PRIVATE KEY" not in public
    assert rotation.SECRET_OUTPUTS == ["dkim_private_key", "dkim_private_keys"]
