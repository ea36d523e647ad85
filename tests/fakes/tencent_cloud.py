"""A local Tencent Cloud API endpoint: SES (2020-10-02) sender domains and DNSPod (2021-03-23) records.

The official SDK clients are pointed at it with `HttpProfile(endpoint="127.0.0.1:PORT", protocol="http")`.
It speaks the documented wire protocol, not the SDK's Python objects, and is as strict as the service's
documents make it (each behaviour below says where it comes from; docs/tencent.md lists them all, and
marks the assumptions, each tested both ways):

- every request is a TC3-HMAC-SHA256-signed POST of JSON, checked against the known SecretId/SecretKey
  (signature v3 doc); a parameter the SDK's request model does not have is `UnknownParameter`;
- every answer is HTTP 200 with `{"Response": {..., "RequestId"}}`; what it holds is read back through the
  SDK's own response model (tests/fakes/sdk_models.py) and any unknown field or wrong type is recorded in
  `model_problems` (the fixture fails a test that caused one); every error code it answers exists in the
  service's errorcodes.py or among the common codes, or the fake refuses to answer it;
- each action allows so many requests a second (the API docs: 20 for every SES action, 100 for
  DescribeRecordList, 500 for CreateRecord, 20 otherwise), past that `RequestLimitExceeded`;
- `clock` drives everything that takes time (limits, propagation, lag), so tests move time without sleeping.

SES keeps sender domains with their DKIM key (made here; the selector and the value's form are the
service's choice, configurable to show that nothing is hard-coded), counts them against a domain limit,
refuses a domain another account holds or one created twice, refuses to delete a domain that still has
sender addresses, and on `UpdateEmailIdentity` checks the records by asking DNS (the local Knot, over TCP,
independently of the code under test), seeing a change only `propagation` seconds after DNSPod made it.

DNSPod keeps a zone's records by RecordId, on lines (the site's default line "默认" or "Default", id "0",
and others), enabled or disabled, with or without a weight, of the types it offers (SPF among them), and
mirrors what its default line serves to the same Knot zone with TSIG-signed dynamic updates, so what the SES
side checks is what DNSPod published.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.update
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devtools.localdns import ALGORITHM, KEY_NAME, LocalDnsServer
from tests.fakes import sdk_models

SES_VERSION = "2020-10-02"
DNSPOD_VERSION = "2021-03-23"
SES_REGIONS = ("ap-guangzhou", "ap-hongkong", "ap-singapore")
SPF_INCLUDE = "qcloudmail.com"
MX_EXCHANGE = "mxbiz1.qq.com"
# The default line's name on each site (CreateRecord's doc: "in Chinese, e.g. 默认"; the international site's
# examples: "RecordLine": "Default"); its id is "0" on both (DescribeRecordLineList's example).
DEFAULT_LINES = {"china": "默认", "intl": "Default"}
OTHER_LINES = {"电信": "10=0", "境外": "3=0"}  # DescribeRecordLineList's example
DEFAULT_LINE_ID = "0"
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS", "CAA", "SRV", "SPF")  # DescribeRecordList: "...SPF等"
MAX_SKEW = 300  # seconds; the API refuses older signatures
SES_RATE = 20  # every SES action's doc: "A maximum of 20 requests can be initiated per second"
DNSPOD_RATES = {"DescribeRecordList": 100, "CreateRecord": 500}  # their docs; the others: 20
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class ApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


class DroppedAnswer(Exception):
    """Close the connection without an answer: the SDK reports ClientNetworkError."""


@dataclass
class Fault:
    """The next `times` requests (of `action`, or any of `service`) fail this way; `applied`: after doing it."""

    service: str
    code: str | None  # None: the connection drops, no answer at all
    times: int
    action: str | None = None
    applied: bool = False


@dataclass
class Identity:
    name: str
    dkim_option: int
    selector: str
    dkim_value: str
    tags: list[dict[str, str]]
    verified: bool = False
    checked_at: float | None = None  # when the service last checked DNS (clock)
    current: dict[str, str] = field(default_factory=dict)  # attribute key -> what DNS showed
    status: dict[str, bool] = field(default_factory=dict)
    extra: list[dict[str, str]] = field(default_factory=list)  # records of other types the service asks for
    key_bits: int = 2048  # the length of dkim_value's key
    # Dual signing (DKIMOption 2): the other key (selector, value, bits), and whether its record is asked for.
    dual: tuple[str, str, int] | None = None
    dual_shown: bool = True

    def expected(self) -> list[dict[str, str]]:
        return [*self._four(), *self.extra]

    def signing_keys(self) -> list[tuple[str, str]]:
        """(selector, record value) of each key the service signs mail with now: both, while dual signing."""
        both = self.dkim_option == 2 and self.dual is not None
        return [(self.selector, self.dkim_value), *([self.dual[:2]] if both and self.dual else [])]

    def _four(self) -> list[dict[str, str]]:
        keys = [(self.selector, self.dkim_value)]
        if self.dkim_option == 2 and self.dual is not None and self.dual_shown:
            keys.append(self.dual[:2])
        return [
            {"Type": "TXT", "SendDomain": self.name, "ExpectedValue": f"v=spf1 include:{SPF_INCLUDE} ~all"},
            *(
                {"Type": "TXT", "SendDomain": f"{selector}._domainkey.{self.name}", "ExpectedValue": value}
                for selector, value in keys
            ),
            {"Type": "MX", "SendDomain": self.name, "ExpectedValue": MX_EXCHANGE},
            {"Type": "TXT", "SendDomain": f"_dmarc.{self.name}", "ExpectedValue": "v=DMARC1; p=none"},
        ]

    def attributes(self) -> list[dict[str, Any]]:
        out = []
        for attr in self.expected():
            key = _attr_key(attr)
            out.append({**attr, "CurrentValue": self.current.get(key, ""), "Status": self.status.get(key, False)})
        return out


@dataclass
class Sender:
    address: str  # lower case
    name: str
    created: int  # CreatedTimestamp (seconds)

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


_SENDER = re.compile(r"^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


@dataclass
class Record:
    id: int
    name: str  # relative: "@" for the apex; kept as given
    type: str
    value: str
    mx: int
    ttl: int
    line: str
    line_id: str = DEFAULT_LINE_ID
    status: str = "ENABLE"
    weight: int | None = None
    remark: str = ""
    updated: str = ""
    created_at: float = 0.0
    default_ns: bool = False

    def served_on_default_line(self) -> bool:
        # A weight of 0 "表示关闭" (CreateRecord's doc): assumed not served, like a disabled record.
        return self.line_id == DEFAULT_LINE_ID and self.status == "ENABLE" and self.weight != 0

    def to_api(self, txt_answer: str) -> dict[str, Any]:
        value = self.value
        if self.type in ("TXT", "SPF") and txt_answer == "quoted":
            value = _quoted(value)
        return {
            "RecordId": self.id,
            "Value": value,
            "Status": self.status,
            "UpdatedOn": self.updated,
            "Name": self.name,
            "Line": self.line,
            "LineId": self.line_id,
            "Type": self.type,
            "Weight": self.weight,
            "MonitorStatus": "",
            "Remark": self.remark,
            "TTL": self.ttl,
            "MX": self.mx,
            "DefaultNS": self.default_ns,
        }


@dataclass
class DnsBackend:
    """Where DNSPod's zone is served: a DNS server taking TSIG-signed updates (the local Knot)."""

    host: str
    port: int
    zone: str
    key_name: str
    key_algorithm: str
    key_secret: str = field(repr=False)


