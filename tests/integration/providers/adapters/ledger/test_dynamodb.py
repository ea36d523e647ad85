"""What only the DynamoDB ledger has: its table, its errors, retries, clients, and the checks moto skips."""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from devtools.localdns import free_port
from dms_component.config import parse_stack_config
from dms_component.core.verdicts import PENDING_CODE
from dms_component.core.errors import DomainNotVerified, QuotaExceeded, SenderQuotaExceeded, VerifiedDomainProtected
from dms_component.providers.adapters.ledger import dynamodb as ddb
from dms_component.providers.adapters.ledger import open_ledger
from dms_component.providers.adapters.ledger.base import PENDING, VERIFIED, LedgerEntry
from dms_component.providers.adapters.ledger.dynamodb import DynamoDbLedger, LedgerUnavailable
from tests.aws import MotoServer, dynamodb_error, transaction_cancelled
from tests.conftest import repo_root
from tests.support.ledgers import REGION, DynamoDbBackend


@pytest.fixture
def backend(moto_server: str) -> DynamoDbBackend:
    return DynamoDbBackend(moto_server)


@pytest.fixture
def settings(backend: DynamoDbBackend) -> dict[str, Any]:
    return backend.fresh(5)


@pytest.fixture
def ledger(settings: dict[str, Any]) -> DynamoDbLedger:
    ledger = open_ledger(settings)
    assert isinstance(ledger, DynamoDbLedger)
    return ledger


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(exc.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# --- from stack config to a ledger --------------------------------------------------------------


def test_stack_config_to_ledger(moto_server: str, ledger_table: str) -> None:
    raw = {
        "dns": {"server": "ns1.example.com", "zone": "example.com"},
        "domains": [{"domain": "notify.example.com", "type": "triggered"}],
        "ledger": {
            "backend": "dynamodb",
            "table": ledger_table,
            "region": REGION,
            "account": "team-a",
            "endpoint": moto_server,
            "quota": 3,
        },
    }
    settings = parse_stack_config(raw).ledger.state()

    ledger = open_ledger(settings)

    assert isinstance(ledger, DynamoDbLedger)
    assert (ledger.table, ledger.region, ledger.account, ledger.endpoint, ledger.quota) == (
        ledger_table,
        REGION,
        "team-a",
        moto_server,
        3,
    )
    assert ledger.profile is None
    assert ledger.register("notify.example.com", "triggered").status == PENDING
    open_ledger(settings).remove("notify.example.com")


# --- the table ------------------------------------------------------------------------------------


def test_a_missing_table_is_one_line_with_the_command_that_makes_it(moto_server: str) -> None:
    ledger = DynamoDbLedger("no-such-ledger", REGION, 5, endpoint=moto_server)

    with pytest.raises(LedgerUnavailable) as exc:
        ledger.register("notify.example.com", "triggered")

    assert one_line(exc) == (
        f"ledger.table: DynamoDB table no-such-ledger in {REGION} at {moto_server} does not exist;"
        f" create it once with: aws dynamodb create-table --region {REGION} --table-name no-such-ledger"
        " --attribute-definitions AttributeName=account,AttributeType=S AttributeName=entry,AttributeType=S"
        " --key-schema AttributeName=account,KeyType=HASH AttributeName=entry,KeyType=RANGE"
        " --billing-mode PAY_PER_REQUEST"
    )
    # The ledger never creates its table on its own.
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server)
    assert "no-such-ledger" not in client.list_tables()["TableNames"]
    for step in (ledger.entries, lambda: ledger.get("x.example.com"), lambda: ledger.mark_verified("x.example.com")):
        with pytest.raises(LedgerUnavailable, match=r"^ledger\.table: .* does not exist"):
            step()


def test_create_table_leaves_an_existing_table_as_it_is(moto_server: str, ledger_table: str) -> None:
    kept = DynamoDbLedger(ledger_table, REGION, 5, account="create-twice-" + os.urandom(4).hex(), endpoint=moto_server)
    kept.register("kept.example.com", "batch")
    ddb.create_table(ledger_table, REGION, endpoint=moto_server)
    assert kept.entries() == [LedgerEntry("kept.example.com", "batch", PENDING)]


def test_the_table_made_by_the_printed_schema_works(moto_server: str) -> None:
    """create-table with TABLE_SCHEMA (what the printed command says) gives a working ledger."""
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server)
    client.create_table(TableName="dms-ledger-made-by-hand", **ddb.TABLE_SCHEMA)
    ledger = DynamoDbLedger("dms-ledger-made-by-hand", REGION, 1, endpoint=moto_server)
    ledger.register("a.example.com", "batch")
    assert ledger.mark_verified("a.example.com").status == VERIFIED


