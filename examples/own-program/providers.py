"""This program's own providers: a stand-in for the zone resource a real program already has (aws.route53.Zone,
cloudflare.Zone, ...). A module named `providers` is common in Pulumi programs; dms_component adds no such name.

It looks the zone up on its primary server and outputs the zone's name and the primary's address:
the sender domain below takes its DNS settings from these Outputs, as it would from a real zone.
"""

from __future__ import annotations

from typing import Any

import dns.message
import dns.query
import dns.rcode
import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, ResourceProvider


def _check(props: dict[str, Any]) -> None:
    host, _, port = props["primary"].rpartition(":")
    answer = dns.query.tcp(dns.message.make_query(props["name"], "SOA"), host, port=int(port), timeout=5)
    if answer.rcode() != dns.rcode.NOERROR or not answer.answer:
        raise ValueError(f"{props['primary']} does not serve the zone {props['name']}")


class _ZoneProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        _check(props)
        return CreateResult(props["name"], props)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)


class Zone(Resource):
    name: pulumi.Output[str]
    primary: pulumi.Output[str]

    def __init__(self, resource_name: str, *, name: str, primary: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(_ZoneProvider(), resource_name, {"name": name, "primary": primary}, opts)
