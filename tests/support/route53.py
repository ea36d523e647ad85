"""Route53 on moto's server: a fresh hosted zone per test, a raw boto3 client to look behind our back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from dms_component.providers.adapters.dns.route53 import Route53Host


@dataclass
class HostedZone:
    name: str
    id: str
    client: Any  # a plain boto3 client, independent of the code under test

    def rrsets(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in self.client.get_paginator("list_resource_record_sets").paginate(HostedZoneId=self.id):
            out.extend(page["ResourceRecordSets"])
        return out

    def values(self, host: str, rtype: str) -> list[str]:
        """The raw Values Route53 holds at (host, rtype), exactly as its API returns them."""
        for rrset in self.rrsets():
            if rrset["Name"] == host + "." and rrset["Type"] == rtype:
                return [r["Value"] for r in rrset["ResourceRecords"]]
        return []

    def put(self, host: str, rtype: str, values: list[str], ttl: int = 300) -> None:
        """Write a record set the way a person with the console would (values in Route53's own format)."""
        self.put_many([host], rtype, values, ttl)

    def put_many(self, hosts: list[str], rtype: str, values: list[str], ttl: int = 300) -> None:
        """The same record set at each host, 300 hosts per change batch."""
        for start in range(0, len(hosts), 300):
            changes = [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": host + ".",
                        "Type": rtype,
                        "TTL": ttl,
                        "ResourceRecords": [{"Value": v} for v in values],
                    },
                }
                for host in hosts[start : start + 300]
            ]
            self.client.change_resource_record_sets(HostedZoneId=self.id, ChangeBatch={"Changes": changes})

    def drop(self, host: str, rtype: str) -> None:
        for rrset in self.rrsets():
            if rrset["Name"] == host + "." and rrset["Type"] == rtype:
                self.client.change_resource_record_sets(
                    HostedZoneId=self.id, ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": rrset}]}
                )


@pytest.fixture
def hosted_zone(moto_server: str) -> Iterator[HostedZone]:
    client = boto3.client("route53", endpoint_url=moto_server, region_name="us-east-1")
    name = f"z{uuid.uuid4().hex[:10]}.example.test"
    zone = client.create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)["HostedZone"]
    yield HostedZone(name, zone["Id"].rsplit("/", 1)[-1], client)


@pytest.fixture
def route53(hosted_zone: HostedZone, moto_server: str) -> Route53Host:
    """Our provider on the test's zone, found by name as a user would configure it; no sleeping on retries."""
    return Route53Host(zone=hosted_zone.name, endpoint=moto_server, sleep=lambda _s: None)


class CallLog:
    """Counts the Route53 operations our provider sends (wraps its one call site)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        original = Route53Host._call

        def counted(provider: Route53Host, operation: str, **kwargs: Any) -> dict[str, Any]:
            self.calls.append(operation)
            return original(provider, operation, **kwargs)

        monkeypatch.setattr(Route53Host, "_call", counted)

    def count(self, operation: str | None = None) -> int:
        return sum(1 for c in self.calls if operation is None or c == operation)

    def clear(self) -> None:
        self.calls.clear()


@pytest.fixture
def call_log(monkeypatch: pytest.MonkeyPatch) -> CallLog:
    return CallLog(monkeypatch)
