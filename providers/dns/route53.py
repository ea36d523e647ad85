"""Amazon Route53 through boto3: reads only our names, one atomic change batch per apply, waits for INSYNC."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from dms_component.core.changes import Key, RecordSet, RrsetChange
from dms_component.core.records import TXT_STRING_MAX, split_txt
from dms_component.errors import DnsUpdateError
from providers.dns.base import DnsProvider

# Route53's documented limits, checked before any call: moto accepts values that Route53 refuses.
VALUE_MAX = 4000  # characters in one ResourceRecord Value
BATCH_VALUE_CHARS_MAX = 32000  # characters of all Values in one change batch
BATCH_RECORDS_MAX = 1000  # ResourceRecord elements in one change batch

RETRYABLE_CODES = frozenset({"Throttling", "ThrottlingException", "PriorRequestNotComplete", "RequestLimitExceeded"})
MAX_ATTEMPTS = 8
FIRST_BACKOFF = 0.2
MAX_BACKOFF = 5.0

T = TypeVar("T")


# --- TXT encoding (pure): Route53 wants each string quoted, `"` and `\` escaped, other
# non-printable or non-ASCII bytes as \ooo octal, and at most 255 bytes per string.


def encode_txt(value: str) -> str:
    """A logical TXT value as Route53's Value: quoted strings of at most 255 bytes each."""
    return " ".join(_quote(chunk.encode("utf-8")) for chunk in split_txt(value))


def _quote(raw: bytes) -> str:
    if len(raw) > TXT_STRING_MAX:
        raise DnsUpdateError(f"a TXT string of {len(raw)} bytes is over the {TXT_STRING_MAX}-byte limit")
    out = []
    for byte in raw:
        if byte in (0x22, 0x5C):  # " and \
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')
_ESCAPE = re.compile(rb"\\([0-7]{3}|.)", re.S)


def decode_txt(text: str) -> str:
    """Route53's Value back to the logical value: strings unquoted, unescaped and joined."""
    parts = []
    for m in _STRING.finditer(text):
        body = m.group(1) if m.group(1) is not None else m.group(2)
        parts.append(_ESCAPE.sub(_unescape, body.encode("utf-8")))
    return b"".join(parts).decode("utf-8", errors="replace")


def _unescape(m: re.Match[bytes]) -> bytes:
    code = m.group(1)
    return bytes([int(code, 8)]) if len(code) == 3 else code


def to_value(rtype: str, value: str) -> str:
    return encode_txt(value) if rtype == "TXT" else value


def from_value(rtype: str, value: str) -> str:
    if rtype == "TXT":
        return decode_txt(value)
    if rtype == "MX":
        pref, _, exchange = value.partition(" ")
        return f"{int(pref)} {exchange.strip().lower().rstrip('.')}."
    return value.lower()


def change_batch(changes: Sequence[RrsetChange]) -> list[dict[str, Any]]:
    """The Changes of one ChangeResourceRecordSets call, checked against Route53's limits.

    A set that changes is deleted with the exact values and TTL read just before and created
    anew, so Route53 refuses the whole batch if anyone changed it meanwhile.
    """
    out: list[dict[str, Any]] = []
    for change in changes:
        if change.before:
            out.append(_change("DELETE", change.host, change.rtype, change.before_ttl or change.ttl, change.before))
        if change.after:
            out.append(_change("CREATE", change.host, change.rtype, change.ttl, change.after))
    values = [r["Value"] for c in out for r in c["ResourceRecordSet"]["ResourceRecords"]]
    for value in values:
        if len(value) > VALUE_MAX:
            raise DnsUpdateError(f"a record value of {len(value)} characters is over Route53's {VALUE_MAX} limit")
    if len(values) > BATCH_RECORDS_MAX or sum(map(len, values)) > BATCH_VALUE_CHARS_MAX:
        raise DnsUpdateError(
            f"the change for these records is over Route53's batch limits ({BATCH_RECORDS_MAX} records,"
            f" {BATCH_VALUE_CHARS_MAX} characters)"
        )
    return out


def _change(action: str, host: str, rtype: str, ttl: int, values: Sequence[str]) -> dict[str, Any]:
    return {
        "Action": action,
        "ResourceRecordSet": {
            "Name": host + ".",
            "Type": rtype,
            "TTL": ttl,
            "ResourceRecords": [{"Value": to_value(rtype, v)} for v in values],
        },
    }


# --- The provider