class FakeTencentCloud:
    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        dns: DnsBackend,
        *,
        domain_limit: int = 10,
        dkim_selector: str = "qcloud",
        dkim_value_format: str = "v=DKIM1; k=rsa; p={key}",
        site: str = "china",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.secret_id, self.secret_key = secret_id, secret_key  # what a test's client signs with
        self._keys = {secret_id: secret_key}
        self.dns = dns
        self.domain_limit = domain_limit
        self.dkim_selector = dkim_selector
        self.dkim_value_format = dkim_value_format
        self.site = site  # which default line name DNSPod speaks: "china" (默认) or "intl" (Default)
        self.clock = clock
        # Documented behaviours with a number to choose:
        self.min_ttl = 600  # the zone's plan's minimum TTL (CreateRecord: "不同套餐域名最小值不同"); free: 600
        self.propagation = 0.0  # seconds before the service's check sees a DNS change (guide: 1 to 10 minutes)
        self.index_delay = 0.0  # seconds a new record stays out of DescribeRecordList (its doc: retry after 30 s)
        # Assumptions (docs/tencent.md), each tested both ways:
        # A TXT value's longest length: DNSPod's help text gives 512 characters (no API document does).
        self.txt_limit: int | None = 512
        # A ModifyRecord repeated with what the record already holds (a retry whose first try went through):
        # "succeeds" again, or answers "exists" (InvalidParameter.DomainRecordExist, as a create would).
        self.repeat_modify = "succeeds"
        # DNSPod's business throttles on writes (issue 26, item 8): at most `write_limit` (count, seconds) writes
        # per window, past that `write_throttle_code`: FailedOperation.FrequencyLimit ("too frequent, retry later")
        # or InvalidParameter.OperationIsTooFrequent ("retry in 1 minute"). None: no such limit.
        self.write_limit: tuple[int, float] | None = None
        self.write_throttle_code = "FailedOperation.FrequencyLimit"
        self._writes: list[float] = []  # when the writes counted by write_limit were carried out
        self.txt_answer = "plain"  # DescribeRecordList gives TXT values "plain" or "quoted" (split, quoted)
        self.spf_served_as = "TXT"  # what DNS serves for DNSPod's SPF type: TXT, or the SPF type (99)
        self.disabled_blocks_create = True  # a disabled record with the same value answers DomainRecordExist
        self.refuses_verified_delete = True  # DeleteEmailIdentity of a verified domain: NotAllowDelete
        self.delete_lag = 0.0  # after a delete, CreateEmailIdentity still answers RepeatCreation this long
        self.reverts_after: float | None = None  # a verified domain is checked again this often, and reverts
        self.dmarc_rule = "any"  # the service's DMARC check: "any" v=DMARC1 record, or "exact" its value
        self.dnspod_throttle_code = "RequestLimitExceeded.RequestLimitExceeded"  # or "RequestLimitExceeded"
        # UpdateEmailIdentity's DKIMOption on a domain that exists (SDK >= 3.1.124); what the service does then
        # is not documented. Whether a change drops VerifiedForSendingStatus until the new records are checked:
        self.dkim_change_unverifies = False
        # Whether dual signing (2) asks for both keys' records (2), or shows one DKIM record (1):
        self.dual_signing_records = 2
        # DNSAttributes' Type is "CNAME | A | TXT | MX": records of the other two, asked for of new domains.
        self.extra_attributes: list[dict[str, str]] = []
        self.created_by_others: set[str] = set()
        self.not_verified_as_error = False  # answer a failed check with OperationDenied.DomainNotVerified
        self.identities: dict[str, Identity] = {}
        # Sender addresses (issue 26; SES "发信地址"): see the section "SES sender addresses" below.
        self.senders: dict[str, Sender] = {}  # address -> the sender
        self.smtp_passwords: dict[str, str] = {}  # address -> the last password set (the service never returns it)
        self.unsubscribe: dict[str, tuple[str, int]] = {}  # address -> (UnsubscribeConfig, Status)
        self.sender_limit = 10  # CreateEmailAddressRequest: "发信地址总数上限为10个"
        self.sender_limit_scope = "account"  # assumption: "account" (the model: in total) or "domain" (Terraform)
        self.sender_name_max = 64  # assumption: IllegalSenderName past this length, or with < > " (none documented)
        self.repeat_unsubscribe_create = "error"  # assumption: Create on an existing config "error"s, or "replaces"
        self.reputation: dict[str, tuple[int, int]] = {}  # domain -> (CurrentReputationLevel, DailyQuota)
        self.deleted_at: dict[str, float] = {}
        self.denied: set[str] = set()  # actions the credentials may not use (CAM)
        self.records: dict[int, Record] = {}
        self.calls: list[tuple[str, str]] = []  # (service, action), refused ones too
        self.model_problems: list[str] = []  # answers the SDK's models would not read cleanly
        self._faults: list[Fault] = []
        self._window: dict[tuple[str, str], tuple[int, int]] = {}  # (service, action) -> (second, count)
        self._changed: dict[tuple[str, str], float] = {}  # (fqdn, dns type) -> when DNSPod last changed it
        self._ids = itertools.count(1_000_001)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._seed_zone()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeTencentCloud:
        handler = _handler_for(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-tencent-cloud", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def endpoint(self) -> str:
        """`http://127.0.0.1:PORT`: what the project's `endpoint` settings take."""
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- knobs for tests -------------------------------------------------------------------------

    def throttle(self, times: int, action: str | None = None, service: str = "ses") -> None:
        """Answer the next `times` requests (of `action`, or any) as over the per-second limit."""
        code = "RequestLimitExceeded" if service == "ses" else self.dnspod_throttle_code
        self.fail(code, times, action, service=service)

    def fail(
        self, code: str, times: int = 1, action: str | None = None, *, service: str = "ses", applied: bool = False
    ) -> None:
        """Answer the next `times` requests with `code`; `applied`: carry each out first (the answer is lost)."""
        if code not in sdk_models.error_codes(service):
            raise AssertionError(f"{code} is not an error code of {service} (errorcodes.py or the common codes)")
        with self._lock:
            self._faults.append(Fault(service, code, times, action, applied))

    def drop(self, times: int = 1, action: str | None = None, *, service: str = "ses", applied: bool = False) -> None:
        """Close the connection of the next `times` requests without an answer (after doing them if `applied`)."""
        with self._lock:
            self._faults.append(Fault(service, None, times, action, applied))

    def add_sender(self, address: str, name: str = "") -> None:
        """An address made elsewhere (the console), under any domain."""
        with self._lock:
            self.senders[address.lower()] = Sender(address.lower(), name, int(time.time()))

    def senders_of(self, domain: str) -> list[str]:
        return sorted(a for a, s in self.senders.items() if s.domain == domain.lower())

    def add_record(
        self,
        name: str,
        rtype: str,
        value: str,
        *,
        mx: int = 0,
        ttl: int = 600,
        line: str | None = None,
        status: str = "ENABLE",
        weight: int | None = None,
    ) -> Record:
        """A record made elsewhere (the console, another tool), on any line, in any state."""
        with self._lock:
            line = line or DEFAULT_LINES[self.site]
            line_id = DEFAULT_LINE_ID if line == DEFAULT_LINES[self.site] else OTHER_LINES[line]
            rid = next(self._ids)
            record = Record(rid, name, rtype, value, mx, ttl, line, line_id, status, weight, updated=_now())
            record.created_at = self.clock() - self.index_delay  # listed at once
            self.records[rid] = record
            self._mirror(name, rtype)
            return record

    def count(self, action: str) -> int:
        return sum(1 for _, a in self.calls if a == action)

    # -- dispatch --------------------------------------------------------------------------------

    def handle(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        service = "ses"
        try:
            service = self._authenticate(headers, body)
            action = headers.get("x-tc-action", "")
            with self._lock:
                self.calls.append((service, action))
                self._rate_limit(service, action)
                fault = self._take_fault(service, action)
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                raise ApiError("InvalidParameter", "the body is not JSON") from None
            if fault is not None and not fault.applied:
                self._answer_fault(fault)
            serve = self._ses if service == "ses" else self._dnspod
            result = serve(action, headers, params)
            if fault is not None:
                self._answer_fault(fault)
            problems = sdk_models.problems(service, action, {**result, "RequestId": request_id})
            self.model_problems += problems
            return {"Response": {**result, "RequestId": request_id}}
        except ApiError as exc:
            if exc.code not in sdk_models.error_codes(service):
                self.model_problems.append(f"answered {exc.code}, which {service}'s errorcodes.py does not have")
            return {"Response": {"Error": {"Code": exc.code, "Message": exc.message}, "RequestId": request_id}}

    def _rate_limit(self, service: str, action: str) -> None:
        limit = SES_RATE if service == "ses" else DNSPOD_RATES.get(action, 20)
        second = int(self.clock())
        start, count = self._window.get((service, action), (second, 0))
        count = count + 1 if start == second else 1
        self._window[(service, action)] = (second, count)
        if count > limit:
            code = "RequestLimitExceeded" if service == "ses" else self.dnspod_throttle_code
            raise ApiError(code, "The number of requests exceeds the frequency limit.")

    def _take_fault(self, service: str, action: str) -> Fault | None:
        for fault in self._faults:
            if fault.service == service and fault.action in (None, action) and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    @staticmethod
    def _answer_fault(fault: Fault) -> None:
        if fault.code is None:
            raise DroppedAnswer()
        raise ApiError(fault.code, "an injected fault")

    def _authenticate(self, headers: dict[str, str], body: bytes) -> str:
        auth = headers.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        if algorithm != "TC3-HMAC-SHA256":
            raise ApiError("AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256")
        parts = dict(p.strip().split("=", 1) for p in rest.split(",") if "=" in p)
        try:
            secret_id, date, service, terminator = parts["Credential"].split("/")
            signed_headers = parts["SignedHeaders"].split(";")
            signature = parts["Signature"]
            timestamp = int(headers["x-tc-timestamp"])
        except (KeyError, ValueError):
            raise ApiError("AuthFailure.InvalidAuthorization", "malformed Authorization") from None
        if terminator != "tc3_request" or service not in ("ses", "dnspod"):
            raise ApiError("AuthFailure.InvalidAuthorization", f"bad credential scope {service}/{terminator}")
        if abs(time.time() - timestamp) > MAX_SKEW:
            raise ApiError("AuthFailure.SignatureExpire", "signature expired: X-TC-Timestamp is too far from now")
        if datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d") != date:
            raise ApiError("AuthFailure.SignatureFailure", "the credential date is not the timestamp's UTC date")
        if not {"content-type", "host"} <= set(signed_headers):
            raise ApiError("AuthFailure.SignatureFailure", "content-type and host must be signed")
        secret_key = self._keys.get(secret_id)
        if secret_key is None:
            raise ApiError("AuthFailure.SecretIdNotFound", "the SecretId is not found")
        canonical_headers = "".join(f"{h}:{headers.get(h, '').strip().lower()}\n" for h in signed_headers)
        canonical_request = "\n".join(
            ["POST", "/", "", canonical_headers, ";".join(signed_headers), hashlib.sha256(body).hexdigest()]
        )
        scope = f"{date}/{service}/tc3_request"
        to_sign = "\n".join(
            ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
        )
        k_date = hmac.new(("TC3" + secret_key).encode(), date.encode(), hashlib.sha256).digest()
        k_service = hmac.new(k_date, service.encode(), hashlib.sha256).digest()
        k_signing = hmac.new(k_service, b"tc3_request", hashlib.sha256).digest()
        expected = hmac.new(k_signing, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise ApiError("AuthFailure.SignatureFailure", "the request signature does not match")
        return service

    @staticmethod
    def _known_params(service: str, action: str, params: dict[str, Any]) -> None:
        unknown = sorted(set(params) - sdk_models.request_fields(service, action))
        if unknown:
            raise ApiError("UnknownParameter", f"{action} has no parameter {', '.join(unknown)}")

    # -- SES -------------------------------------------------------------------------------------

    def _ses(self, action: str, headers: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
        if headers.get("x-tc-version") != SES_VERSION:
            raise ApiError("InvalidParameter", f"version {headers.get('x-tc-version')} is not {SES_VERSION}")
        if headers.get("x-tc-region") not in SES_REGIONS:
            raise ApiError("UnsupportedRegion", f"SES is not offered in region {headers.get('x-tc-region')!r}")
        handlers = {
            "CreateEmailIdentity": self._create_identity,
            "GetEmailIdentity": self._get_identity,
            "UpdateEmailIdentity": self._update_identity,
            "ListEmailIdentities": self._list_identities,
            "DeleteEmailIdentity": self._delete_identity,
            "ListEmailAddress": self._list_senders,
            "CreateEmailAddress": self._create_sender,
            "DeleteEmailAddress": self._delete_sender,
            "UpdateEmailSmtpPassWord": self._set_smtp_password,
            "CreateAddressUnsubscribeConfig": self._create_unsubscribe,
            "UpdateAddressUnsubscribeConfig": self._update_unsubscribe,
            "DeleteAddressUnsubscribeConfig": self._delete_unsubscribe,
            "ListAddressUnsubscribeConfig": self._list_unsubscribe,
        }
        if action not in handlers:
            raise ApiError("InvalidAction", f"{action} is not an SES action here")
        if action in self.denied:
            raise ApiError("AuthFailure.UnauthorizedOperation", f"the key may not use ses:{action}")
        self._known_params("ses", action, params)
        with self._lock:
            return handlers[action](params)

    def _identity(self, params: dict[str, Any]) -> Identity:
        name = _domain_param(params)
        identity = self.identities.get(name)
        if identity is None:
            raise ApiError("InvalidParameterValue.NotExistDomain", "The domain is not created yet.")
        self._maybe_revert(identity)
        return identity

    @staticmethod
    def _shape(identity: Identity, with_tags: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "IdentityType": "DOMAIN",
            "VerifiedForSendingStatus": identity.verified,
            "Attributes": identity.attributes(),
            "DKIMOption": identity.dkim_option,
        }
        if with_tags:
            out["TagList"] = identity.tags
        return out

    def _create_identity(self, params: dict[str, Any]) -> dict[str, Any]:
        name = _domain_param(params)
        if name in self.created_by_others:
            raise ApiError("InvalidParameterValue.CreatedByOther", "Created by another account.")
        lagging = self.clock() - self.deleted_at.get(name, float("-inf")) < self.delete_lag
        if name in self.identities or lagging:
            raise ApiError("InvalidParameterValue.RepeatCreation", "The domain is already created.")
        if len(self.identities) >= self.domain_limit:
            raise ApiError("OperationDenied.ExceedDomainLimit", "The maximum number of sender domains is exceeded.")
        option = params.get("DKIMOption", 0)
        if option not in (0, 1):  # CreateEmailIdentityRequest: 0 is 1024, 1 is 2048
            raise ApiError("InvalidParameterValue", "DKIMOption must be 0 (1024) or 1 (2048)")
        tags = params.get("TagList") or []
        if not all(isinstance(t, dict) and set(t) == {"TagKey", "TagValue"} for t in tags):
            raise ApiError("InvalidParameter", "TagList entries are {TagKey, TagValue}")
        bits = 2048 if option == 1 else 1024
        key = _public_key(bits)
        identity = Identity(name, option, self.dkim_selector, self.dkim_value_format.format(key=key), tags)
        identity.key_bits = bits
        identity.extra = [dict(a) for a in self.extra_attributes]
        self.identities[name] = identity
        return self._shape(identity)

    def _get_identity(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._shape(self._identity(params), with_tags=True)

    def _update_identity(self, params: dict[str, Any]) -> dict[str, Any]:
        identity = self._identity(params)
        if params.get("DKIMOption") is not None:
            self._set_dkim_option(identity, params["DKIMOption"])
        # It checks the records while the domain is pending, or while a record it asks for is unchecked (a new
        # key's); a verified domain stays verified whatever that check finds (see reverts_after).
        unchecked = not all(identity.status.get(_attr_key(a)) for a in identity.expected())
        if not identity.verified or unchecked:
            identity.verified = self._check_dns(identity) or identity.verified
            if not identity.verified and self.not_verified_as_error:
                # Assumption: a DKIMOption in the same request was taken before this answer.
                raise ApiError("OperationDenied.DomainNotVerified", "Domain verification failed.")
        return self._shape(identity)

    def _set_dkim_option(self, identity: Identity, option: Any) -> None:
        """UpdateEmailIdentityRequest.DKIMOption: 0 (1024), 1 (2048) or 2 (dual signing: both lengths).

        Assumed (docs/tencent.md), each tested both ways: the key of a length kept through dual signing is the
        one the domain keeps after it; the other key's record is at a selector of its own; a change drops
        VerifiedForSendingStatus (`dkim_change_unverifies`); dual signing asks for both records
        (`dual_signing_records`)."""
        if isinstance(option, bool) or option not in (0, 1, 2):
            raise ApiError("InvalidParameterValue", "DKIMOption must be 0 (1024), 1 (2048) or 2 (dual signing)")
        if option == identity.dkim_option:
            return
        if option == 2:
            bits = 1024 if identity.key_bits == 2048 else 2048
            selector = self.dkim_selector + "2" if identity.selector == self.dkim_selector else self.dkim_selector
            identity.dual = (selector, self.dkim_value_format.format(key=_public_key(bits)), bits)
            identity.dual_shown = self.dual_signing_records == 2
        else:
            bits = 2048 if option == 1 else 1024
            if identity.dual is not None and identity.dual[2] == bits:
                identity.selector, identity.dkim_value, identity.key_bits = identity.dual
            elif identity.key_bits != bits:  # one length to the other: a new key at the same selector
                identity.dkim_value = self.dkim_value_format.format(key=_public_key(bits))
                identity.key_bits = bits
            identity.dual = None
        identity.dkim_option = option
        for attr in identity.expected():  # the DKIM records it asks for now are unchecked
            if "._domainkey." in attr["SendDomain"]:
                identity.status.pop(_attr_key(attr), None)
                identity.current.pop(_attr_key(attr), None)
        if self.dkim_change_unverifies:
            identity.verified = False

    def _list_identities(self, params: dict[str, Any]) -> dict[str, Any]:
        limit = int(params.get("Limit", 100))
        offset = int(params.get("Offset", 0))
        if limit > 100:
            raise ApiError("FailedOperation.InvalidLimit", "The query limit is exceeded: Limit is at most 100.")
        wanted = [(t.get("TagKey"), t.get("TagValue")) for t in params.get("TagList") or []]
        everything = [
            i
            for i in sorted(self.identities.values(), key=lambda i: i.name)
            # The TagList filter (ListEmailIdentitiesRequest): assumed to keep domains with every tag given.
            if all({"TagKey": k, "TagValue": v} in i.tags for k, v in wanted)
        ]
        for identity in everything:
            self._maybe_revert(identity)
        page = everything[offset : offset + limit]
        return {
            "EmailIdentities": [
                {
                    "IdentityName": i.name,
                    "IdentityType": "DOMAIN",
                    "SendingEnabled": i.verified,
                    "CurrentReputationLevel": self.reputation.get(i.name, (0, 0))[0],
                    "DailyQuota": self.reputation.get(i.name, (0, 0))[1],
                    "SendIp": [],
                    "TagList": i.tags,
                    "DKIMOption": i.dkim_option,
                }
                for i in page
            ],
            "MaxReputationLevel": 0,
            "MaxDailyQuota": 0,
            "Total": len(everything),
        }

    def _delete_identity(self, params: dict[str, Any]) -> dict[str, Any]:
        identity = self._identity(params)
        if self.senders_of(identity.name):
            raise ApiError(
                "OperationDenied.SenderWithDomainIsNotEmpty", "The sender addresses of the domain are not empty."
            )
        if identity.verified and self.refuses_verified_delete:
            raise ApiError("OperationDenied.NotAllowDelete", "Deleting the domain is not allowed.")
        del self.identities[identity.name]
        self.deleted_at[identity.name] = self.clock()
        return {}

    # -- SES sender addresses (issue 26) ---------------------------------------------------------
    # CreateEmailAddress makes an address only under a verified domain (DomainNotVerified; an unknown domain is
    # assumed to answer the same), refuses one made before (RepeatEmailAddress), one past the limit
    # (ExceedSenderLimit: `sender_limit` per account or per domain, the assumption `sender_limit_scope`), a
    # malformed address (IllegalEmailAddress) and a sender name it won't take (IllegalSenderName, the
    # assumption `sender_name_max`). UpdateEmailSmtpPassWord checks InvalidSmtpPassWord's rule; no answer ever
    # carries a password (ListEmailAddress has SmtpPwdType). A deleted address loses its unsubscribe config.

    def _sender(self, address: Any) -> Sender:
        sender = self.senders.get(str(address or "").lower())
        if sender is None:
            raise ApiError("InvalidParameterValue.NoSuchSender", "You have no such sender address.")
        return sender

    def _list_senders(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "EmailSenders": [
                {
                    "EmailAddress": s.address,
                    "EmailSenderName": s.name,
                    "CreatedTimestamp": s.created,
                    "SmtpPwdType": 1 if s.address in self.smtp_passwords else 0,
                }
                for s in sorted(self.senders.values(), key=lambda s: s.created)
            ]
        }

    def _create_sender(self, params: dict[str, Any]) -> dict[str, Any]:
        address = str(params.get("EmailAddress") or "")
        name = str(params.get("EmailSenderName") or "")
        if not _SENDER.match(address):
            raise ApiError("InvalidParameterValue.IllegalEmailAddress", "The email address is illegal.")
        address = address.lower()
        domain = address.rpartition("@")[2]
        identity = self.identities.get(domain)
        if identity is None or not identity.verified:
            raise ApiError("OperationDenied.DomainNotVerified", "The domain is not verified.")
        if address in self.senders:
            raise ApiError("InvalidParameterValue.RepeatEmailAddress", "The email address is already created.")
        if len(name) > self.sender_name_max or any(c in name for c in '<>"'):
            raise ApiError("InvalidParameterValue.IllegalSenderName", "The sender name is illegal.")
        counted = [s for s in self.senders.values() if self.sender_limit_scope == "account" or s.domain == domain]
        if len(counted) >= self.sender_limit:
            raise ApiError("OperationDenied.ExceedSenderLimit", "The number of sender addresses exceeds the limit.")
        self.senders[address] = Sender(address, name, int(time.time()))
        return {}

    def _delete_sender(self, params: dict[str, Any]) -> dict[str, Any]:
        sender = self._sender(params.get("EmailAddress"))
        del self.senders[sender.address]
        self.smtp_passwords.pop(sender.address, None)
        self.unsubscribe.pop(sender.address, None)
        return {}

    def _set_smtp_password(self, params: dict[str, Any]) -> dict[str, Any]:
        sender = self._sender(params.get("EmailAddress"))
        password = str(params.get("Password") or "")
        digits = {c for c in password if c.isascii() and c.isdigit()}
        lower = any(c.isascii() and c.islower() for c in password)
        upper = any(c.isascii() and c.isupper() for c in password)
        if not (10 <= len(password) <= 20 and len(digits) >= 2 and lower and upper):
            raise ApiError(
                "InvalidParameterValue.InvalidSmtpPassWord",
                "The password is 10 to 20 characters with at least 2 different digits, a lower-case and an"
                " upper-case letter.",
            )
        self.smtp_passwords[sender.address] = password
        return {}

    def _unsubscribe_params(self, params: dict[str, Any]) -> tuple[Sender, str, int]:
        sender = self._sender(params.get("Address"))
        config, status = params.get("UnsubscribeConfig"), params.get("Status")
        # The model types UnsubscribeConfig as a string ("0".."10") and Status as 0 or 1.
        if not isinstance(config, str) or config not in {str(i) for i in range(11)} or status not in (0, 1):
            raise ApiError("InvalidParameterValue", "UnsubscribeConfig is 0 to 10 and Status 0 or 1.")
        return sender, config, status

    def _create_unsubscribe(self, params: dict[str, Any]) -> dict[str, Any]:
        sender, config, status = self._unsubscribe_params(params)
        if sender.address in self.unsubscribe and self.repeat_unsubscribe_create == "error":
            raise ApiError("InvalidParameterValue", "The unsubscribe config of the address exists.")
        self.unsubscribe[sender.address] = (config, status)
        return {}

    def _update_unsubscribe(self, params: dict[str, Any]) -> dict[str, Any]:
        sender, config, status = self._unsubscribe_params(params)
        if sender.address not in self.unsubscribe:
            raise ApiError("InvalidParameterValue", "The address has no unsubscribe config.")
        self.unsubscribe[sender.address] = (config, status)
        return {}

    def _delete_unsubscribe(self, params: dict[str, Any]) -> dict[str, Any]:
        sender = self._sender(params.get("Address"))
        if self.unsubscribe.pop(sender.address, None) is None:
            raise ApiError("InvalidParameterValue", "The address has no unsubscribe config.")
        return {}

    def _list_unsubscribe(self, params: dict[str, Any]) -> dict[str, Any]:
        offset, limit = int(params.get("Offset", 0)), int(params.get("Limit", 100))  # Limit is a string (model)
        if limit > 100:
            raise ApiError("FailedOperation.InvalidLimit", "The query limit is exceeded: Limit is at most 100.")
        if offset < 0:
            raise ApiError("InvalidParameterValue", "Offset is at least 0.")
        rows = sorted(self.unsubscribe.items())
        page = rows[offset : offset + limit]
        return {
            "AddressUnsubscribeConfigList": [
                {"Address": a, "UnsubscribeConfig": c, "Status": st} for a, (c, st) in page
            ],
            "Total": len(rows),
        }

    def _maybe_revert(self, identity: Identity) -> None:
        """Assumption: the service checks a verified domain again now and then, and un-verifies it on failure."""
        every = self.reverts_after
        if every is None or not identity.verified or identity.checked_at is None:
            return
        if self.clock() - identity.checked_at >= every:
            identity.verified = self._check_dns(identity)

    def _check_dns(self, identity: Identity) -> bool:
        """Ask DNS for each expected record and judge it the way the service's guide describes."""
        ok = True
        for attr in identity.expected():
            key = _attr_key(attr)
            if self.clock() - self._changed.get((attr["SendDomain"], attr["Type"]), float("-inf")) < self.propagation:
                found: list[str] = []  # not seen yet: DNS changes reach the service only later
            else:
                found = self._ask(attr["SendDomain"], attr["Type"])
            passed, current = _judge(attr, found, self.dmarc_rule)
            identity.current[key] = current
            identity.status[key] = passed
            ok = ok and passed
        identity.checked_at = self.clock()
        return ok

    def _ask(self, host: str, rtype: str) -> list[str]:
        query = dns.message.make_query(host, rtype)
        response = dns.query.tcp(query, self.dns.host, port=self.dns.port, timeout=5)
        if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            return []
        qname = dns.name.from_text(host)
        out = []
        for rrset in response.answer:
            if rrset.name != qname or rrset.rdtype != dns.rdatatype.from_text(rtype):
                continue
            for rd in rrset:
                if rtype == "TXT":
                    out.append(b"".join(rd.strings).decode())
                elif rtype == "MX":
                    out.append(rd.exchange.to_text().lower().rstrip("."))
                else:
                    out.append(rd.to_text().lower().rstrip("."))
        return out

    # -- DNSPod ----------------------------------------------------------------------------------

    def _seed_zone(self) -> None:
        # A DNSPod zone starts with its default NS records at the apex.
        for ns in ("f1g1ns1.dnspod.net.", "f1g1ns2.dnspod.net."):
            rid = next(self._ids)
            line = DEFAULT_LINES[self.site]
            self.records[rid] = Record(rid, "@", "NS", ns, 0, 86400, line, default_ns=True, updated=_now())

    def _dnspod(self, action: str, headers: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
        if headers.get("x-tc-version") != DNSPOD_VERSION:
            raise ApiError("InvalidParameter", f"version {headers.get('x-tc-version')} is not {DNSPOD_VERSION}")
        handlers = {
            "DescribeRecordList": self._describe_records,
            "CreateRecord": self._create_record,
            "ModifyRecord": self._modify_record,
            "DeleteRecord": self._delete_record,
        }
        if action not in handlers:
            raise ApiError("InvalidAction", f"{action} is not a DNSPod action here")
        if action in self.denied:
            raise ApiError("UnauthorizedOperation", f"the key may not use dnspod:{action}")
        self._known_params("dnspod", action, params)
        if str(params.get("Domain", "")).lower().rstrip(".") != self.dns.zone:
            raise ApiError("InvalidParameterValue.DomainNotExists", "The domain is wrong: go back and try again.")
        with self._lock:
            if action in ("CreateRecord", "ModifyRecord", "DeleteRecord"):
                self._business_throttle()
            return handlers[action](params)

    def _business_throttle(self) -> None:
        """A write past `write_limit` in its window is refused (not carried out) with `write_throttle_code`."""
        if self.write_limit is None:
            return
        count, window = self.write_limit
        now = self.clock()
        self._writes = [t for t in self._writes if now - t < window]
        if len(self._writes) >= count:
            message = {
                "FailedOperation.FrequencyLimit": "You are operating too frequently: retry later.",
                "InvalidParameter.OperationIsTooFrequent": "The operation is too frequent: retry in 1 minute.",
            }[self.write_throttle_code]
            raise ApiError(self.write_throttle_code, message)
        self._writes.append(now)

    def _line(self, params: dict[str, Any]) -> tuple[str, str] | None:
        """(line name, line id) a request names; RecordLineId takes priority over RecordLine (the models)."""
        default = DEFAULT_LINES[self.site]
        lines = {default: DEFAULT_LINE_ID, **OTHER_LINES}
        if params.get("RecordLineId") is not None:
            by_id = {v: k for k, v in lines.items()}
            if params["RecordLineId"] not in by_id:
                raise ApiError("InvalidParameter.RecordLineInvalid", "The record line is wrong.")
            return by_id[params["RecordLineId"]], params["RecordLineId"]
        if params.get("RecordLine") is not None:
            if params["RecordLine"] not in lines:  # the other site's name for the default line is no line here
                raise ApiError("InvalidParameter.RecordLineInvalid", "The record line is wrong.")
            return params["RecordLine"], lines[params["RecordLine"]]
        return None

    def _describe_records(self, params: dict[str, Any]) -> dict[str, Any]:
        sub = params.get("SubDomain") or params.get("Subdomain")  # "后端优先使用SubDomain参数"
        rtype = params.get("RecordType")
        line = self._line(params)
        limit = int(params.get("Limit", 100))
        offset = int(params.get("Offset", 0))
        if not 1 <= limit <= 3000:
            raise ApiError("InvalidParameterValue.LimitInvalid", "Limit is 1..3000")
        if offset < 0:  # the model: "the first record is 0"; errorcodes: "分页起始数量错误"
            raise ApiError("InvalidParameter.OffsetInvalid", "The paging offset is wrong.")
        listed = self.clock() - self.index_delay
        matching = [
            r
            for r in sorted(self.records.values(), key=lambda r: r.id)
            if (sub is None or r.name.lower() == sub.lower())
            and (rtype is None or r.type == rtype)
            and (line is None or r.line_id == line[1])
            and r.created_at <= listed  # "新添加的解析记录存在短暂的索引延迟"
        ]
        if not matching and params.get("ErrorOnEmpty", "yes") == "yes":
            raise ApiError("ResourceNotFound.NoDataOfRecord", "The record list is empty.")
        page = matching[offset : offset + limit]
        return {
            "RecordCountInfo": {"SubdomainCount": 0, "ListCount": len(page), "TotalCount": len(matching)},
            "RecordList": [r.to_api(self.txt_answer) for r in page],
        }

    def _record_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("SubDomain") or "@")
        labels = name.split(".") if name != "@" else []
        if not all(re.fullmatch(r"[A-Za-z0-9_*-]{1,63}", label) for label in labels):
            raise ApiError("InvalidParameter.SubdomainInvalid", "The subdomain is wrong.")
        rtype = params.get("RecordType")
        if rtype not in RECORD_TYPES:
            raise ApiError("InvalidParameter.RecordTypeInvalid", "The record type is wrong.")
        line = self._line(params)
        if line is None:
            raise ApiError("MissingParameter", "RecordLine or RecordLineId is required.")
        value = params.get("Value")
        if not isinstance(value, str) or not value:
            raise ApiError("InvalidParameter.RecordValueInvalid", "The record value is wrong.")
        if rtype in ("TXT", "SPF") and self.txt_limit is not None and len(value) > self.txt_limit:
            raise ApiError("InvalidParameter.RecordValueLengthInvalid", "The record value is too long.")
        mx = 0
        if rtype == "MX":
            mx = params.get("MX")
            if isinstance(mx, bool) or not isinstance(mx, int) or not 0 <= mx <= 65535:
                raise ApiError("InvalidParameter.MxInvalid", "The MX priority is wrong.")
        ttl = params.get("TTL", 600)
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not self.min_ttl <= ttl <= 604800:
            raise ApiError("LimitExceeded.RecordTtlLimit", "The record TTL is out of range.")
        status = params.get("Status", "ENABLE")
        if status not in ("ENABLE", "DISABLE"):
            raise ApiError("InvalidParameter", "Status is ENABLE or DISABLE.")
        weight = params.get("Weight")
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100):
            raise ApiError("InvalidParameter", "Weight is 0..100.")
        return {
            "name": name,
            "type": rtype,
            "value": value,
            "mx": mx,
            "ttl": ttl,
            "line": line[0],
            "line_id": line[1],
            "status": status,
            "weight": weight,
            "remark": str(params.get("Remark") or ""),
        }

    def _duplicate(self, fields_: dict[str, Any], other_than: int | None = None) -> bool:
        return any(
            r.id != other_than
            and r.name.lower() == fields_["name"].lower()
            and r.type == fields_["type"]
            and r.line_id == fields_["line_id"]
            and r.value == fields_["value"]
            and (r.status == "ENABLE" or self.disabled_blocks_create)
            for r in self.records.values()
        )

    def _create_record(self, params: dict[str, Any]) -> dict[str, Any]:
        fields_ = self._record_fields(params)
        if self._duplicate(fields_):
            raise ApiError("InvalidParameter.DomainRecordExist", "The record already exists: no need to add it again.")
        rid = next(self._ids)
        self.records[rid] = Record(rid, **fields_, updated=_now(), created_at=self.clock())
        self._mirror(fields_["name"], fields_["type"])
        return {"RecordId": rid}

    def _existing(self, params: dict[str, Any]) -> Record:
        record = self.records.get(params.get("RecordId"))  # type: ignore[arg-type]
        if record is None or record.default_ns:
            raise ApiError("InvalidParameter.RecordIdInvalid", "The record ID is wrong.")
        return record

    def _modify_record(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._existing(params)
        fields_ = self._record_fields(params)
        unchanged = all(getattr(record, key) == value for key, value in fields_.items())
        if self._duplicate(fields_, other_than=record.id) or (unchanged and self.repeat_modify == "exists"):
            raise ApiError("InvalidParameter.DomainRecordExist", "The record already exists: no need to add it again.")
        old = (record.name, record.type)
        for key, value in fields_.items():
            setattr(record, key, value)
        record.updated = _now()
        self._mirror(*old)
        self._mirror(record.name, record.type)
        return {"RecordId": record.id}

    def _delete_record(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._existing(params)
        del self.records[record.id]
        self._mirror(record.name, record.type)
        return {}

    def _dns_type(self, rtype: str) -> str:
        return self.spf_served_as if rtype == "SPF" else rtype

    def _mirror(self, name: str, rtype: str) -> None:
        """Make the DNS server serve exactly what the default line serves at (name, DNS type)."""
        if rtype == "NS":
            return
        served_type = self._dns_type(rtype)
        keyname = dns.name.from_text(self.dns.key_name)
        keyring = {keyname: dns.tsig.Key(keyname, self.dns.key_secret, self.dns.key_algorithm)}
        update = dns.update.UpdateMessage(self.dns.zone, keyring=keyring, keyname=keyname)
        owner = name.lower()
        update.delete(owner, served_type)
        for r in self.records.values():
            if r.name.lower() == owner and self._dns_type(r.type) == served_type and r.served_on_default_line():
                update.add(owner, r.ttl, served_type, _rdata_text(r))
        response = dns.query.tcp(update, self.dns.host, port=self.dns.port, timeout=5)
        if response.rcode() != dns.rcode.NOERROR:
            rcode = dns.rcode.to_text(response.rcode())
            raise ApiError("InternalError", f"the name server refused the change: {rcode}")
        fqdn = self.dns.zone if owner == "@" else f"{owner}.{self.dns.zone}"
        self._changed[(fqdn, served_type)] = self.clock()

    def zone_records(self, name: str, rtype: str) -> list[Record]:
        """What DNSPod holds at (relative name, type): for test assertions."""
        with self._lock:
            return [r for r in self.records.values() if r.name.lower() == name.lower() and r.type == rtype]


def _attr_key(attr: dict[str, str]) -> str:
    return f"{attr['Type']} {attr['SendDomain']} {attr['ExpectedValue'][:12]}"


def _judge(attr: dict[str, str], found: list[str], dmarc_rule: str) -> tuple[bool, str]:
    expected = attr["ExpectedValue"]
    if attr["Type"] != "TXT":
        return expected.lower().rstrip(".") in found, " ".join(found)
    if expected.startswith("v=spf1"):
        # The guide: one SPF record, other senders merged into it, that includes qcloudmail.com.
        spf = [t for t in found if t.lower().startswith("v=spf1")]
        current = spf[0] if spf else ""
        return len(spf) == 1 and f"include:{SPF_INCLUDE}" in spf[0].lower().split(), current
    if expected.startswith("v=DMARC1"):
        dmarc = [t for t in found if t.replace(" ", "").startswith("v=DMARC1;")]
        current = dmarc[0] if dmarc else ""
        if dmarc_rule == "exact":
            return len(dmarc) == 1 and _squeezed(current) == _squeezed(expected), current
        return len(dmarc) == 1, current
    want = _tag(expected, "p")
    keys = [t for t in found if _tag(t, "p")]
    return len(keys) == 1 and _tag(keys[0], "p") == want, keys[0] if keys else ""


def _squeezed(text: str) -> str:
    return "".join(text.split()).rstrip(";")


def _tag(text: str, name: str) -> str | None:
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip() == name:
            return "".join(value.split())
    return None


def _quoted(value: str) -> str:
    raw = value.encode()
    chunks = [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]
    return " ".join('"' + c.decode().replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def _rdata_text(record: Record) -> str:
    if record.type == "MX":
        exchange = record.value if record.value.endswith(".") else record.value + "."
        return f"{record.mx} {exchange}"
    if record.type in ("TXT", "SPF"):
        return _quoted(record.value)
    return record.value


def _domain_param(params: dict[str, Any]) -> str:
    """A sender domain: assumed to be a host name of two labels or more (RFC 1123), matched without case."""
    name = params.get("EmailIdentity")
    if not isinstance(name, str) or name != name.strip():
        raise ApiError("InvalidParameterValue.InvalidEmailIdentity", "The domain value is wrong.")
    labels = name.lower().rstrip(".").split(".")
    if len(labels) < 2 or len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ApiError("InvalidParameterValue.InvalidEmailIdentity", "The domain value is wrong.")
    return ".".join(labels)


def _public_key(bits: int) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _handler_for(cloud: FakeTencentCloud) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                answer = json.dumps(cloud.handle(headers, body)).encode()
            except DroppedAnswer:
                self.close_connection = True
                self.connection.close()
                return
            self.send_response(200)
            # The SDK only reads errors out of an exact `application/json` (no charset).
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def do_GET(self) -> None:
            self.send_error(405, "POST only")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests read `calls`

    return Handler


def fake_for(local_dns: LocalDnsServer, **options: Any) -> FakeTencentCloud:
    """A fake account whose DNSPod zone is the local Knot's zone, with fresh credentials."""
    backend = DnsBackend(local_dns.host, local_dns.port, local_dns.zone, KEY_NAME, ALGORITHM, local_dns.tsig_secret())
    secret_id = "AKIDtest" + secrets.token_hex(12)
    return FakeTencentCloud(secret_id, secrets.token_urlsafe(24), backend, **options)
