"""The ledger backends as the contract tests see them: settings for a fresh ledger, and what is stored.

SQLite and DynamoDB run the whole contract. The service itself (tencent, against the fake) runs the part
every LedgerBackend shares (the interface: register's parameters and entry, the records it decides, the retype
check); the quota and the owner are the service's own there (docs/tencent.md), so that part is not its.

`stored()` and `verified_count()` read around the ledger (plain sqlite3, a separate boto3 client), so a
test checks what really landed in the store, not what the ledger says about itself.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from dms_component.core.verdicts import PENDING_CODE, VERIFIED, VERIFIED_CODE, stored_forms
from dms_component.providers.adapters.ledger import LedgerBackend, open_ledger
from dms_component.providers.adapters.ledger.dynamodb import (
    ADDRESS_PREFIX,
    COUNTER_ENTRY,
    DOMAIN_PREFIX,
    PARTITION_KEY,
    SENDERS_ENTRY,
    SORT_KEY,
    create_table,
)
from dms_component.providers.adapters.ledger.tencent import MAIL_TYPE_TAG
from tests.fakes.tencent_cloud import FakeTencentCloud

REGION = "us-east-1"
Row = tuple[str, str, str]
VERIFIED_FORMS = stored_forms(VERIFIED)  # the code, and the label rows from before codes hold


@dataclass(frozen=True)
class SqliteBackend:
    folder: Path
    name: str = "sqlite"

    def fresh(self, quota: int = 5, sender_quota: int = 10) -> dict[str, Any]:
        """Settings of a new, empty ledger."""
        path = str(self.folder / f"{uuid.uuid4().hex}.sqlite")
        return {"backend": "sqlite", "path": path, "quota": quota, "sender_quota": sender_quota}

    def stored(self, settings: dict[str, Any]) -> list[Row]:
        if not Path(settings["path"]).exists():
            return []
        conn = sqlite3.connect(settings["path"])
        try:
            return conn.execute("SELECT domain, mail_type, status FROM sender_domains ORDER BY domain").fetchall()
        finally:
            conn.close()

    def verified_count(self, settings: dict[str, Any]) -> int:
        return sum(1 for row in self.stored(settings) if row[2] in VERIFIED_FORMS)

    def store_as_before(self, settings: dict[str, Any], row: Row) -> None:
        """A row as versions before status codes wrote it (status "Verified" / "Pending verification")."""
        open_ledger(settings).register("first.example.com", "batch")  # the table exists
        conn = sqlite3.connect(settings["path"])
        try:
            with conn:
                conn.execute("INSERT INTO sender_domains (domain, mail_type, status) VALUES (?, ?, ?)", row)
        finally:
            conn.close()


@dataclass(frozen=True)
class DynamoDbBackend:
    endpoint: str
    name: str = "dynamodb"

    def fresh(self, quota: int = 5, sender_quota: int = 10) -> dict[str, Any]:
        """Settings of a new, empty ledger: a new table, made as docs/ledger.md says, default account.

        A table per ledger, not one per session: moto copies the whole table for every transaction.
        """
        table = f"dms-ledger-{uuid.uuid4().hex[:12]}"
        create_table(table, REGION, endpoint=self.endpoint)
        return {
            "backend": "dynamodb",
            "table": table,
            "region": REGION,
            "account": "default",
            "profile": None,
            "endpoint": self.endpoint,
            "quota": quota,
            "sender_quota": sender_quota,
        }

    def _items(self, settings: dict[str, Any]) -> list[dict[str, Any]]:
        client = boto3.client("dynamodb", region_name=REGION, endpoint_url=self.endpoint)
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("query").paginate(
            TableName=settings["table"],
            KeyConditionExpression="#a = :a",
            ExpressionAttributeNames={"#a": PARTITION_KEY},
            ExpressionAttributeValues={":a": {"S": settings["account"]}},
            ConsistentRead=True,
        ):
            items.extend(page["Items"])
        return items

    def stored(self, settings: dict[str, Any]) -> list[Row]:
        rows = []
        for item in self._items(settings):
            if item[SORT_KEY]["S"].startswith(DOMAIN_PREFIX):
                assert item[SORT_KEY]["S"] == DOMAIN_PREFIX + item["domain"]["S"]
                rows.append((item["domain"]["S"], item["mail_type"]["S"], item["status"]["S"]))
        return sorted(rows)

    def counter(self, settings: dict[str, Any]) -> tuple[int, list[str]]:
        """The "verified" item: its count and its set of domains (0, [] while nothing is verified)."""
        for item in self._items(settings):
            if item[SORT_KEY]["S"] == COUNTER_ENTRY:
                return int(item["count"]["N"]), sorted(item["domains"]["SS"])
        return 0, []

    def store_as_before(self, settings: dict[str, Any], row: Row) -> None:
        """An item as versions before status codes wrote it; a verified one counted in the quota item."""
        open_ledger(settings).register("first.example.com", "batch")
        client = boto3.client("dynamodb", region_name=REGION, endpoint_url=self.endpoint)
        key = {PARTITION_KEY: {"S": settings["account"]}}
        domain, mail_type, status = row
        item = {**key, SORT_KEY: {"S": DOMAIN_PREFIX + domain}, "domain": {"S": domain}}
        client.put_item(
            TableName=settings["table"], Item={**item, "mail_type": {"S": mail_type}, "status": {"S": status}}
        )
        if status == "Verified":
            client.update_item(
                TableName=settings["table"],
                Key={**key, SORT_KEY: {"S": COUNTER_ENTRY}},
                UpdateExpression="ADD #c :one, #d :domain",
                ExpressionAttributeNames={"#c": "count", "#d": "domains"},
                ExpressionAttributeValues={":one": {"N": "1"}, ":domain": {"SS": [domain]}},
            )

    def verified_count(self, settings: dict[str, Any]) -> int:
        count, domains = self.counter(settings)
        verified = [row[0] for row in self.stored(settings) if row[2] in VERIFIED_FORMS]
        # The quota item must agree with the domain items, or the quota check counts wrong.
        assert count == len(domains), (count, domains)
        assert domains == sorted(verified), (domains, verified)
        return count


@dataclass(frozen=True)
class TencentBackend:
    cloud: FakeTencentCloud
    name: str = "tencent"

    def fresh(self, quota: int = 5, sender_quota: int = 10) -> dict[str, Any]:
        return {
            "backend": "tencent",
            "sender_quota": sender_quota,
            "region": "ap-guangzhou",
            "endpoint": self.cloud.endpoint,
            "secret_id": self.cloud.secret_id,
            "secret_key": self.cloud.secret_key,
            "quota": quota,
            "verify_timeout": 0,
        }

    def stored(self, settings: dict[str, Any]) -> list[Row]:
        rows = []
        for name, identity in self.cloud.identities.items():
            tags = {t["TagKey"]: t["TagValue"] for t in identity.tags}
            rows.append((name, tags.get(MAIL_TYPE_TAG, ""), VERIFIED_CODE if identity.verified else PENDING_CODE))
        return sorted(rows)

    def verify(self, ledger: LedgerBackend, domain: str) -> None:
        self.cloud.identities[domain].verified = True  # the service's word; its DNS check is tested elsewhere


def verify(backend: Backend | TencentBackend, ledger: LedgerBackend, domain: str) -> None:
    """Make a registered domain verified, as each backend comes to say so."""
    if isinstance(backend, TencentBackend):
        backend.verify(ledger, domain)
    else:
        ledger.mark_verified(domain)


Backend = SqliteBackend | DynamoDbBackend


def open_fresh(backend: Backend, quota: int = 5) -> tuple[LedgerBackend, dict[str, Any]]:
    settings = backend.fresh(quota)
    return open_ledger(settings), settings


# -- sender addresses (issue 26): what each store holds, read around the ledger -----------------------------

AddressRow = tuple[str, str, str, bool, int]  # address, domain, sender name, password set, unsubscribe


def stored_addresses(backend: Backend | TencentBackend, settings: dict[str, Any]) -> list[AddressRow]:
    """The addresses the store holds, read with the store's own client (never through the ledger)."""
    if isinstance(backend, SqliteBackend):
        if not Path(settings["path"]).exists():
            return []
        conn = sqlite3.connect(settings["path"])
        try:
            rows = conn.execute(
                "SELECT address, domain, sender_name, password_set, unsubscribe FROM sender_addresses ORDER BY address"
            ).fetchall()
        finally:
            conn.close()
        return [(a, d, n, bool(p), int(u)) for a, d, n, p, u in rows]
    if isinstance(backend, TencentBackend):
        cloud = backend.cloud
        links = {a: int(c) if st == 1 else 0 for a, (c, st) in cloud.unsubscribe.items()}
        return sorted(
            (a, s.domain, s.name, a in cloud.smtp_passwords, links.get(a, 0)) for a, s in cloud.senders.items()
        )
    if isinstance(backend, DynamoDbBackend):
        items = backend._items(settings)
        rows = sorted(
            (
                i["address"]["S"],
                i["domain"]["S"],
                i["sender_name"]["S"],
                i["password_set"]["BOOL"],
                int(i["unsubscribe"]["N"]),
            )
            for i in items
            if i[SORT_KEY]["S"].startswith(ADDRESS_PREFIX)
        )
        # The "senders" item must agree with the address items, or the sender quota counts wrong.
        counter = next((i for i in items if i[SORT_KEY]["S"] == SENDERS_ENTRY), None)
        count = int(counter["count"]["N"]) if counter else 0
        listed = sorted(counter.get("addresses", {}).get("SS", [])) if counter else []
        assert count == len(rows) and listed == [r[0] for r in rows], (count, listed, rows)
        return rows
    raise NotImplementedError(backend.name)


