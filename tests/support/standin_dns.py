"""A stand-in for pulumi-aws's `aws.route53.Record`, writing to the local Knot (RFC 2136, TSIG).

Shaped like the Route53 record (`zone` stands in for `zone_id`): `name` (FQDN), `type`, `ttl` and
`records`, one entry per record in Route53's form: TXT `part1" "part2` (the outer quotes are added
here, as the AWS provider adds them), MX `5 mxbiz1.qq.com.`. Like Route53, one resource is the whole
record set for its name and type: create and update replace the set, delete removes it.

Plus `server` (HOST:PORT) and `tsig` ({name, algorithm, secret}; pass the secret as a Pulumi secret:
the `tsig` output is kept secret too). The provider is pickled by dill into the state: it holds no
data, and everything it needs comes in the properties.
"""

from __future__ import annotations

from typing import Any

import dns.query
import dns.rcode
import dns.tsigkeyring
import dns.update
import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

_FIELDS = ("zone", "name", "type", "records", "ttl", "server", "tsig")


def _rdatas(props: dict[str, Any]) -> list[str]:
    if props["type"] == "TXT":
        return [f'"{entry}"' for entry in props["records"]]  # what the AWS provider sends to Route53
    return list(props["records"])


def _send(props: dict[str, Any], change: Any) -> None:
    """One RFC 2136 update to the zone; `change(update, name)` says what it does."""
    tsig = props["tsig"]
    keyring = dns.tsigkeyring.from_text({tsig["name"]: (tsig["algorithm"], tsig["secret"])})
    update = dns.update.UpdateMessage(props["zone"] + ".", keyring=keyring)
    change(update, props["name"].rstrip(".") + ".")
    host, _, port = props["server"].rpartition(":")
    response = dns.query.tcp(update, host, port=int(port), timeout=10)
    if response.rcode() != dns.rcode.NOERROR:
        raise RuntimeError(f"update of {props['name']} {props['type']}: {dns.rcode.to_text(response.rcode())}")


def _write(props: dict[str, Any]) -> None:
    _send(props, lambda u, name: u.replace(name, int(props["ttl"]), props["type"], *_rdatas(props)))


def _remove(props: dict[str, Any]) -> None:
    _send(props, lambda u, name: u.delete(name, props["type"]))


def _outs(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props[k] for k in _FIELDS}


class StandinRecordProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        _write(props)
        return CreateResult(f"{props['zone']}_{props['name']}_{props['type']}", _outs(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in _FIELDS if olds.get(k) != news.get(k)]
        # Another zone, name or type is another record set: a new resource (created first, the old one
        # then deleted: the sets differ, so deleting the old one leaves the new one alone).
        replaces = [k for k in changed if k in ("zone", "name", "type")]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _write(news)
        return UpdateResult(_outs(news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _remove(props)


class StandinRecord(pulumi.dynamic.Resource):
    """One record set on the local Knot, declared as an `aws.route53.Record` would be."""

    name: pulumi.Output[str]
    type: pulumi.Output[str]
    records: pulumi.Output[list[str]]
    ttl: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        zone: pulumi.Input[str],
        name: pulumi.Input[str],
        type: pulumi.Input[str],
        records: pulumi.Input[list[str]],
        ttl: pulumi.Input[int],
        server: pulumi.Input[str],
        tsig: pulumi.Input[dict[str, Any]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"zone": zone, "name": name, "type": type, "records": records, "ttl": ttl}
        secret = pulumi.ResourceOptions(additional_secret_outputs=["tsig"])
        super().__init__(
            StandinRecordProvider(),
            resource_name,
            {**props, "server": server, "tsig": tsig},
            pulumi.ResourceOptions.merge(opts, secret),
        )
