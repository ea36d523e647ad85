"""Mocks for the component graph (pulumi.runtime.set_mocks): every resource registered is kept in CREATED."""

from __future__ import annotations

from typing import Any

import pulumi

CREATED: list[pulumi.runtime.MockResourceArgs] = []


class Mocks(pulumi.runtime.Mocks):
    """Echo the inputs; a SenderIdentity gets a key pair and a Verification a Verified status."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        CREATED.append(args)
        outputs = dict(args.inputs)
        if args.typ.endswith("dms:SenderIdentity"):
            outputs |= {"dkim_public_key": "PUBKEY", "dkim_private_key": "-----BEGIN PRIVATE KEY-----x"}
        if args.typ.endswith("dms:Verification"):
            outputs |= {"status": "Verified", "items": []}
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}