def stored_text(backend: Backend | TencentBackend, settings: dict[str, Any]) -> str:
    """Everything the store holds, as text: a test searches it for a password."""
    if isinstance(backend, SqliteBackend):
        return Path(settings["path"]).read_bytes().decode("latin-1") if Path(settings["path"]).exists() else ""
    if isinstance(backend, DynamoDbBackend):
        return repr(backend._items(settings))
    if isinstance(backend, TencentBackend):  # the service holds the password; what it answers never does
        return repr([backend.cloud.senders, backend.cloud.unsubscribe])
    raise NotImplementedError(backend.name)


def unverify(backend: Backend | TencentBackend, settings: dict[str, Any], domain: str) -> None:
    """The domain is pending again in the store (a verification the service withdrew), its addresses kept."""
    if isinstance(backend, SqliteBackend):
        conn = sqlite3.connect(settings["path"])
        try:
            with conn:
                conn.execute("UPDATE sender_domains SET status = ? WHERE domain = ?", (PENDING_CODE, domain))
        finally:
            conn.close()
        return
    if isinstance(backend, TencentBackend):
        backend.cloud.identities[domain].verified = False
        return
    if isinstance(backend, DynamoDbBackend):
        client = boto3.client("dynamodb", region_name=REGION, endpoint_url=backend.endpoint)
        key = {PARTITION_KEY: {"S": settings["account"]}}
        client.update_item(
            TableName=settings["table"],
            Key={**key, SORT_KEY: {"S": DOMAIN_PREFIX + domain}},
            UpdateExpression="SET #s = :p",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":p": {"S": PENDING_CODE}},
        )
        client.update_item(  # the quota item agrees
            TableName=settings["table"],
            Key={**key, SORT_KEY: {"S": COUNTER_ENTRY}},
            UpdateExpression="ADD #c :minus DELETE #d :domain",
            ExpressionAttributeNames={"#c": "count", "#d": "domains"},
            ExpressionAttributeValues={":minus": {"N": "-1"}, ":domain": {"SS": [domain]}},
        )
        return
    raise NotImplementedError(backend.name)
