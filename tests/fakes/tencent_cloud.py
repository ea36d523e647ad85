"""A local Tencent Cloud API endpoint: SES (2020-10-02) sender domains and DNSPod (2021-03-23) records.

The official SDK clients are pointed at it with `HttpProfile(endpoint="127.0.0.1:PORT", protocol="http")`.
It speaks the documented wire protocol, not the SDK's Python objects:

- every request is a POST of JSON with `X-TC-Action`, `X-TC-Version`, `X-TC-Timestamp`, `X-TC-Region`
  and a TC3-HMAC-SHA256 `Authorization` header, which is checked against the known SecretId/SecretKey
  (a wrong key answers `AuthFailure.SignatureFailure`, an old timestamp `AuthFailure.SignatureExpire`);
- every answer is HTTP 200 with `{"Response": {..., "RequestId": ...}}`, errors as
  `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` with the documented codes;
- the credential scope's service (`ses` or `dnspod`) selects the API, as the real hosts would.

SES keeps sender domains with their DKIM key (made here, like the service does: the selector and the
value's form are the service's choice, configurable to show that nothing is hard-coded), counts them
against a domain limit (`OperationDenied.ExceedDomainLimit`), refuses a domain another account holds
(`InvalidParameterValue.CreatedByOther`) or one created twice (`InvalidParameterValue.RepeatCreation`),
never deletes a verified domain (`OperationDenied.NotAllowDelete`), and on `UpdateEmailIdentity` checks
the records the way the service's guide says it does: by asking DNS (here the local Knot, over TCP,
independently of the code under test): one SPF record that includes qcloudmail.com, a DKIM record with
the service's key, a DMARC record, and an MX to the service's exchange.

DNSPod keeps a zone's records by RecordId and mirrors every change to the same Knot zone with
TSIG-signed dynamic updates, so what the SES side checks is what DNSPod published.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
import uuid
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

SES_VERSION = "2020-10-02"
DNSPOD_VERSION = "2021-03-23"
SES_REGIONS = ("ap-guangzhou", "ap-hongkong", "ap-singapore")
SPF_INCLUDE = "qcloudmail.com"
MX_EXCHANGE = "mxbiz1.qq.com"
DEFAULT_LINE = "默认"  # DNSPod's default line ("default"), line id "0"
MAX_SKEW = 300  # seconds; the API refuses older signatures


class ApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass
class Identity:
    name: str
    dkim_option: int
    selector: str
    dkim_value: str
    tags: list[dict[str, str]]
    verified: bool = False
    current: dict[str, str] = field(default_factory=dict)  # attribute key -> what DNS showed
    status: dict[str, bool] = field(default_factory=dict)

    def expected(self) -> list[dict[str, str]]:
        return [
            {"Type": "TXT", "SendDomain": self.name, "ExpectedValue": f"v=spf1 include:{SPF_INCLUDE} ~all"},
            {"Type": "TXT", "SendDomain": f"{self.selector}._domainkey.{self.name}", "ExpectedValue": self.dkim_value},
            {"Type": "MX", "SendDomain": self.name, "ExpectedValue": MX_EXCHANGE},
            {"Type": "TXT", "SendDomain": f"_dmarc.{self.name}", "ExpectedValue": "v=DMARC1; p=none"},
        ]

    def attributes(self) -> list[dict[str, Any]]:
        out = []
        for attr in self.expected():
            key = f"{attr['Type']} {attr['SendDomain']} {attr['ExpectedValue'][:12]}"
            out.append({**attr, "CurrentValue": self.current.get(key, ""), "Status": self.status.get(key, False)})
        return out


@dataclass
class Record:
    id: int
    name: str  # relative: "@" for the apex
    type: str
    value: str
    mx: int
    ttl: int
    line: str = DEFAULT_LINE
    updated: str = ""
    default_ns: bool = False

    def to_api(self) -> dict[str, Any]:
        return {
            "RecordId": self.id,
            "Value": self.value,
            "Status": "ENABLE",
            "UpdatedOn": self.updated,
            "Name": self.name,
            "Line": self.line,
            "LineId": "0",
            "Type": self.type,
            "Weight": None,
            "MonitorStatus": "",
            "Remark": "",
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
    ) -> None:
        self.secret_id, self.secret_key = secret_id, secret_key  # what a test's client signs with
        self._keys = {secret_id: secret_key}
        self.dns = dns
        self.domain_limit = domain_limit
        self.dkim_selector = dkim_selector
        self.dkim_value_format = dkim_value_format
        self.created_by_others: set[str] = set()
        self.not_verified_as_error = False  # answer a failed check with OperationDenied.DomainNotVerified
        self.identities: dict[str, Identity] = {}
        self.records: dict[int, Record] = {}
        self.calls: list[tuple[str, str]] = []  # (service, action), throttled ones too
        self._throttle: dict[str | None, int] = {}
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

    def throttle(self, times: int, action: str | None = None) -> None:
        """Answer the next `times` requests (of `action`, or any) with RequestLimitExceeded."""
        with self._lock:
            self._throttle[action] = self._throttle.get(action, 0) + times

    def count(self, action: str) -> int:
        return sum(1 for _, a in self.calls if a == action)

    # -- dispatch --------------------------------------------------------------------------------

    def handle(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        try:
            service = self._authenticate(headers, body)
            action = headers.get("x-tc-action", "")
            self.calls.append((service, action))
            with self._lock:
                for key in (action, None):
                    if self._throttle.get(key):
                        self._throttle[key] -= 1
                        raise ApiError("RequestLimitExceeded", "The number of requests exceeds the frequency limit.")
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                raise ApiError("InvalidParameter", "the body is not JSON") from None
            serve = self._ses if service == "ses" else self._dnspod
            result = serve(action, headers, params)
            return {"Response": {**result, "RequestId": request_id}}
        except ApiError as exc:
            return {"Response": {"Error": {"Code": exc.code, "Message": exc.message}, "RequestId": request_id}}

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
        }
        if action not in handlers:
            raise ApiError("InvalidAction", f"{action} is not an SES action here")
        with self._lock:
            return handlers[action](params)

    def _identity(self, params: dict[str, Any]) -> Identity:
        name = _domain_param(params)
        identity = self.identities.get(name)
        if identity is None:
            raise ApiError("InvalidParameterValue.NotExistDomain", "The domain is not created yet.")
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
        if name in self.identities:
            raise ApiError("InvalidParameterValue.RepeatCreation", "The domain is already created.")
        if len(self.identities) >= self.domain_limit:
            raise ApiError("OperationDenied.ExceedDomainLimit", "The maximum number of sender domains is exceeded.")
        option = params.get("DKIMOption", 0)
        if option not in (0, 1):
            raise ApiError("InvalidParameterValue", "DKIMOption must be 0 (1024) or 1 (2048)")
        tags = params.get("TagList") or []
        if not all(isinstance(t, dict) and set(t) == {"TagKey", "TagValue"} for t in tags):
            raise ApiError("InvalidParameter", "TagList entries are {TagKey, TagValue}")
        key = _public_key(2048 if option == 1 else 1024)
        identity = Identity(name, option, self.dkim_selector, self.dkim_value_format.format(key=key), tags)
        self.identities[name] = identity
        return self._shape(identity)

    def _get_identity(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._shape(self._identity(params), with_tags=True)

    def _update_identity(self, params: dict[str, Any]) -> dict[str, Any]:
        identity = self._identity(params)
        if not identity.verified:
            passed = self._check_dns(identity)
            identity.verified = passed
            if not passed and self.not_verified_as_error:
                raise ApiError("OperationDenied.DomainNotVerified", "Domain verification failed.")
        return self._shape(identity)

    def _list_identities(self, params: dict[str, Any]) -> dict[str, Any]:
        limit = int(params.get("Limit", 100))
        offset = int(params.get("Offset", 0))
        if limit > 100:
            raise ApiError("FailedOperation.InvalidLimit", "The query limit is exceeded: Limit is at most 100.")
        everything = sorted(self.identities.values(), key=lambda i: i.name)
        page = everything[offset : offset + limit]
        return {
            "EmailIdentities": [
                {
                    "IdentityName": i.name,
                    "IdentityType": "DOMAIN",
                    "SendingEnabled": i.verified,
                    "CurrentReputationLevel": 0,
                    "DailyQuota": 0,
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
        if identity.verified:
            raise ApiError("OperationDenied.NotAllowDelete", "Deleting the domain is not allowed.")
        del self.identities[identity.name]
        return {}

    def _check_dns(self, identity: Identity) -> bool:
        """Ask DNS for each expected record and judge it the way the service's guide describes."""
        ok = True
        for attr in identity.expected():
            key = f"{attr['Type']} {attr['SendDomain']} {attr['ExpectedValue'][:12]}"
            found = self._ask(attr["SendDomain"], attr["Type"])
            passed, current = _judge(attr, found)
            identity.current[key] = current
            identity.status[key] = passed
            ok = ok and passed
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
                else:
                    out.append(rd.exchange.to_text().lower().rstrip("."))
        return out

    # -- DNSPod ----------------------------------------------------------------------------------

    def _seed_zone(self) -> None:
        # A DNSPod zone starts with its default NS records at the apex.
        for ns in ("f1g1ns1.dnspod.net.", "f1g1ns2.dnspod.net."):
            rid = next(self._ids)
            self.records[rid] = Record(rid, "@", "NS", ns, 0, 86400, default_ns=True, updated=_now())

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
        if str(params.get("Domain", "")).lower().rstrip(".") != self.dns.zone:
            raise ApiError("InvalidParameterValue.DomainNotExists", "The domain is wrong: go back and try again.")
        with self._lock:
            return handlers[action](params)

    def _describe_records(self, params: dict[str, Any]) -> dict[str, Any]:
        sub = params.get("SubDomain") or params.get("Subdomain")
        rtype = params.get("RecordType")
        limit = int(params.get("Limit", 100))
        offset = int(params.get("Offset", 0))
        if not 1 <= limit <= 3000:
            raise ApiError("InvalidParameter", "Limit is 1..3000")
        matching = [
            r
            for r in sorted(self.records.values(), key=lambda r: r.id)
            if (sub is None or r.name == sub.lower()) and (rtype is None or r.type == rtype)
        ]
        if not matching and params.get("ErrorOnEmpty", "yes") == "yes":
            raise ApiError("ResourceNotFound.NoDataOfRecord", "The record list is empty.")
        page = matching[offset : offset + limit]
        return {
            "RecordCountInfo": {"SubdomainCount": 0, "ListCount": len(page), "TotalCount": len(matching)},
            "RecordList": [r.to_api() for r in page],
        }

    def _record_fields(self, params: dict[str, Any]) -> tuple[str, str, str, int, int]:
        name = str(params.get("SubDomain") or "@").lower()
        rtype = params.get("RecordType")
        if rtype not in ("TXT", "MX", "A", "CNAME", "AAAA", "CAA", "NS"):
            raise ApiError("InvalidParameter.RecordTypeInvalid", "The record type is wrong.")
        if params.get("RecordLine") != DEFAULT_LINE and params.get("RecordLineId") != "0":
            raise ApiError("InvalidParameter.RecordLineInvalid", "The record line is wrong.")
        value = params.get("Value")
        if not isinstance(value, str) or not value:
            raise ApiError("InvalidParameter.RecordValueInvalid", "The record value is wrong.")
        if rtype == "TXT" and len(value) > 512:
            raise ApiError("InvalidParameter.RecordValueLengthInvalid", "The record value is too long.")
        mx = 0
        if rtype == "MX":
            mx = params.get("MX")
            if not isinstance(mx, int) or not 0 <= mx <= 65535:
                raise ApiError("InvalidParameter.MxInvalid", "The MX priority is wrong.")
            value = value.lower() if value.endswith(".") else value.lower() + "."
        ttl = params.get("TTL", 600)
        if not isinstance(ttl, int) or not 1 <= ttl <= 604800:
            raise ApiError("LimitExceeded.RecordTtlLimit", "The record TTL is out of range.")
        return name, rtype, value, mx, ttl

    def _create_record(self, params: dict[str, Any]) -> dict[str, Any]:
        name, rtype, value, mx, ttl = self._record_fields(params)
        if any(r.name == name and r.type == rtype and r.value == value for r in self.records.values()):
            raise ApiError("InvalidParameter.DomainRecordExist", "The record already exists: no need to add it again.")
        rid = next(self._ids)
        self.records[rid] = Record(rid, name, rtype, value, mx, ttl, updated=_now())
        self._mirror(name, rtype)
        return {"RecordId": rid}

    def _existing(self, params: dict[str, Any]) -> Record:
        record = self.records.get(params.get("RecordId"))  # type: ignore[arg-type]
        if record is None or record.default_ns:
            raise ApiError("InvalidParameter.RecordIdInvalid", "The record ID is wrong.")
        return record

    def _modify_record(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._existing(params)
        name, rtype, value, mx, ttl = self._record_fields(params)
        if any(
            r.id != record.id and r.name == name and r.type == rtype and r.value == value for r in self.records.values()
        ):
            raise ApiError("InvalidParameter.DomainRecordExist", "The record already exists: no need to add it again.")
        old = (record.name, record.type)
        record.name, record.type, record.value, record.mx, record.ttl = name, rtype, value, mx, ttl
        record.updated = _now()
        self._mirror(*old)
        self._mirror(name, rtype)
        return {"RecordId": record.id}

    def _delete_record(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._existing(params)
        del self.records[record.id]
        self._mirror(record.name, record.type)
        return {}

    def _mirror(self, name: str, rtype: str) -> None:
        """Make the DNS server serve exactly this table's records at (name, type)."""
        if rtype == "NS":
            return
        keyname = dns.name.from_text(self.dns.key_name)
        keyring = {keyname: dns.tsig.Key(keyname, self.dns.key_secret, self.dns.key_algorithm)}
        update = dns.update.UpdateMessage(self.dns.zone, keyring=keyring, keyname=keyname)
        update.delete(name, rtype)
        for r in self.records.values():
            if r.name == name and r.type == rtype:
                update.add(name, r.ttl, rtype, _rdata_text(r))
        response = dns.query.tcp(update, self.dns.host, port=self.dns.port, timeout=5)
        if response.rcode() != dns.rcode.NOERROR:
            rcode = dns.rcode.to_text(response.rcode())
            raise ApiError("InternalError", f"the name server refused the change: {rcode}")

    def zone_records(self, name: str, rtype: str) -> list[Record]:
        """What DNSPod holds at (relative name, type): for test assertions."""
        with self._lock:
            return [r for r in self.records.values() if r.name == name and r.type == rtype]


def _judge(attr: dict[str, str], found: list[str]) -> tuple[bool, str]:
    expected = attr["ExpectedValue"]
    if attr["Type"] == "MX":
        return expected.lower().rstrip(".") in found, " ".join(found)
    if expected.startswith("v=spf1"):
        spf = [t for t in found if t.lower().startswith("v=spf1")]
        current = spf[0] if spf else ""
        return len(spf) == 1 and f"include:{SPF_INCLUDE}" in spf[0].lower().split(), current
    if expected.startswith("v=DMARC1"):
        dmarc = [t for t in found if t.replace(" ", "").startswith("v=DMARC1;")]
        return len(dmarc) == 1, dmarc[0] if dmarc else ""
    want = _tag(expected, "p")
    keys = [t for t in found if _tag(t, "p")]
    return len(keys) == 1 and _tag(keys[0], "p") == want, keys[0] if keys else ""


def _tag(text: str, name: str) -> str | None:
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip() == name:
            return "".join(value.split())
    return None


def _rdata_text(record: Record) -> str:
    if record.type == "MX":
        return f"{record.mx} {record.value}"
    if record.type == "TXT":
        raw = record.value.encode()
        chunks = [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]
        return " ".join('"' + c.decode().replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)
    return record.value


def _domain_param(params: dict[str, Any]) -> str:
    name = params.get("EmailIdentity")
    if not isinstance(name, str) or "." not in name or name != name.strip():
        raise ApiError("InvalidParameterValue.InvalidEmailIdentity", "The domain value is wrong.")
    return name.lower().rstrip(".")


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
            answer = json.dumps(cloud.handle(headers, body)).encode()
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
