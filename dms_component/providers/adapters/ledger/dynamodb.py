"""The shared ledger: one DynamoDB table, every step one conditional write or one transaction.

Layout (partition key `account`, sort key `entry`, both strings): per account partition,
  entry "domain#<domain>"  domain, mail_type, status     one item per sender domain
  entry "verified"         count (N), domains (SS)       how many domains are verified, and which

  entry "address#<address>" address, domain, sender_name, password_set (BOOL), unsubscribe (N), owner
  entry "senders"          count (N), addresses (SS)    how many sender addresses there are, and which

mark_verified flips a domain item from pending to verified and adds it to the "verified" item in ONE
TransactWriteItems, conditioned on `status = pending` and `count < quota`: two machines racing for the
last free slot can't both win, and a repeated mark can't count twice. There is no read-modify-write.
create_address is the same: ONE transaction puts the address item if absent, checks that its domain item is
verified, and adds it to the "senders" item if `count < sender_quota`; delete_address removes the item and
takes it off the "senders" item in one transaction.

boto3 clients are never kept on the ledger (it is plain data and pickles); they are cached per process.
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from dms_component.core import senders, validate
from dms_component.core.errors import ConfigError, DmsError, setting
from dms_component.core.verdicts import status_code, status_label
from dms_component.providers.adapters import aws
from dms_component.providers.adapters.settings import given
from dms_component.providers.adapters.ledger.base import (
    PENDING,
    VERIFIED,
    LedgerBackend,
    LedgerEntry,
    LedgerSettings,
    SenderAddressEntry,
    protected,
    quota_error,
    unchangeable,
)

with contextlib.suppress(ImportError):  # the [aws] extra is missing: DynamoDbLedgerArgs.validated says so at preview
    import botocore.exceptions

DEFAULT_ACCOUNT = "default"
PARTITION_KEY = "account"
SORT_KEY = "entry"
COUNTER_ENTRY = "verified"
DOMAIN_PREFIX = "domain#"
SENDERS_ENTRY = "senders"
ADDRESS_PREFIX = "address#"

# What the table must look like; the one-line error for a missing table prints the CLI command made from it.
TABLE_SCHEMA: dict[str, Any] = {
    "KeySchema": [
        {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
        {"AttributeName": SORT_KEY, "AttributeType": "S"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
}

# Cancellation reasons that mean "someone else was writing at the same moment": retry after a pause.
_TRANSIENT = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
ATTEMPTS = 10  # for transient cancellations; botocore retries throttled requests on its own as well


class LedgerUnavailable(DmsError):
    """The DynamoDB ledger can't be read or written (table, credentials, network); one line, no secrets."""


def create_table(table: str, region: str, endpoint: str | None = None, profile: str | None = None) -> None:
    """Create the ledger table (on-demand capacity) unless it exists, and wait until it is active."""
    client = _client(region, endpoint, profile)
    with contextlib.suppress(client.exceptions.ResourceInUseException):  # made already, maybe just now elsewhere
        client.create_table(TableName=table, **TABLE_SCHEMA)
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def create_table_command(table: str, region: str) -> str:
    """The AWS CLI command that makes the table, from TABLE_SCHEMA."""
    attributes = " ".join(
        f"AttributeName={a['AttributeName']},AttributeType={a['AttributeType']}"
        for a in TABLE_SCHEMA["AttributeDefinitions"]
    )
    keys = " ".join(f"AttributeName={k['AttributeName']},KeyType={k['KeyType']}" for k in TABLE_SCHEMA["KeySchema"])
    return (
        f"aws dynamodb create-table --region {region} --table-name {table} --attribute-definitions {attributes}"
        f" --key-schema {keys} --billing-mode {TABLE_SCHEMA['BillingMode']}"
    )


