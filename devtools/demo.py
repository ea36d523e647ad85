"""`make demo`: local DNS server + local ledger, `pulumi up` of stack `dev`, then the status table."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from pulumi import automation as auto

from devtools.localdns import LocalDnsServer
from devtools.runner import DEMO_PASSPHRASE, ROOT, open_stack
from dms_component.core.address_plan import address_rows
from dms_component.providers.adapters.ledger import open_ledger
from dms_component.stack_view import from_state
from dms_component.table import address_table, status_table

STATE = ROOT / ".state"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo")
    parser.add_argument("action", nargs="?", default="up", choices=("up", "preview", "refresh", "destroy"))
    args = parser.parse_args(argv)

    server = LocalDnsServer(STATE / "knot", zone="example.test", port=15353).start()
    print(f"local DNS server for example.test on {server.address}")
    try:
        stack = open_stack("dev", passphrase=os.environ.get("PULUMI_CONFIG_PASSPHRASE", DEMO_PASSPHRASE))
        try:
            if args.action == "up":
                result = stack.up(on_output=print, color="never", show_secrets=False, suppress_outputs=True)
                changes = {k: v for k, v in (result.summary.resource_changes or {}).items() if k != "same"}
                print("\nchanges:", ", ".join(f"{v} {k}" for k, v in changes.items()) or "none")
            elif args.action == "preview":
                stack.preview(on_output=print, color="never", expect_no_changes=True)
            elif args.action == "refresh":
                stack.refresh(on_output=print, color="never", show_secrets=False)
            else:
                stack.destroy(on_output=print, color="never", show_secrets=False)
                return 0
        except auto.errors.CommandError:
            if args.action == "destroy":
                print(
                    "\n(demo) The local ledger keeps verified domains, as the service does."
                    " `make demo-reset` forgets the whole local demo: ledger, DNS data and state."
                )
            return 1  # the CLI already printed the error
        outputs = stack.outputs()
        domains = outputs["domains"].value if "domains" in outputs else {}
        print("\n" + status_table(domains))
        addresses = _addresses(stack)
        if addresses:
            print("\n" + address_table(addresses))
        return 0
    finally:
        server.stop()


def _addresses(stack: auto.Stack) -> list[dict[str, Any]]:
    """Each demo domain's sender addresses, as `dms status` shows them: declared in the state, made in the ledger."""
    views = from_state(stack.export_stack().deployment.get("resources") or [])
    rows = []
    for view in views:
        ledger = open_ledger({**view.ledger, "path": str(ROOT / str(view.ledger.get("path")))})
        rows += address_rows(list(view.addresses), ledger.addresses(view.domain))
    return rows


if __name__ == "__main__":
    sys.exit(main())