def test_a_table_with_another_key_schema_is_one_line(moto_server: str) -> None:
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server)
    client.create_table(
        TableName="someone-elses-table",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ledger = DynamoDbLedger("someone-elses-table", REGION, 5, endpoint=moto_server)

    with pytest.raises(LedgerUnavailable) as exc:
        ledger.get("notify.example.com")

    message = one_line(exc)
    assert message.startswith("ledger.table: DynamoDB table someone-elses-table")
    assert "partition key account (string) and sort key entry (string)" in message


def test_accounts_share_one_table_without_sharing_a_quota(backend: DynamoDbBackend) -> None:
    settings = backend.fresh(1)
    a = open_ledger({**settings, "account": "team-a"})
    b = open_ledger({**settings, "account": "team-b"})
    a.register("same.example.com", "batch")
    a.mark_verified("same.example.com")
    b.register("same.example.com", "triggered")  # the same name in another account is another domain
    assert b.mark_verified("same.example.com") == LedgerEntry("same.example.com", "triggered", VERIFIED)
    assert a.entries() == [LedgerEntry("same.example.com", "batch", VERIFIED)]


# --- errors are one line and carry no credentials -------------------------------------------------


def run_isolated(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter with exactly `env` (plus PATH): no cached client, no inherited AWS setup."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo_root(),
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(repo_root()), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


GET_IN_CHILD = """
import sys
from dms_component.providers.adapters.ledger import open_ledger
from dms_component.providers.adapters.ledger.dynamodb import LedgerUnavailable
try:
    open_ledger({{"backend": "dynamodb", "table": "{table}", "region": "{region}", "endpoint": "{endpoint}",
                 "profile": {profile!r}, "quota": 5}}).get("notify.example.com")
except LedgerUnavailable as exc:
    print(exc)
    sys.exit(3)
"""


def test_no_credentials_is_one_line_saying_where_they_come_from(moto_server: str, ledger_table: str) -> None:
    env = {"AWS_CONFIG_FILE": "/nonexistent/c", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/s"}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    code = GET_IN_CHILD.format(table=ledger_table, region=REGION, endpoint=moto_server, profile=None)

    result = run_isolated(code, env)

    assert result.returncode == 3, result.stderr
    assert result.stdout.startswith("ledger: no AWS credentials for DynamoDB table")
    assert "AWS_PROFILE or ledger.profile" in result.stdout
    assert result.stdout.count("\n") == 1


def test_an_unknown_profile_names_the_key(moto_server: str, ledger_table: str) -> None:
    env = {"AWS_CONFIG_FILE": "/nonexistent/c", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/s"}
    code = GET_IN_CHILD.format(table=ledger_table, region=REGION, endpoint=moto_server, profile="ci-ledger")

    result = run_isolated(code, env)

    assert result.returncode == 3, result.stderr
    assert result.stdout.startswith("ledger.profile: The config profile (ci-ledger) could not be found")


def test_credentials_from_a_profile_are_used_and_never_shown(tmp_path, moto_server: str, ledger_table: str) -> None:
    secret = "dms-ledger-test-secret-" + os.urandom(8).hex()
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[ci-ledger]\naws_access_key_id = AKIDLEDGERTEST\naws_secret_access_key = {secret}\n")
    env = {"AWS_CONFIG_FILE": "/nonexistent/c", "AWS_SHARED_CREDENTIALS_FILE": str(credentials)}
    ok = GET_IN_CHILD.format(table=ledger_table, region=REGION, endpoint=moto_server, profile="ci-ledger")
    missing = GET_IN_CHILD.format(table="not-there", region=REGION, endpoint=moto_server, profile="ci-ledger")

    assert run_isolated(ok, env).returncode == 0
    failed = run_isolated(missing, env)

    assert failed.returncode == 3
    assert "ledger.table" in failed.stdout
    assert secret not in failed.stdout + failed.stderr


def test_an_unreachable_endpoint_is_one_line(ledger_table: str) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    ledger = DynamoDbLedger(ledger_table, REGION, 5, endpoint=endpoint)

    with pytest.raises(LedgerUnavailable) as exc:
        ledger.get("notify.example.com")

    assert one_line(exc) == f"ledger: can't reach DynamoDB table {ledger_table} in {REGION} at {endpoint}:" + (
        " EndpointConnectionError"
    )


def test_access_denied_is_one_line_with_the_services_reason(moto: MotoServer, ledger: DynamoDbLedger) -> None:
    denied = dynamodb_error(
        "GetItem",
        "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: dynamodb:GetItem\non resource",
    )
    with moto.faults(denied), pytest.raises(LedgerUnavailable) as exc:
        ledger.get("notify.example.com")

    assert one_line(exc) == (
        f"ledger: DynamoDB table {ledger.table} in {REGION} at {ledger.endpoint}: get_item failed:"
        " AccessDeniedException: User: arn:aws:iam::123456789012:user/ci is not authorized to perform:"
        " dynamodb:GetItem on resource"
    )


# --- conflicts and throttling ---------------------------------------------------------------------


def test_a_transaction_conflict_is_retried_and_counts_once(
    moto: MotoServer, ledger: DynamoDbLedger, backend: DynamoDbBackend, settings: dict[str, Any]
) -> None:
    ledger.register("notify.example.com", "triggered")
    conflict = transaction_cancelled("TransactionConflict", "None")
    conflict.times = 3

    with moto.faults(conflict) as served:
        entry = ledger.mark_verified("notify.example.com")

    assert served[0].served == 3
    assert entry == LedgerEntry("notify.example.com", "triggered", VERIFIED)
    assert backend.verified_count(settings) == 1


def test_throttled_transactions_are_retried(moto: MotoServer, ledger: DynamoDbLedger) -> None:
    throttled = transaction_cancelled("None", "ThrottlingError")
    throttled.times = 2
    with moto.faults(throttled) as served:
        assert ledger.register("notify.example.com", "triggered").status == PENDING
    assert served[0].served == 2


def test_throttled_requests_are_retried_by_the_client(moto: MotoServer, ledger: DynamoDbLedger) -> None:
    ledger.register("notify.example.com", "triggered")
    throttled = dynamodb_error("GetItem", "ProvisionedThroughputExceededException", "slow down")
    throttled.times = 2
    with moto.faults(throttled) as served:
        assert ledger.get("notify.example.com") == LedgerEntry("notify.example.com", "triggered", PENDING)
    assert served[0].served == 2


def test_endless_conflicts_give_up_with_one_line_and_change_nothing(
    moto: MotoServer,
    ledger: DynamoDbLedger,
    backend: DynamoDbBackend,
    settings: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ddb, "ATTEMPTS", 3)
    ledger.register("notify.example.com", "triggered")
    conflict = transaction_cancelled("TransactionConflict", "TransactionConflict")
    conflict.times = 1000

    with moto.faults(conflict), pytest.raises(LedgerUnavailable) as exc:
        ledger.mark_verified("notify.example.com")

    assert one_line(exc) == (
        f"ledger: couldn't mark notify.example.com verified: DynamoDB table {ledger.table} ({REGION}) kept"
        " cancelling the write for conflicting writes or throttling after 3 attempts; nothing was changed, run again"
    )
    assert conflict.served == 3
    assert backend.stored(settings) == [("notify.example.com", "triggered", PENDING_CODE)]
    assert backend.verified_count(settings) == 0


def test_another_cancellation_reason_is_one_line_and_not_retried(moto: MotoServer, ledger: DynamoDbLedger) -> None:
    ledger.register("notify.example.com", "triggered")
    odd = transaction_cancelled("None", "ItemCollectionSizeLimitExceeded")
    odd.times = 1000

    with moto.faults(odd), pytest.raises(LedgerUnavailable) as exc:
        ledger.mark_verified("notify.example.com")

    assert one_line(exc) == (
        f"ledger: DynamoDB table {ledger.table} in {REGION} at {ledger.endpoint}: transact_write_items was"
        " cancelled (None, ItemCollectionSizeLimitExceeded)"
    )
    assert odd.served == 1
    assert ledger.get("notify.example.com") == LedgerEntry("notify.example.com", "triggered", PENDING)


# --- what moto lets pass but DynamoDB refuses or does differently ----------------------------------

_EXPRESSION_WORDS = {
    "AND",
    "OR",
    "NOT",
    "IN",
    "SET",
    "ADD",
    "REMOVE",
    "DELETE",
    "attribute_exists",
    "attribute_not_exists",
    "begins_with",
    "contains",
    "size",
}
_EXPRESSIONS = ("ConditionExpression", "UpdateExpression", "KeyConditionExpression", "FilterExpression")


@pytest.fixture
def requests(ledger: DynamoDbLedger) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every request the ledger's (real, cached) client sends during the test, as (operation, params)."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        seen.append((model.name, params))

    client = ddb._client(ledger.region, ledger.endpoint, ledger.profile)
    client.meta.events.register("provide-client-params.dynamodb.*", record)
    yield seen
    client.meta.events.unregister("provide-client-params.dynamodb.*", record)


def operations(requests: list[tuple[str, dict[str, Any]]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each single operation, with those inside a TransactWriteItems taken one by one."""
    for name, params in requests:
        if name == "TransactWriteItems":
            for item in params["TransactItems"]:
                ((kind, op),) = item.items()
                yield f"TransactWriteItems.{kind}", op
        else:
            yield name, params


def exercise(ledger: DynamoDbLedger) -> None:
    """Every step, including the refusals, so every request shape is sent once."""
    ledger.register("a.example.com", "batch")
    ledger.register("b.example.com", "batch")
    ledger.retype("a.example.com", "triggered")
    ledger.mark_verified("a.example.com")
    with pytest.raises(VerifiedDomainProtected):
        ledger.retype("a.example.com", "batch")
    with pytest.raises(VerifiedDomainProtected):
        ledger.remove("a.example.com")
    ledger.remove("b.example.com")
    ledger.entries()
    full = DynamoDbLedger(ledger.table, ledger.region, 1, account=ledger.account, endpoint=ledger.endpoint)
    with pytest.raises(QuotaExceeded):
        full.register("c.example.com", "batch")
    # Sender addresses (issue 26): every step and refusal.
    ledger.create_address("x@a.example.com", "X")
    ledger.create_address("x@a.example.com", "X")  # taken over
    ledger.set_smtp_password("x@a.example.com", "Abcdefgh12")
    ledger.set_unsubscribe("x@a.example.com", 2)
    with pytest.raises(KeyError):
        ledger.set_unsubscribe("missing@a.example.com", 2)
    with pytest.raises(DomainNotVerified):
        ledger.create_address("x@pending.example.com", "X")
    one = DynamoDbLedger(ledger.table, ledger.region, 5, sender_quota=1, account=ledger.account,
                         endpoint=ledger.endpoint)  # fmt: skip
    with pytest.raises(SenderQuotaExceeded):
        one.create_address("y@a.example.com", "Y")
    ledger.addresses("a.example.com")
    ledger.delete_address("x@a.example.com")
    ledger.delete_address("x@a.example.com")  # missing: fine


def test_every_attribute_name_is_escaped_and_every_placeholder_used(ledger: DynamoDbLedger, requests) -> None:
    """DynamoDB refuses reserved words (status, count, ...) as bare names and unused #names or :values."""
    exercise(ledger)
    ops = list(operations(requests))
    assert {name for name, _ in ops} >= {
        "GetItem",
        "Query",
        "UpdateItem",
        "DeleteItem",
        "TransactWriteItems.Put",
        "TransactWriteItems.ConditionCheck",
        "TransactWriteItems.Update",
        "TransactWriteItems.Delete",
    }
    for name, op in ops:
        text = " ".join(op.get(e, "") for e in _EXPRESSIONS)
        tokens = re.findall(r"[#:]?[A-Za-z_][A-Za-z0-9_]*", text)
        assert [t for t in tokens if t[0] not in "#:" and t not in _EXPRESSION_WORDS] == [], (name, text)
        assert {t for t in tokens if t[0] == "#"} == set(op.get("ExpressionAttributeNames", {})), (name, op)
        assert {t for t in tokens if t[0] == ":"} == set(op.get("ExpressionAttributeValues", {})), (name, op)


def test_every_read_is_strongly_consistent_and_every_transaction_small(ledger: DynamoDbLedger, requests) -> None:
    """moto is always consistent; DynamoDB reads are eventually consistent unless asked otherwise."""
    exercise(ledger)
    names = [name for name, _ in requests]
    assert {"GetItem", "Query", "TransactWriteItems"} <= set(names)  # the loop below checks something
    for name, params in requests:
        if name in ("GetItem", "Query"):
            assert params.get("ConsistentRead") is True, (name, params)
        if name == "TransactWriteItems":
            assert len(params["TransactItems"]) <= 100
            assert 1 <= len(params["ClientRequestToken"]) <= 36
            ops = [next(iter(item.values())) for item in params["TransactItems"]]
            keys = [str(op.get("Key") or {k: op["Item"][k] for k in ("account", "entry")}) for op in ops]
            assert len(keys) == len(set(keys))  # DynamoDB refuses two operations on one item


# --- clients --------------------------------------------------------------------------------------


def test_the_ledger_is_plain_data(ledger: DynamoDbLedger) -> None:
    ledger.get("warm.example.com")  # a client exists now, in the cache, not on the ledger
    assert {k: type(v).__name__ for k, v in vars(ledger).items()} == {
        "quota": "int",
        "sender_quota": "int",
        "table": "str",
        "region": "str",
        "account": "str",
        "endpoint": "str",
        "profile": "NoneType",
    }
    assert b"botocore" not in pickle.dumps(ledger)


def test_one_client_per_process_and_settings_even_from_many_threads() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # never called: building a client makes no request
    clients: list[Any] = []
    start = threading.Barrier(12)

    def build() -> None:
        start.wait(timeout=30)
        clients.append(ddb._client(REGION, endpoint, None))

    threads = [threading.Thread(target=build) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert len(clients) == 12 and len({id(c) for c in clients}) == 1
    assert ddb._client("eu-west-1", endpoint, None) is not clients[0]
    assert clients[0].meta.endpoint_url == endpoint
    assert clients[0].meta.region_name == REGION
