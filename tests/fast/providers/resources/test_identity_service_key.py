"""SenderIdentity's diff with the service's key (tencent): a new key length is an update in place, planned at
preview without asking the service (docs/tencent.md, "A new DKIM key length")."""

from __future__ import annotations

from typing import Any

import pytest

from dms_component.providers.resources.identity import SenderIdentityProvider

LEDGER = {
    "backend": "tencent",
    "region": "ap-guangzhou",
    "endpoint": "http://127.0.0.1:9",
    "secret_id": "AKIDtest",
    "quota": 5,
    "verify_timeout": 0,
}


def state(bits: int, **more: Any) -> dict[str, Any]:
    return {"domain": "notify.example.test", "mail_type": "triggered", "dkim_key_bits": bits, "ledger": LEDGER, **more}


@pytest.mark.parametrize(
    ("olds", "news", "changed"),
    [
        (state(1024, dkim_option=0), state(2048), True),  # a new length: asked of the service in place
        (state(2048, dkim_option=2), state(2048), True),  # dual signing still bridging: the switch is to come
        (state(2048, dkim_option=1), state(2048), False),  # the service holds the length asked for
        (state(2048), state(2048), False),  # a state from before the option was kept: nothing to plan
    ],
    ids=["new-length", "bridging", "settled", "unknown"],
)
def test_a_new_key_length_is_an_update_in_place_never_a_replacement(
    olds: dict[str, Any], news: dict[str, Any], changed: bool
) -> None:
    diff = SenderIdentityProvider().diff("notify.example.test", olds, news)

    assert diff.changes is changed and not diff.replaces