_CLIENTS: dict[tuple[str | None, str | None, str | None], Any] = {}
_CLIENTS_LOCK = threading.Lock()
_ZONE_IDS: dict[tuple[str | None, str | None, str], str] = {}


def _client(profile: str | None, region: str | None, endpoint: str | None) -> Any:
    """One client per process and settings: clients are thread-safe, sessions are not, neither pickles."""
    key = (profile, region, endpoint)
    with _CLIENTS_LOCK:
        if key not in _CLIENTS:
            import boto3
            import botocore.config
            import botocore.exceptions

            try:
                session = boto3.session.Session(profile_name=profile, region_name=region or "us-east-1")
            except botocore.exceptions.ProfileNotFound:
                raise DnsUpdateError(f"AWS profile {profile!r} (aws:profile) is not in ~/.aws/config") from None
            # Retries are ours (see _call): one place that knows what is worth retrying.
            config = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
            _CLIENTS[key] = session.client("route53", endpoint_url=endpoint, config=config)
        return _CLIENTS[key]


@dataclass
class Route53Provider(DnsProvider):
    zone: str
    hosted_zone_id: str | None = None
    region: str | None = None
    profile: str | None = None
    endpoint: str | None = None  # a Route53-compatible endpoint, for tests and local stand-ins
    insync_timeout: float = 300.0
    sleep: Callable[[float], None] = time.sleep

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One API call with backoff on throttling and 5xx; any other error is one clear line."""
        import botocore.exceptions

        client = _client(self.profile, self.region, self.endpoint)
        backoff = FIRST_BACKOFF
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return getattr(client, operation)(**kwargs)
            except botocore.exceptions.ClientError as exc:
                error = exc.response.get("Error", {})
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
                retryable = error.get("Code") in RETRYABLE_CODES or status >= 500
                if not retryable or attempt == MAX_ATTEMPTS:
                    raise _error(operation, error.get("Code", str(status)), error.get("Message", ""), attempt) from None
            except botocore.exceptions.NoCredentialsError:
                raise DnsUpdateError(
                    "no AWS credentials: set AWS_PROFILE or aws:profile, or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
                    " environment variables, or run where an IAM role applies"
                ) from None
            except botocore.exceptions.ParamValidationError as exc:
                raise DnsUpdateError(f"Route53 {operation}: {' '.join(str(exc).split())}") from None
            except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError) as exc:
                if attempt == MAX_ATTEMPTS:
                    raise DnsUpdateError(f"can't reach Route53 ({exc.__class__.__name__})") from None
            self.sleep(min(backoff, MAX_BACKOFF) * (0.5 + random.random() / 2))
            backoff *= 2
        raise AssertionError("unreachable")

    def zone_id(self) -> str:
        if self.hosted_zone_id:
            return self.hosted_zone_id.rsplit("/", 1)[-1]
        key = (self.profile, self.endpoint, self.zone)
        if key not in _ZONE_IDS:
            found = self._call("list_hosted_zones_by_name", DNSName=self.zone + ".", MaxItems="2")
            matches = [z for z in found.get("HostedZones", []) if z["Name"].rstrip(".").lower() == self.zone]
            if not matches:
                raise DnsUpdateError(f"no Route53 hosted zone named {self.zone} (dms:dns.zone) in this account")
            if len(matches) > 1:
                raise DnsUpdateError(
                    f"two Route53 hosted zones are named {self.zone}: set dms:dns.hostedZoneId to the one to use"
                )
            _ZONE_IDS[key] = matches[0]["Id"].rsplit("/", 1)[-1]
        return _ZONE_IDS[key]

    def read(self, keys: Sequence[Key]) -> dict[Key, RecordSet]:
        """One listing per sender domain, starting at its name: its cost doesn't grow with the zone.

        Route53 lists names sorted with their labels reversed, so a domain and the names under it
        (`_dmarc.`, the DKIM selector) come out together, right after it.
        """
        zone_id = self.zone_id()
        wanted = list(dict.fromkeys(keys))
        found: dict[Key, RecordSet] = {k: RecordSet(*k) for k in wanted}
        for top, hosts in _subtrees([h for h, _ in wanted]).items():
            first = min(t for h, t in wanted if h == top)
            for rrset in self._listing(zone_id, top, first, last=max(hosts, key=sort_key)):
                key = (_unescape_name(rrset["Name"]).rstrip("."), rrset["Type"])
                if key not in found:
                    continue
                if "SetIdentifier" in rrset or "AliasTarget" in rrset:
                    raise DnsUpdateError(
                        f"{key[0]} {key[1]} in Route53 is an alias or uses a routing policy; this project"
                        " manages only simple record sets: remove it or choose another sender domain"
                    )
                values = tuple(from_value(key[1], r["Value"]) for r in rrset.get("ResourceRecords", []))
                found[key] = RecordSet(key[0], key[1], values, int(rrset["TTL"]))
        return found

    def _listing(self, zone_id: str, top: str, first_type: str, last: str) -> list[dict[str, Any]]:
        """The record sets from `top` (type `first_type` on) through `last`, all inside `top`'s subtree."""
        rrsets: list[dict[str, Any]] = []
        start: dict[str, str] = {"StartRecordName": top + ".", "StartRecordType": first_type}
        while True:
            page = self._call("list_resource_record_sets", HostedZoneId=zone_id, MaxItems="20", **start)
            for rrset in page.get("ResourceRecordSets", []):
                name = _unescape_name(rrset["Name"]).rstrip(".")
                if not sort_key(name).startswith(sort_key(top)[:-1]) or sort_key(name) > sort_key(last):
                    return rrsets  # past our names in Route53's order
                if is_within(name, top):
                    rrsets.append(rrset)
                # else a look-alike such as notify-x next to notify: listed among ours by some
                # implementations (moto sorts without the trailing dot), never one of ours
            if not page.get("IsTruncated"):
                return rrsets
            start = {"StartRecordName": page["NextRecordName"], "StartRecordType": page["NextRecordType"]}

    def apply(self, changes: Sequence[RrsetChange]) -> None:
        if not changes:
            return
        batch = change_batch(changes)  # limits checked before any call
        result = self._call(
            "change_resource_record_sets",
            HostedZoneId=self.zone_id(),
            ChangeBatch={"Comment": "dms sender domain records", "Changes": batch},
        )
        self._wait_insync(result["ChangeInfo"])

    def _wait_insync(self, info: dict[str, Any]) -> None:
        deadline = time.monotonic() + self.insync_timeout
        interval = 1.0
        while info.get("Status") != "INSYNC":
            if time.monotonic() >= deadline:
                raise DnsUpdateError(
                    f"Route53 change {info['Id']} is still {info.get('Status')} after {self.insync_timeout:.0f} s;"
                    " it was accepted and will finish on its own: run `pulumi up` again to verify"
                )
            self.sleep(interval)
            interval = min(interval * 2, 10.0)
            info = self._call("get_change", Id=info["Id"])["ChangeInfo"]


