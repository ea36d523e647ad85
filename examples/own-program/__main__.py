"""Sender domains declared from a program of your own, next to the zone it manages.

Stack config (`pulumi config set ...`):
  own:primary      HOST:PORT of the zone's primary, which takes RFC 2136 updates
  own:zone         the zone, e.g. example.test
  own:tsigKeyFile  a BIND- or Knot-style TSIG key file
  own:ledgerPath   the SQLite ledger (default .state/ledger.sqlite)
  own:quota        verified sender domains the account allows (default 5)
  own:senders      [{name: notify, type: triggered, addresses: [{address: noreply, senderName: Notify}]}, ...]:
                   each becomes <name>.<zone>, with its sender addresses (optional)
  own:smtpPassword the addresses' SMTP password, a secret (`pulumi config set --secret own:smtpPassword ...`);
                   without it, each address gets one generated (the `smtp_passwords` output, a secret)
"""

from typing import Any

import pulumi

from dms_component import Rfc2136Dns, SenderAddressArgs, SenderDomain, SenderDomainArgs, SqliteLedgerArgs
from providers import Zone  # the program's own providers.py, a common name: nothing of ours shadows it

config = pulumi.Config("own")
zone = Zone("zone", name=config.require("zone"), primary=config.require("primary"))
ledger = SqliteLedgerArgs(path=config.get("ledgerPath") or ".state/ledger.sqlite", quota=config.get_int("quota") or 5)
password = config.get_secret("smtpPassword")  # a secret Output, or None

for sender in config.require_object("senders"):
    domain = SenderDomain(
        sender["name"],
        SenderDomainArgs(
            domain=f"{sender['name']}.{config.require('zone')}",
            type=sender["type"],
            # The DNS settings come from the zone resource's Outputs: checked once they are known.
            dns=Rfc2136Dns(zone=zone.name, server=zone.primary, tsig_key_file=config.require("tsigKeyFile")),
            ledger=ledger,
            dmarc_policy=sender.get("dmarcPolicy"),
            # Made in the `pulumi up` that verifies the domain.
            senders=[
                SenderAddressArgs(
                    address=a["address"],
                    sender_name=a["senderName"],
                    password=password,
                    generate_password=password is None,
                )
                for a in sender.get("addresses") or []
            ],
        ),
    )
    outputs: dict[str, pulumi.Output[Any]] = {"status": domain.status, "items": domain.items, "records": domain.records}
    if sender.get("addresses"):
        outputs["smtp_passwords"] = domain.smtp_passwords  # a secret: `pulumi stack output --show-secrets`
    pulumi.export(sender["name"], outputs)
