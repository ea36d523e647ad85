"""What every resource of one sender domain carries besides its own inputs: the ledger and the program's words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi


@dataclass(frozen=True)
class LedgerContext:
    """The ledger's settings (plain: the `dms` commands read them back from the state), its credential (tencent's
    API key, else None) and how the program names its keys (Front.to_dict(), for the refusals of the resources'
    calls)."""

    ledger: dict[str, Any]
    credential: Any = None
    front: dict[str, Any] | None = None

    def credential_input(self) -> pulumi.Output[Any] | None:
        """The credential as a resource input: only ever a Pulumi secret, encrypted in state."""
        return pulumi.Output.secret(self.credential) if self.credential else None

    def options(self, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions | None:
        """`opts`, keeping the credential a secret in the resource's outputs too, when there is one."""
        if not self.credential:
            return opts
        extra = pulumi.ResourceOptions(additional_secret_outputs=["ledger_credential"])
        return pulumi.ResourceOptions.merge(opts, extra)


__all__ = ["LedgerContext"]
