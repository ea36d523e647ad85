"""moto's server on loopback for tests of the AWS parts (DynamoDB ledger, Route53), plus fake credentials.

Two differences from plain ThreadedMotoServer, both on purpose:
- requests are served ONE AT A TIME. moto's backends take no lock: two TransactWriteItems arriving together
  interleave item by item, and a cancelled one restores a copy of the whole table, wiping the other's write.
  Real DynamoDB runs each request atomically (transactions are serializable); serving requests one at a time
  gives moto that guarantee, while clients in many processes still race for real.
- `faults`: answer the next matching requests with a canned error instead of asking moto, for what moto
  never produces (DynamoDB's TransactionConflict, throttling).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

# Fake, and nothing else: no real profile, config file or instance role can take part in a test.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/dms-tests/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/dms-tests/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
CLEARED_AWS_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


@contextmanager
def fake_aws_credentials() -> Iterator[None]:
    """Set FAKE_AWS_ENV (and drop profile and endpoint variables) until the block ends."""
    with pytest.MonkeyPatch.context() as patch:
        for name in CLEARED_AWS_ENV:
            patch.delenv(name, raising=False)
        for name, value in FAKE_AWS_ENV.items():
            patch.setenv(name, value)
        yield


@dataclass(eq=False)
class Fault:
    """Answer `times` requests that `matches` with this status and body."""

    matches: Callable[[Environ], bool]
    status: str
    body: bytes
    content_type: str
    times: int
    served: int = field(default=0)


def dynamodb_error(target: str, code: str, message: str, **extra: Any) -> Fault:
    """A DynamoDB JSON-protocol error for requests to `target` (e.g. "TransactWriteItems")."""
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra})
    return Fault(
        matches=lambda environ: environ.get("HTTP_X_AMZ_TARGET") == f"DynamoDB_20120810.{target}",
        status="400 Bad Request",
        body=body.encode(),
        content_type="application/x-amz-json-1.0",
        times=1,
    )


def transaction_cancelled(*codes: str) -> Fault:
    """TransactWriteItems cancelled with one reason per item, e.g. ("TransactionConflict", "None")."""
    return dynamodb_error(
        "TransactWriteItems",
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{', '.join(codes)}]",
        CancellationReasons=[{"Code": c, **({"Message": c} if c != "None" else {})} for c in codes],
    )


class _OneAtATime:
    """WSGI middleware: serve injected faults, else pass the request to moto under one lock."""

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.faults_lock = threading.Lock()
        self.changes_pending = False  # Route53 changes reported PENDING, as for the first seconds on AWS
        self.insync_after = 0.0  # or: each change PENDING for this many seconds after it was made
        self.made: dict[bytes, float] = {}  # change id: when
        self.changes_made = 0
        self.get_change_calls = 0

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        with self.faults_lock:
            fault = next((f for f in self.faults if f.served < f.times and f.matches(environ)), None)
            if fault is not None:
                fault.served += 1
        if fault is not None:
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            start_response(
                fault.status, [("Content-Type", fault.content_type), ("Content-Length", str(len(fault.body)))]
            )
            return [fault.body]
        route53_change = _is_route53_change(environ)
        with self.lock:
            self.get_change_calls += route53_change == "GetChange"
            if not (route53_change and (self.changes_pending or self.insync_after)):
                # Read the whole answer inside the lock: moto may build it lazily.
                return [b"".join(self.app(environ, start_response))]
            answer: dict[str, Any] = {}
            body = b"".join(
                self.app(environ, lambda status, headers, *_: answer.update(status=status, headers=headers))
            )
            if route53_change == "ChangeResourceRecordSets":
                # moto names every change C2682N5HXP0BZ4; Route53 names each its own.
                self.changes_made += 1
                body = re.sub(
                    rb"<Id>/change/[^<]+</Id>", f"<Id>/change/CDMS{self.changes_made:010d}</Id>".encode(), body
                )
            found = re.search(rb"<Id>(?:/change/)?([^<]+)</Id>", body)
            made = self.made.setdefault(found.group(1), time.monotonic()) if found else time.monotonic()
        if self.changes_pending or time.monotonic() - made < self.insync_after:
            body = body.replace(b"<Status>INSYNC</Status>", b"<Status>PENDING</Status>")
        headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in answer["headers"]]
        start_response(answer["status"], headers)
        return [body]


def _is_route53_change(environ: Environ) -> str | None:
    """ "ChangeResourceRecordSets" or "GetChange" for those Route53 requests, else None."""
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    if method == "POST" and path.startswith("/2013-04-01/hostedzone/") and path.rstrip("/").endswith("/rrset"):
        return "ChangeResourceRecordSets"
    if method == "GET" and path.startswith("/2013-04-01/change/"):
        return "GetChange"
    return None


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # one line per request is only noise in tests
        pass


class MotoServer(ThreadedMotoServer):
    """moto on 127.0.0.1:<free port> in a thread of this process; `endpoint` is its URL."""

    def __init__(self) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self._app = _OneAtATime(DomainDispatcherApplication(create_backend_app))

    def _server_entry(self) -> None:
        # As ThreadedMotoServer's, with our middleware around moto's app and port 0 (the OS picks a free one).
        self._server = make_server(
            self._ip_address, self._port, self._app, threaded=True, request_handler=_QuietHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def endpoint(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    @property
    def changes_pending(self) -> bool:
        """While True, Route53 changes stay PENDING (moto's are INSYNC at once)."""
        return self._app.changes_pending

    @changes_pending.setter
    def changes_pending(self, value: bool) -> None:
        self._app.changes_pending = value

    @property
    def insync_after(self) -> float:
        """Seconds each Route53 change stays PENDING after it was made (0: INSYNC at once, as moto does)."""
        return self._app.insync_after

    @insync_after.setter
    def insync_after(self, seconds: float) -> None:
        self._app.insync_after = seconds

    @property
    def get_change_calls(self) -> int:
        return self._app.get_change_calls

    @contextmanager
    def faults(self, *faults: Fault) -> Iterator[list[Fault]]:
        """Inject `faults` for the block; yields them so a test can check how many were served."""
        with self._app.faults_lock:
            self._app.faults.extend(faults)
        try:
            yield list(faults)
        finally:
            with self._app.faults_lock:
                for fault in faults:
                    self._app.faults.remove(fault)


@contextmanager
def running_moto() -> Iterator[MotoServer]:
    """A started MotoServer with fake credentials in the environment, both undone at the end."""
    with fake_aws_credentials():
        server = MotoServer()
        server.start()
        try:
            yield server
        finally:
            server.stop()


def _route53_as_aws() -> None:
    """Two places where moto 5.2.5 is more lenient or stricter than Route53, put right for our tests.

    - Route53 refuses a whole batch when a CREATE finds its set already there, or a DELETE doesn't
      name the set's current TTL and values exactly. moto accepts both (it checks its journal of past
      changes instead), and our compare-and-swap writes rely on Route53's rule: it is checked here,
      change by change in batch order, before moto sees the batch.
    - moto refuses a CREATE that repeats an earlier CREATE of the zone's journal even after that set was
      deleted; Route53 accepts it. Such journal entries of sets that no longer exist are dropped.
    """
    from moto.route53.exceptions import Route53ClientError
    from moto.route53.models import Route53Backend

    original = Route53Backend.change_resource_record_sets
    if getattr(original, "dms_fixed", False):
        return

    def refused(message: str) -> Route53ClientError:
        return Route53ClientError("InvalidChangeBatch", message)

    def key(rrset: Any) -> tuple[str, str]:
        name = rrset["Name"] if isinstance(rrset, dict) else rrset.name
        return name.strip(".").lower(), rrset["Type"] if isinstance(rrset, dict) else rrset.type

    def change_resource_record_sets(self: Route53Backend, zoneid: str, change_list: list[dict[str, Any]]) -> None:
        zone = self.get_hosted_zone(zoneid)
        current = {key(r): (int(r.ttl or 0), sorted(r.records)) for r in zone.rrsets if not r.set_identifier}
        for change in change_list:
            rrset, action = change["ResourceRecordSet"], change["Action"]
            if "SetIdentifier" in rrset or "AliasTarget" in rrset:
                continue
            name, rtype = key(rrset)
            given = (int(rrset.get("TTL", 0)), sorted(r["Value"] for r in rrset.get("ResourceRecords", [])))
            where = f"[name='{name}.', type='{rtype}']"
            if action == "CREATE" and (name, rtype) in current:
                raise refused(f"Tried to create resource record set {where} but it already exists")
            if action == "DELETE" and (name, rtype) not in current:
                raise refused(f"Tried to delete resource record set {where} but it was not found")
            if action == "DELETE" and current[(name, rtype)] != given:
                raise refused(
                    f"Tried to delete resource record set {where} but the values provided do not match the"
                    " current values"
                )
            if action == "DELETE":
                del current[(name, rtype)]
            else:
                current[(name, rtype)] = given
        for change in change_list:
            rrset = change["ResourceRecordSet"]
            if change["Action"] == "CREATE" and not any(key(r) == key(rrset) for r in zone.rrsets):
                stale = [
                    c
                    for c in zone.rr_changes
                    if c["Action"] == "CREATE"
                    and c == {**change, "ResourceRecordSet": {**rrset, "Name": rrset["Name"].strip(".")}}
                ]
                for entry in stale:
                    zone.rr_changes.remove(entry)
        original(self, zoneid, change_list)

    change_resource_record_sets.dms_fixed = True  # type: ignore[attr-defined]
    Route53Backend.change_resource_record_sets = change_resource_record_sets  # type: ignore[method-assign]


_route53_as_aws()