def sort_key(name: str) -> str:
    """Route53's listing order: the name with its labels reversed and a trailing dot, compared as text."""
    return ".".join(reversed(name.rstrip(".").lower().split("."))) + "."


def is_within(name: str, top: str) -> bool:
    return name == top or name.endswith("." + top)


def _subtrees(hosts: Sequence[str]) -> dict[str, list[str]]:
    """Group hosts under the highest of them that contains them: each group is one listing."""
    groups: dict[str, list[str]] = {}
    for host in sorted(dict.fromkeys(hosts), key=lambda h: h.count(".")):
        top = next((t for t in groups if is_within(host, t)), host)
        groups.setdefault(top, []).append(host)
    return groups


def _unescape_name(name: str) -> str:
    # Route53 returns some characters of names as \ooo octal (e.g. \052 for *).
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), name).lower()


def _error(operation: str, code: str, message: str, attempts: int) -> DnsUpdateError:
    if code in RETRYABLE_CODES or code.isdigit():
        return DnsUpdateError(f"Route53 {operation} still failing with {code} after {attempts} attempts: try later")
    if code == "InvalidChangeBatch":
        return DnsUpdateError(
            f"Route53 refused the change, so nothing was changed: {message.strip()[:300]}; if records at our"
            " names changed meanwhile, run again"
        )
    if code == "NoSuchHostedZone":
        return DnsUpdateError(f"no such Route53 hosted zone: check dms:dns.hostedZoneId ({message.strip()[:200]})")
    if code in ("AccessDenied", "AccessDeniedException"):
        return DnsUpdateError(
            f"AWS denied route53:{_action(operation)}: grant it (see the README's IAM policy) to the identity in use"
        )
    return DnsUpdateError(f"Route53 {operation} failed: {code}: {message.strip()[:300]}")


def _action(operation: str) -> str:
    return "".join(part.capitalize() for part in operation.split("_"))
