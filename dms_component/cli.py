"""`dms`: a sender domain's records, checks, a stack's DNS plan, the account's status, waits.

Exit codes: 0 Verified (status: every domain verified and passing; plan: no conflict), 1 pending
(status: a domain pending or an item failing; wait: the timeout passed; plan: a conflict), 2 usage
or input error, 3 the ledger, the DNS host or the Pulumi CLI can't be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dms_component.core.dmarc import POLICIES as DMARC_POLICIES
from dms_component.core.domain_names import normalise_domain, normalise_selector
from dms_component.core.encoding import is_base64
from dms_component.core.errors import ConfigError, DmsError
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import PROFILES, profile_named, required_records
from dms_component.core.verdicts import VERIFIED
from dms_component.version import VERSION

EXIT_VERIFIED, EXIT_PENDING, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dms", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dms {VERSION}")
    sub = parser.add_subparsers(dest="command", required=True)

    def domain_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("domain", help="the sender domain, e.g. notify.example.com")
        p.add_argument("--profile", default="tencent-ses", choices=sorted(PROFILES))
        p.add_argument("--dkim-selector", help="DKIM selector (default: the profile's, qcloud)")
        p.add_argument("--dmarc-policy", choices=DMARC_POLICIES, help="expected DMARC policy (default none)")

    records = sub.add_parser("records", help="print the four records a sender domain must publish")
    domain_args(records)
    records.add_argument("--dkim-public-key", default="<DKIM public key>", help="base64 public key for p=")
    records.add_argument("--json", action="store_true", help="print JSON instead of zone-file lines")

    verify = sub.add_parser("verify", help="check a live domain against its authoritative servers")
    domain_args(verify)
    verify.add_argument("--dkim-public-key", required=True, help="the expected base64 public key (p=)")
    verify.add_argument(
        "--nameserver", metavar="HOST[:PORT]", help="send every question to this server instead of the zone's NS hosts"
    )
    verify.add_argument(
        "--timeout",
        type=float,
        default=0.0,
        help="keep checking for up to this many seconds until Verified (default: check once)",
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")

    def stack_args(p: argparse.ArgumentParser) -> None:
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument("--stack", help="a Pulumi stack: its config and state, read with the Pulumi CLI")
        source.add_argument(
            "--stack-file", type=Path, help="a stack's Pulumi.<stack>.yaml, read without the CLI (no state)"
        )
        p.add_argument("--cwd", type=Path, default=Path("."), help="the project folder (default: here)")

    status = sub.add_parser("status", help="every sender domain in the stack's ledger, checked now")
    stack_args(status)
    status.add_argument("--json", action="store_true", help="print the result as JSON")

    plan = sub.add_parser("plan", help="the DNS plan `pulumi up` would apply now, per domain and record")
    stack_args(plan)
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")

    wait = sub.add_parser("wait", help="poll the stack's domains, with progress, until they are verified")
    wait.add_argument("domains", nargs="*", metavar="DOMAIN", help="sender domains of the stack (default: all of them)")
    stack_args(wait)
    wait.add_argument("--timeout", type=float, help="seconds to keep polling (default: dms:verification.timeout)")
    wait.add_argument("--json", action="store_true", help="print the final verdicts as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "records":
            return _records(args)
        if args.command == "verify":
            return _verify(args)
        return _stack_command(args)
    except ConfigError as exc:
        print(f"dms: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DmsError as exc:  # the ledger, the DNS host, the service or the Pulumi CLI: one line, no secret
        print(f"dms: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE


def _expected(args: argparse.Namespace, key: str):
    domain = normalise_domain(args.domain, "DOMAIN")
    selector = None
    if args.dkim_selector:
        selector = normalise_selector(args.dkim_selector, "--dkim-selector")
    return domain, required_records(domain, key, profile_named(args.profile, "--profile"), selector, args.dmarc_policy)


def _records(args: argparse.Namespace) -> int:
    domain, records = _expected(args, args.dkim_public_key)
    if args.json:
        print(json.dumps({"domain": domain, "records": [r.to_dict() for r in records]}, indent=2))
    else:
        for r in records:
            print(f"{r.host}. IN {r.rtype} {r.rdata_text()}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from dms_component.providers.adapters.resolver import authoritative_servers
    from dms_component.providers.adapters.verifier import verify_until

    key = "".join(args.dkim_public_key.split())
    if not key:
        raise ConfigError("--dkim-public-key", "is empty: an empty p= means a revoked key; give the expected key")
    if not is_base64(key):
        raise ConfigError("--dkim-public-key", "is not base64 (give the p= value of the DKIM record)")
    domain, records = _expected(args, key)
    if args.nameserver:
        try:
            servers = [Nameserver.parse(args.nameserver)]
        except ValueError as exc:
            raise ConfigError("--nameserver", f"{args.nameserver!r} is not HOST or HOST:PORT: {exc}") from None
    else:
        try:
            servers = list(authoritative_servers(domain))
        except Exception as exc:  # DNS can't be asked: not the user's input (exit 3, not 2)
            reason = exc.__class__.__name__
            raise DmsError(
                f"can't find the authoritative servers of {domain} ({reason})", code="dns.lookup-failed"
            ) from None
    verdict = verify_until(domain, records, servers, max(args.timeout, 0.0))
    if args.json:
        print(json.dumps(verdict.to_dict(), indent=2))
    else:
        print(f"{verdict.domain}: {verdict.status}")
        for item in verdict.items:
            print(f"  {item.item:<6} {'ok' if item.ok else 'FAIL':<5} {item.host}: {item.reason}")
    return EXIT_VERIFIED if verdict.status == VERIFIED else EXIT_PENDING


def _stack_command(args: argparse.Namespace) -> int:
    from dms_component import commands
    from dms_component.stack_view import from_file, from_pulumi
    from dms_component.table import account_table

    if args.command == "wait" and args.timeout is not None and not 0 <= args.timeout <= 86400:
        raise ConfigError("--timeout", f"{args.timeout:g} is not allowed; use seconds from 0 to 86400")
    view = from_file(args.stack_file) if args.stack_file is not None else from_pulumi(args.stack, args.cwd.resolve())
    if args.command == "status":
        rows = [row.to_dict() for row in commands.account_status(view)]
        print(json.dumps({"stack": view.name, "domains": rows}, indent=2) if args.json else account_table(rows))
        healthy = all(r["ledger_status"] == VERIFIED and all(i["ok"] for i in r["items"]) for r in rows)
        return EXIT_VERIFIED if healthy else EXIT_PENDING
    if args.command == "plan":
        plans = commands.stack_plan(view)
        if args.json:
            print(json.dumps({"stack": view.name, "domains": plans}, indent=2))
        else:
            from dms_component.core.address_plan import address_summary, render_address_plan
            from dms_component.core.plan_view import render_lines

            for plan in plans:
                print("\n".join(render_lines(plan)))
                if plan.get("addresses"):
                    print(
                        "\n".join(
                            [
                                address_summary(plan["domain"], plan["addresses"]),
                                *render_address_plan(plan["addresses"]),
                            ]
                        )
                    )
        return EXIT_PENDING if commands.has_conflicts(plans) else EXIT_VERIFIED
    results = commands.wait_for(view, args.domains, args.timeout)
    if args.json:
        out = [{**verdict.to_dict(), "status": status} for verdict, status in results]
        print(json.dumps({"stack": view.name, "domains": out}, indent=2))
    return EXIT_VERIFIED if all(status == VERIFIED for _, status in results) else EXIT_PENDING


if __name__ == "__main__":
    sys.exit(main())