class DynamoDbLedger(LedgerBackend):
    """Plain data only (table, region, ...): safe to pickle; the boto3 client is looked up per call."""

    def __init__(
        self,
        table: str,
        region: str,
        quota: int,
        *,
        sender_quota: int = senders.DEFAULT_SENDER_QUOTA,
        account: str = DEFAULT_ACCOUNT,
        endpoint: str | None = None,
        profile: str | None = None,
    ) -> None:
        super().__init__(quota, sender_quota)
        self.table = table
        self.region = region
        self.account = account
        self.endpoint = endpoint
        self.profile = profile

    # --- the LedgerBackend steps --------------------------------------------------------------------

    def register(
        self, domain: str, mail_type: str, owner: str | None = None, *, dkim_key_bits: int = 2048
    ) -> LedgerEntry:
        for attempt in range(ATTEMPTS):
            existing = self.get(domain)
            if existing is not None:
                return existing
            reasons = self._transact(
                [
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": self._domain_item(domain, mail_type, status_code(PENDING), owner),
                            "ConditionExpression": "attribute_not_exists(#a)",
                            "ExpressionAttributeNames": {"#a": PARTITION_KEY},
                        }
                    },
                    # The same quota rule as SQLite: no new domain while the verified ones fill it.
                    {
                        "ConditionCheck": {
                            "TableName": self.table,
                            "Key": self._key(COUNTER_ENTRY),
                            "ConditionExpression": "attribute_not_exists(#c) OR #c < :quota",
                            "ExpressionAttributeNames": {"#c": "count"},
                            "ExpressionAttributeValues": {":quota": {"N": str(self.quota)}},
                        }
                    },
                ],
                attempt,
            )
            if reasons is None:
                return LedgerEntry(domain, mail_type, PENDING, owner)
            if reasons[1] == "ConditionalCheckFailed" and self.get(domain) is None:
                raise self._quota_error(domain)
            # Another machine registered it (or the quota item changed) meanwhile: look again.
        raise self._busy(f"register {domain}")

    def mark_verified(self, domain: str) -> LedgerEntry:
        for attempt in range(ATTEMPTS):
            entry = self.get(domain)
            if entry is None:
                raise KeyError(f"{domain} is not in the ledger")
            if entry.status == VERIFIED:
                return entry
            reasons = self._transact(
                [
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": self._key(DOMAIN_PREFIX + domain),
                            "UpdateExpression": "SET #s = :verified",
                            # Only a pending domain counts once; a verified or removed one is looked at again.
                            "ConditionExpression": "#s IN (:pending, :pending_label)",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": {
                                ":verified": {"S": status_code(VERIFIED)},
                                ":pending": {"S": status_code(PENDING)},
                                ":pending_label": {"S": PENDING},  # items written before codes
                            },
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": self._key(COUNTER_ENTRY),
                            "UpdateExpression": "ADD #c :one, #d :domain",
                            # A missing attribute never compares, so an empty account needs its own clause.
                            "ConditionExpression": "attribute_not_exists(#c) OR #c < :quota",
                            "ExpressionAttributeNames": {"#c": "count", "#d": "domains"},
                            "ExpressionAttributeValues": {
                                ":one": {"N": "1"},
                                ":domain": {"SS": [domain]},
                                ":quota": {"N": str(self.quota)},
                            },
                        }
                    },
                ],
                attempt,
            )
            if reasons is None:
                return LedgerEntry(domain, entry.mail_type, VERIFIED, entry.owner)
            if reasons[0] != "ConditionalCheckFailed" and reasons[1] == "ConditionalCheckFailed":
                now = self.get(domain)
                if now is not None and now.status == PENDING:
                    raise self._quota_error(domain)
            # Verified, retyped or removed by someone else meanwhile, or a conflict: look again.
        raise self._busy(f"mark {domain} verified")

    def retype(self, domain: str, mail_type: str) -> LedgerEntry:
        for _ in range(ATTEMPTS):
            try:
                reply = self._call(
                    "update_item",
                    TableName=self.table,
                    Key=self._key(DOMAIN_PREFIX + domain),
                    UpdateExpression="SET #t = :type",
                    ConditionExpression="attribute_exists(#a) AND (#s IN (:pending, :pending_label) OR #t = :type)",
                    ExpressionAttributeNames={"#a": PARTITION_KEY, "#s": "status", "#t": "mail_type"},
                    ExpressionAttributeValues={
                        ":type": {"S": mail_type},
                        ":pending": {"S": status_code(PENDING)},
                        ":pending_label": {"S": PENDING},
                    },
                    ReturnValues="ALL_NEW",
                )
            except _ConditionFailed:
                entry = self.get(domain)
                if entry is None:
                    raise KeyError(f"{domain} is not in the ledger") from None
                if entry.status == VERIFIED and entry.mail_type != mail_type:
                    raise unchangeable(domain, f"its type ({entry.mail_type})") from None
                continue
            return _entry(reply["Attributes"])
        raise self._busy(f"change the type of {domain}")

    def remove(self, domain: str) -> None:
        entry = self.get(domain)
        if entry is not None and entry.status == VERIFIED:
            raise protected(domain)
        # Addresses are made only under a verified domain, and a verified one is never removed: checking them
        # before the conditional delete can't race with a create (which needs the domain verified).
        left = [a.address for a in self.addresses(domain)]
        if left:
            raise senders.has_addresses(domain, left)
        try:
            self._call(
                "delete_item",
                TableName=self.table,
                Key=self._key(DOMAIN_PREFIX + domain),
                ConditionExpression="attribute_not_exists(#a) OR NOT (#s IN (:verified, :verified_label))",
                ExpressionAttributeNames={"#a": PARTITION_KEY, "#s": "status"},
                ExpressionAttributeValues={
                    ":verified": {"S": status_code(VERIFIED)},
                    ":verified_label": {"S": VERIFIED},
                },
            )
        except _ConditionFailed:
            raise protected(domain) from None

    def release(self, domain: str) -> None:
        try:
            self._call(
                "update_item",
                TableName=self.table,
                Key=self._key(DOMAIN_PREFIX + domain),
                UpdateExpression="REMOVE #o",
                ConditionExpression="attribute_exists(#a)",
                ExpressionAttributeNames={"#a": PARTITION_KEY, "#o": "owner"},
            )
        except _ConditionFailed:
            return  # not in the ledger: nothing to release

    def get(self, domain: str) -> LedgerEntry | None:
        reply = self._call("get_item", TableName=self.table, Key=self._key(DOMAIN_PREFIX + domain), ConsistentRead=True)
        return _entry(reply["Item"]) if "Item" in reply else None

    def entries(self) -> list[LedgerEntry]:
        return sorted((_entry(item) for item in self._query(DOMAIN_PREFIX)), key=lambda e: e.domain)

    # --- sender addresses ----------------------------------------------------------------------

    def addresses(self, domain: str | None = None) -> list[SenderAddressEntry]:
        found = [_address(item) for item in self._query(ADDRESS_PREFIX)]
        wanted = domain.lower() if domain else None
        return sorted((a for a in found if wanted is None or a.domain == wanted), key=lambda a: a.address)

    def address(self, address: str) -> SenderAddressEntry | None:
        address, _ = self._checked(address)
        key = self._key(ADDRESS_PREFIX + address)
        reply = self._call("get_item", TableName=self.table, Key=key, ConsistentRead=True)
        return _address(reply["Item"]) if "Item" in reply else None

    def create_address(self, address: str, sender_name: str, owner: str | None = None) -> SenderAddressEntry:
        address, domain = self._checked(address, sender_name)
        name = sender_name.strip()
        entry = SenderAddressEntry(address, domain, name, False, senders.NO_LINK, owner)
        item = {
            **self._key(ADDRESS_PREFIX + address),
            "address": {"S": address},
            "domain": {"S": domain},
            "sender_name": {"S": name},
            "password_set": {"BOOL": False},
            "unsubscribe": {"N": str(senders.NO_LINK)},
        }
        if owner:
            item["owner"] = {"S": owner}
        for attempt in range(ATTEMPTS):
            existing = self.address(address)
            if existing is not None:
                return existing  # taken over (see LedgerBackend)
            reasons = self._transact(
                [
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(#a)",
                            "ExpressionAttributeNames": {"#a": PARTITION_KEY},
                        }
                    },
                    {
                        "ConditionCheck": {
                            "TableName": self.table,
                            "Key": self._key(DOMAIN_PREFIX + domain),
                            "ConditionExpression": "#s IN (:verified, :verified_label)",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": {
                                ":verified": {"S": status_code(VERIFIED)},
                                ":verified_label": {"S": VERIFIED},  # items written before codes
                            },
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": self._key(SENDERS_ENTRY),
                            "UpdateExpression": "ADD #c :one, #d :address",
                            "ConditionExpression": "attribute_not_exists(#c) OR #c < :quota",
                            "ExpressionAttributeNames": {"#c": "count", "#d": "addresses"},
                            "ExpressionAttributeValues": {
                                ":one": {"N": "1"},
                                ":address": {"SS": [address]},
                                ":quota": {"N": str(self.sender_quota)},
                            },
                        }
                    },
                ],
                attempt,
            )
            if reasons is None:
                return entry
            if reasons[0] == "ConditionalCheckFailed":
                continue  # made meanwhile: look again (and take it over)
            if reasons[1] == "ConditionalCheckFailed":
                raise senders.not_verified(address, domain)
            if reasons[2] == "ConditionalCheckFailed":
                raise senders.sender_quota_error(address, self._sender_list(), self.sender_quota)
            # A conflict: look again.
        raise self._busy(f"create the sender address {address}")

    def delete_address(self, address: str) -> None:
        address, _ = self._checked(address)
        for attempt in range(ATTEMPTS):
            reasons = self._transact(
                [
                    {
                        "Delete": {
                            "TableName": self.table,
                            "Key": self._key(ADDRESS_PREFIX + address),
                            "ConditionExpression": "attribute_exists(#a)",
                            "ExpressionAttributeNames": {"#a": PARTITION_KEY},
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": self._key(SENDERS_ENTRY),
                            "UpdateExpression": "ADD #c :minus DELETE #d :address",
                            "ExpressionAttributeNames": {"#c": "count", "#d": "addresses"},
                            "ExpressionAttributeValues": {":minus": {"N": "-1"}, ":address": {"SS": [address]}},
                        }
                    },
                ],
                attempt,
            )
            if reasons is None or reasons[0] == "ConditionalCheckFailed":
                return  # deleted, or not there (a missing address is fine)
        raise self._busy(f"delete the sender address {address}")

    def _set(self, address: str, attribute: str, value: dict[str, Any]) -> SenderAddressEntry:
        try:
            reply = self._call(
                "update_item",
                TableName=self.table,
                Key=self._key(ADDRESS_PREFIX + address),
                UpdateExpression="SET #v = :v",
                ConditionExpression="attribute_exists(#a)",
                ExpressionAttributeNames={"#a": PARTITION_KEY, "#v": attribute},
                ExpressionAttributeValues={":v": value},
                ReturnValues="ALL_NEW",
            )
        except _ConditionFailed:
            raise KeyError(f"{address} is not in the ledger") from None
        return _address(reply["Attributes"])

    def set_smtp_password(self, address: str, password: str) -> SenderAddressEntry:
        address, _ = self._checked(address)
        senders.check_password(password, f"SMTP password of {address}")
        return self._set(address, "password_set", {"BOOL": True})  # the password itself is never stored

    def set_unsubscribe(self, address: str, language: int) -> SenderAddressEntry:
        address, _ = self._checked(address)
        return self._set(address, "unsubscribe", {"N": str(self._language(address, language))})

    def _sender_list(self) -> list[str]:
        reply = self._call("get_item", TableName=self.table, Key=self._key(SENDERS_ENTRY), ConsistentRead=True)
        return sorted(reply.get("Item", {}).get("addresses", {}).get("SS", []))

    # --- helpers -----------------------------------------------------------------------------

    def _query(self, prefix: str) -> list[dict[str, Any]]:
        """Every item of this account whose entry starts with `prefix` (strongly consistent, all pages)."""
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#a = :account AND begins_with(#e, :prefix)",
            "ExpressionAttributeNames": {"#a": PARTITION_KEY, "#e": SORT_KEY},
            "ExpressionAttributeValues": {":account": {"S": self.account}, ":prefix": {"S": prefix}},
            "ConsistentRead": True,
        }
        while True:
            reply = self._call("query", **request)
            found.extend(reply.get("Items", []))
            if "LastEvaluatedKey" not in reply:
                return found
            request["ExclusiveStartKey"] = reply["LastEvaluatedKey"]

    def _key(self, entry: str) -> dict[str, Any]:
        return {PARTITION_KEY: {"S": self.account}, SORT_KEY: {"S": entry}}

    def _domain_item(self, domain: str, mail_type: str, status: str, owner: str | None = None) -> dict[str, Any]:
        item = {
            **self._key(DOMAIN_PREFIX + domain),
            "domain": {"S": domain},
            "mail_type": {"S": mail_type},
            "status": {"S": status},
        }
        return {**item, "owner": {"S": owner}} if owner else item

    def _verified(self) -> list[str]:
        reply = self._call("get_item", TableName=self.table, Key=self._key(COUNTER_ENTRY), ConsistentRead=True)
        return sorted(reply.get("Item", {}).get("domains", {}).get("SS", []))

    def _quota_error(self, domain: str) -> DmsError:
        return quota_error(domain, self._verified(), self.quota)

    def _where(self) -> str:
        return f"DynamoDB table {self.table} in {self.region}" + (f" at {self.endpoint}" if self.endpoint else "")

    def _busy(self, what: str) -> LedgerUnavailable:
        return LedgerUnavailable(
            f"{setting('ledger')}: couldn't {what}: DynamoDB table {self.table} ({self.region}) kept cancelling the"
            f" write for conflicting writes or throttling after {ATTEMPTS} attempts; nothing was changed, run again"
        )

    def _transact(self, items: list[dict[str, Any]], attempt: int) -> list[str] | None:
        """One TransactWriteItems: None when it committed, else the per-item cancellation codes.

        A cancellation for a conflict or throttling sleeps first (jittered, growing), so the caller just looks again.
        """
        try:
            # A fresh token per attempt: botocore's own resend of this very request is then a no-op at DynamoDB.
            self._call("transact_write_items", TransactItems=items, ClientRequestToken=str(uuid.uuid4()))
            return None
        except _Cancelled as cancelled:
            codes = cancelled.codes + ["None"] * (len(items) - len(cancelled.codes))
            unexpected = [c for c in codes if c not in _TRANSIENT | {"None", "ConditionalCheckFailed"}]
            if unexpected:
                raise LedgerUnavailable(
                    f"{setting('ledger')}: {self._where()}: transact_write_items was cancelled ({', '.join(codes)})"
                ) from None
            if _TRANSIENT & set(codes):
                _pause(attempt)
            return codes

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One DynamoDB request; every failure becomes one line naming dms:ledger keys (never credentials)."""
        where = self._where()
        try:
            client = _client(self.region, self.endpoint, self.profile)
            method: Callable[..., dict[str, Any]] = getattr(client, operation)
            return method(**params)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            message = " ".join(str(error.get("Message", "")).split())
            if code == "ConditionalCheckFailedException":
                raise _ConditionFailed() from None
            if code == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons") or []
                raise _Cancelled([str(r.get("Code", "None")) for r in reasons]) from None
            if code == "ResourceNotFoundException":
                raise LedgerUnavailable(
                    f"{setting('ledger.table')}: {where} does not exist; create it once with: "
                    + create_table_command(self.table, self.region)
                ) from None
            if code == "ValidationException" and "key" in message.lower() and "schema" in message.lower():
                raise LedgerUnavailable(
                    f"{setting('ledger.table')}: {where} has another key schema ({message}); the ledger needs"
                    f" partition key {PARTITION_KEY} (string) and sort key {SORT_KEY} (string): use a table of its own"
                ) from None
            raise LedgerUnavailable(f"{setting('ledger')}: {where}: {operation} failed: {code}: {message}") from None
        except botocore.exceptions.NoCredentialsError:
            raise LedgerUnavailable(
                f"{setting('ledger')}: no AWS credentials for {where}; give them the usual boto3 way (AWS_PROFILE or"
                f" {setting('ledger.profile')}, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance or CI role)"
            ) from None
        except botocore.exceptions.ProfileNotFound as exc:
            raise LedgerUnavailable(
                f"{setting('ledger.profile')}: {exc}; name a profile from your AWS config"
            ) from None
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError) as exc:
            raise LedgerUnavailable(f"{setting('ledger')}: can't reach {where}: {type(exc).__name__}") from None
        except botocore.exceptions.BotoCoreError as exc:
            detail = " ".join(str(exc).split())
            raise LedgerUnavailable(f"{setting('ledger')}: {where}: {type(exc).__name__}: {detail}") from None


class _ConditionFailed(Exception):
    """A single conditional write was refused (internal: always handled)."""


class _Cancelled(Exception):
    """A transaction was cancelled; `codes` has one cancellation code per item (internal: always handled)."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes


def _pause(attempt: int) -> None:
    # Full jitter: racers that collided spread out instead of colliding again in step.
    time.sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))


def _entry(item: Mapping[str, Any]) -> LedgerEntry:
    owner = item.get("owner", {}).get("S")
    # Items hold the status code; items written before codes hold the label: read both.
    return LedgerEntry(item["domain"]["S"], item["mail_type"]["S"], status_label(item["status"]["S"]), owner)


def _address(item: Mapping[str, Any]) -> SenderAddressEntry:
    return SenderAddressEntry(
        item["address"]["S"],
        item["domain"]["S"],
        item["sender_name"]["S"],
        bool(item.get("password_set", {}).get("BOOL", False)),
        int(item.get("unsubscribe", {}).get("N", "0")),
        item.get("owner", {}).get("S"),
    )


def _client(region: str, endpoint: str | None, profile: str | None) -> Any:
    retries = {"mode": "standard", "max_attempts": 8}
    timeouts = {"connect_timeout": 5, "read_timeout": 20}
    config = {"retries": retries, **timeouts, "user_agent_extra": "dms-sender-domains"}
    return aws.client("dynamodb", region=region, endpoint=endpoint, profile=profile, **config)


@dataclass(frozen=True, kw_only=True)
class DynamoDbLedgerArgs(LedgerSettings):
    """One DynamoDB table every machine of a team shares; credentials from the AWS SDK's usual chain."""

    kind: ClassVar[str] = "dynamodb"
    required: ClassVar[tuple[str, ...]] = ("table", "region")

    table: str | None = None
    """The table's name, e.g. dms-ledger (see docs/ledger.md for its keys)."""
    region: str | None = None
    """The table's AWS region."""
    account: str = DEFAULT_ACCOUNT
    """A partition of the table, so several accounts can share it (default: default)."""
    profile: str | None = None
    """The AWS profile to use."""
    endpoint: str | None = None
    """A DynamoDB-compatible endpoint URL (DynamoDB Local, tests)."""

    def validated(self, name: validate.Namer) -> DynamoDbLedgerArgs:
        from dms_component.providers.adapters.extras import needs_library

        base = super().validated(name)
        needs_library("boto3", "aws", name("backend"))
        if self.table is None:
            raise ConfigError(name("table"), "missing: name the DynamoDB table every machine shares, e.g. dms-ledger")
        table = validate.text(self.table, name("table"))
        if not 3 <= len(table) <= 255 or not all(c.isascii() and (c.isalnum() or c in "_.-") for c in table):
            raise ConfigError(
                name("table"),
                f"{validate.shown(table)} is not a DynamoDB table name; use 3 to 255 of a-z A-Z 0-9 _ - .",
            )
        if self.region is None:
            raise ConfigError(
                name("region"),
                "missing: name the table's AWS region (e.g. us-east-1) so every machine uses the same table",
            )
        region = validate.text(self.region, name("region"))
        parts = region.split("-")
        if (
            len(parts) < 3
            or not all(p.isascii() and p.isalnum() and p == p.lower() for p in parts)
            or not parts[-1].isdigit()
        ):
            raise ConfigError(
                name("region"),
                f"{validate.shown(region)} is not an AWS region; use one such as us-east-1 or eu-central-1",
            )
        account = self.account
        if isinstance(account, int) and not isinstance(account, bool):
            account = str(account)  # an account number written without quotes
        account = validate.text(account, name("account"))
        if len(account) > 128 or not all(c.isascii() and (c.isalnum() or c in "_.-:@") for c in account):
            raise ConfigError(
                name("account"), f"{validate.shown(account)} is not allowed; use up to 128 of a-z A-Z 0-9 _ - . : @"
            )
        profile = validate.optional_text(self.profile, name("profile"))
        endpoint = validate.url(self.endpoint, name("endpoint"))
        return replace(base, table=table, region=region, account=account, profile=profile, endpoint=endpoint)

    def open(self) -> DynamoDbLedger:
        return DynamoDbLedger(
            given(self.table, "table"),
            given(self.region, "region"),
            int(self.quota),
            sender_quota=int(self.sender_quota),
            account=self.account or DEFAULT_ACCOUNT,
            endpoint=self.endpoint,
            profile=self.profile,
        )


SETTINGS = DynamoDbLedgerArgs


__all__ = ["DEFAULT_ACCOUNT", "TABLE_SCHEMA", "DynamoDbLedger", "LedgerUnavailable", "create_table"]
