"""Amazon Route53 through boto3: reads only our names, one atomic change batch per apply, waits for INSYNC."""

from __future__ import annotations

import copy
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from dms_component.core import txt, validate
from dms_component.core.changes import HostType, RecordSet, RrsetChange
from dms_component.core.errors import ChangeRefused, ConfigError, DnsUpdateError, setting
from dms_component.core.lookups import under
from dms_component.core.records import mx_value
from dms_component.providers.adapters import aws
from dms_component.providers.adapters.settings import given
from dms_component.providers.adapters.dns.base import DnsHost, DnsTarget
from dms_component.providers.adapters.dns.operation import GroupCommit, Job, ZoneView, shared


# Route53's documented limits, checked before any call: moto accepts values that Route53 refuses.
VALUE_MAX = 4000  # characters in one ResourceRecord Value
BATCH_VALUE_CHARS_MAX = 32000  # characters of all Values in one change batch
BATCH_RECORDS_MAX = 1000  # ResourceRecord elements in one change batch
PAGE_MAX = 300  # record sets in one ListResourceRecordSets page
# Seconds a change batch waits for other domains' changes to join it. Pulumi starts their creates
# one after another, each after its check's read; a Route53 change then takes seconds to reach
# INSYNC anyway. bench/README.md has the calls this saves: 0.1 s let reads in a big zone miss it.
GATHER = 0.3

RETRYABLE_CODES = frozenset({"Throttling", "ThrottlingException", "PriorRequestNotComplete", "RequestLimitExceeded"})
MAX_ATTEMPTS = 8
FIRST_BACKOFF = 0.2
MAX_BACKOFF = 5.0

T = TypeVar("T")


# --- TXT values as Route53 takes them: quoted strings with \ooo octal escapes (core/txt.py).


def encode_txt(value: str) -> str:
    """A logical TXT value as Route53's Value: quoted strings of at most 255 bytes each."""
    return encode_strings(txt.split(value))


def encode_strings(strings: Sequence[str]) -> str:
    """TXT strings as Route53's Value, each kept as it is (a record read split at 250 stays so)."""
    try:
        return txt.to_text(strings, octal=True)
    except ValueError as exc:
        raise DnsUpdateError(str(exc)) from None


def decode_txt(text: str) -> str:
    """Route53's Value back to the logical value: strings unquoted, unescaped and joined."""
    return txt.joined(decode_strings(text))


def decode_strings(text: str) -> txt.Strings:
    """Route53's Value as its strings, each exactly (bytes that are not UTF-8 survive a round trip)."""
    return txt.from_text(text, octal=True)


def to_value(rtype: str, value: str) -> str:
    return encode_txt(value) if rtype == "TXT" else value


def from_value(rtype: str, value: str) -> str:
    if rtype == "TXT":
        return decode_txt(value)
    if rtype == "MX":
        pref, _, exchange = value.partition(" ")
        return mx_value(pref, exchange)
    return value.lower()


def change_batch(changes: Sequence[RrsetChange]) -> list[dict[str, Any]]:
    """The Changes of one ChangeResourceRecordSets call, checked against Route53's limits.

    A set that changes is deleted with the exact values and TTL read just before and created
    anew, so Route53 refuses the whole batch if anyone changed it meanwhile.
    """
    out: list[dict[str, Any]] = []
    for change in changes:
        if change.before:
            out.append(_change("DELETE", change, change.before_ttl or change.ttl, change.before))
        if change.after:
            out.append(_change("CREATE", change, change.ttl, change.after))
    values = _values(out)
    for value in values:
        if len(value) > VALUE_MAX:
            raise DnsUpdateError(f"a record value of {len(value)} characters is over Route53's {VALUE_MAX} limit")
    if not _within_limits(values):
        raise DnsUpdateError(
            f"the change for these records is over Route53's batch limits ({BATCH_RECORDS_MAX} records,"
            f" {BATCH_VALUE_CHARS_MAX} characters)"
        )
    return out


def _values(batch: Sequence[dict[str, Any]]) -> list[str]:
    return [r["Value"] for c in batch for r in c["ResourceRecordSet"]["ResourceRecords"]]


def _within_limits(values: Sequence[str]) -> bool:
    return len(values) <= BATCH_RECORDS_MAX and sum(map(len, values)) <= BATCH_VALUE_CHARS_MAX


def _change(action: str, change: RrsetChange, ttl: int, values: Sequence[str]) -> dict[str, Any]:
    # DELETE must name the values exactly as stored: TXT in the strings read, not re-split at 255.
    if change.rtype == "TXT":
        rendered = [encode_strings(strings) for strings in change.strings_for(values)]
    else:
        rendered = [to_value(change.rtype, v) for v in values]
    return {
        "Action": action,
        "ResourceRecordSet": {
            "Name": change.host + ".",
            "Type": change.rtype,
            "TTL": ttl,
            "ResourceRecords": [{"Value": v} for v in rendered],
        },
    }


# --- Process-wide state: Pulumi runs one provider process per operation, with four threads.


@dataclass(frozen=True)
class _HostedZone:
    id: str
    record_sets: int  # as Route53 counted them when we looked the zone up


_ZONES: dict[tuple[str | None, str | None, str, str | None], _HostedZone] = {}
_LOOKUP_LOCK = threading.Lock()


class _Change:
    """One accepted change batch: the domains in it wait for INSYNC together, polled once."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.id: str = info["Id"]
        self.info = info  # no Status: not asked yet


_CHANGES: dict[tuple[str | None, str | None, str], _Change] = {}
_POLLING: dict[tuple[str | None, str | None, str], threading.Lock] = {}  # per zone: one thread polls at a time


class _ChangeForgotten(DnsUpdateError):
    """GetChange's NoSuchChange: Route53 keeps a change's status for a while only, long after INSYNC."""


@dataclass(frozen=True)
class _Batch:
    """One sender domain's changes, and the same rendered as the Changes of a ChangeResourceRecordSets call."""

    changes: Sequence[RrsetChange]
    rendered: list[dict[str, Any]]


def _fits(jobs: list[Job[_Batch]]) -> bool:
    return _within_limits(_values([c for j in jobs for c in j.payload.rendered]))


_VIEWS: dict[tuple[str | None, str | None, str], ZoneView[dict[str, Any]]] = {}
_COMMITS: dict[tuple[str | None, str | None, str], GroupCommit[_Batch]] = {}


def _client(profile: str | None, region: str | None, endpoint: str | None) -> Any:
    import botocore.exceptions

    try:
        # Retries are ours (see _call): one place that knows what is worth retrying.
        retries = {"total_max_attempts": 1, "mode": "standard"}
        return aws.client("route53", region=region or "us-east-1", endpoint=endpoint, profile=profile, retries=retries)
    except botocore.exceptions.ProfileNotFound:
        raise DnsUpdateError(f"AWS profile {profile!r} ({setting('dns.profile')}) is not in ~/.aws/config") from None


# --- The host


@dataclass
class Route53Host(DnsHost):
    label: ClassVar[str] = "Route53"
    zone: str
    hosted_zone_id: str | None = None
    region: str | None = None
    profile: str | None = None
    endpoint: str | None = None  # a Route53-compatible endpoint, for tests and local stand-ins
    insync_timeout: float = 300.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

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
                    f"no AWS credentials: set AWS_PROFILE or {setting('dns.profile')}, or the AWS_ACCESS_KEY_ID and"
                    " AWS_SECRET_ACCESS_KEY environment variables, or run where an IAM role applies"
                ) from None
            except botocore.exceptions.ParamValidationError as exc:
                raise DnsUpdateError(f"Route53 {operation}: {' '.join(str(exc).split())}") from None
            except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError) as exc:
                if attempt == MAX_ATTEMPTS:
                    raise DnsUpdateError(f"can't reach Route53 ({exc.__class__.__name__})") from None
            self.sleep(min(backoff, MAX_BACKOFF) * (0.5 + random.random() / 2))
            backoff *= 2
        raise AssertionError("unreachable")

    @property
    def _account(self) -> tuple[str | None, str | None]:
        return (self.profile, self.endpoint)

    def zone_id(self) -> str:
        return self._hosted_zone().id

    def _hosted_zone(self) -> _HostedZone:
        key = (*self._account, self.zone, self.hosted_zone_id)
        with _LOOKUP_LOCK:  # once per process and zone, not once per thread that asks first
            if key not in _ZONES:
                _ZONES[key] = self._look_up_zone()
            return _ZONES[key]

    def _look_up_zone(self) -> _HostedZone:
        if self.hosted_zone_id:
            zone_id = self.hosted_zone_id.rsplit("/", 1)[-1]
            zone = self._call("get_hosted_zone", Id=zone_id)["HostedZone"]
            if zone["Name"].rstrip(".").lower() != self.zone:
                raise DnsUpdateError(
                    f"Route53 hosted zone {zone_id} ({setting('dns.hosted_zone_id')}) is {zone['Name'].rstrip('.')},"
                    f" not {self.zone} ({setting('dns.zone')})"
                )
            return _HostedZone(zone_id, _record_set_count(zone))
        found = self._call("list_hosted_zones_by_name", DNSName=self.zone + ".", MaxItems="2")
        matches = [z for z in found.get("HostedZones", []) if z["Name"].rstrip(".").lower() == self.zone]
        if not matches:
            raise DnsUpdateError(f"no Route53 hosted zone named {self.zone} ({setting('dns.zone')}) in this account")
        if len(matches) > 1:
            raise DnsUpdateError(
                f"two Route53 hosted zones are named {self.zone}: set {setting('dns.hosted_zone_id')} to the one to use"
            )
        zone = matches[0]
        return _HostedZone(zone["Id"].rsplit("/", 1)[-1], _record_set_count(zone))

    def _commits(self, zone_id: str) -> GroupCommit[_Batch]:
        return shared(_COMMITS, (*self._account, zone_id), lambda: GroupCommit[_Batch](GATHER))

    def _view(self, zone_id: str) -> ZoneView[dict[str, Any]]:
        return shared(_VIEWS, (*self._account, zone_id), ZoneView[dict[str, Any]])

    def read(self, keys: Sequence[HostType]) -> dict[HostType, RecordSet]:
        """What Route53 holds now at `keys`: one listing per sender domain, whatever the zone's size."""
        zone_id = self.zone_id()
        found = self._list_subtrees(zone_id, keys)
        if self.reuse_reads:
            self._view(zone_id).learn(found)
        return _record_sets(found)

    def read_for_change(self, keys: Sequence[HostType]) -> dict[HostType, RecordSet]:
        """With `reuse_reads`, from what this operation has read. Else one listing of this sender domain,
        until those listings have cost as many calls as listing the whole zone would: then the whole
        zone, once, which answers every later domain. So reads never cost more than about twice the
        cheaper of the two, and never grow with the zone past one listing per domain."""
        if not self.reuse_reads:
            return self.read(keys)
        zone = self._hosted_zone()
        view = self._view(zone.id)
        found = view.answer(keys)
        if found is None and -(-zone.record_sets // PAGE_MAX) <= view.listings + 1:
            with view.listing_zone:  # one thread lists it; the others then find it known
                if not view.whole:
                    view.learn(_by_key(self._list_zone(zone.id)), whole=True)
            found = view.answer(keys)
        if found is None:
            found = self._list_subtrees(zone.id, keys)
            view.learn(found, listings=1)
        return _record_sets(found)

    def _list_zone(self, zone_id: str) -> list[dict[str, Any]]:
        rrsets: list[dict[str, Any]] = []
        start: dict[str, str] = {}
        while True:
            page = self._call("list_resource_record_sets", HostedZoneId=zone_id, MaxItems=str(PAGE_MAX), **start)
            rrsets += page.get("ResourceRecordSets", [])
            if not page.get("IsTruncated"):
                return rrsets
            start = {"StartRecordName": page["NextRecordName"], "StartRecordType": page["NextRecordType"]}

    def _list_subtrees(self, zone_id: str, keys: Sequence[HostType]) -> dict[HostType, list[dict[str, Any]]]:
        """One listing per sender domain, starting at its name: its cost doesn't grow with the zone.

        Route53 lists names sorted with their labels reversed, so a domain and the names under it
        (`_dmarc.`, the DKIM selector) come out together, right after it.
        """
        wanted = list(dict.fromkeys(keys))
        listed: list[dict[str, Any]] = []
        for top, hosts in _subtrees([h for h, _ in wanted]).items():
            first = min(t for h, t in wanted if h == top)
            listed += self._listing(zone_id, top, first, last=max(hosts, key=sort_key))
        by_key = _by_key(listed)
        return {k: by_key.get(k, []) for k in wanted}

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
                if under(name, top):
                    rrsets.append(rrset)
                # else a look-alike such as notify-x next to notify: listed among ours by some
                # implementations (moto sorts without the trailing dot), never one of ours
            if not page.get("IsTruncated"):
                return rrsets
            start = {"StartRecordName": page["NextRecordName"], "StartRecordType": page["NextRecordType"]}

    def apply(self, changes: Sequence[RrsetChange]) -> str | None:
        """One change batch holding all of `changes`, shared with other domains' changes that are
        waiting at the same moment; if Route53 refuses a shared batch, each domain's goes alone.
        Returns once Route53 has accepted it: the change id, for `wait_served`."""
        if not changes:
            return None
        job = Job(_Batch(changes, change_batch(changes)))  # limits checked before any call
        zone_id = self.zone_id()
        self._commits(zone_id).submit(job, lambda jobs: self._send(zone_id, jobs), _fits)
        if job.error is not None:
            raise copy.copy(job.error) from None
        return job.result.id

    def _send(self, zone_id: str, jobs: list[Job[_Batch]]) -> None:
        """Send `jobs` as one change batch and give each its outcome (never raises)."""
        try:
            info = self._call(
                "change_resource_record_sets",
                HostedZoneId=zone_id,
                ChangeBatch={
                    "Comment": "dms sender domain records",
                    "Changes": [c for j in jobs for c in j.payload.rendered],
                },
            )
        except ChangeRefused as refused:
            self._view(zone_id).forget()  # what we read may be stale
            if len(jobs) == 1:
                jobs[0].error = refused
            else:  # whose change was refused? Each alone, so one domain's refusal stays its own
                for job in jobs:
                    self._send(zone_id, [job])
            return
        except Exception as exc:  # handed to each waiting domain's thread, raised there
            for job in jobs:
                job.error = exc
            return
        change = self._change(info["ChangeInfo"]["Id"])
        change.info = info["ChangeInfo"]
        for job in jobs:
            job.result = change
            if self.reuse_reads:
                self._view(zone_id).wrote({(c.host, c.rtype): _rrsets(c) for c in job.payload.changes})

    def _change(self, change_id: str) -> _Change:
        change_id = change_id.rsplit("/", 1)[-1]
        return shared(_CHANGES, (*self._account, change_id), lambda: _Change({"Id": change_id}))

    def wait_served(self, change: str) -> None:
        """`GetChange` until INSYNC: then all of Route53's servers for the zone serve it.

        One thread polls at a time per zone. The domains of one batch share its change, and a run's
        batches were made moments apart: once the first to be polled is INSYNC, each other one
        mostly costs one more call, not a polling schedule of its own.
        """
        tracked = self._change(change)
        deadline = time.monotonic() + self.insync_timeout
        polling = shared(_POLLING, (*self._account, self.zone), threading.Lock)
        # Waited for another thread's polls: by now this change has most likely arrived too.
        ask_now = not polling.acquire(blocking=False)
        if ask_now and not polling.acquire(timeout=self.insync_timeout):
            raise _still_pending(tracked, self.insync_timeout)
        try:
            interval = 1.0
            while tracked.info.get("Status") != "INSYNC":
                if "Status" in tracked.info and not ask_now:  # PENDING: give it time before asking again
                    if time.monotonic() >= deadline:
                        raise _still_pending(tracked, self.insync_timeout)
                    self.sleep(interval)
                    interval = min(interval * 2, 10.0)
                ask_now = False
                try:
                    tracked.info = self._call("get_change", Id=tracked.id)["ChangeInfo"]
                except _ChangeForgotten:
                    return  # Route53 forgets changes long INSYNC
        finally:
            polling.release()


def _still_pending(change: _Change, timeout: float) -> DnsUpdateError:
    return DnsUpdateError(
        f"Route53 change {change.id} is still {change.info.get('Status', 'PENDING')} after {timeout:.0f} s; it was"
        " accepted and will finish on its own: run `pulumi up` again to verify"
    )


def _rrsets(change: RrsetChange) -> list[dict[str, Any]]:
    """What Route53 holds at the change's name and type once it is made, as its listing shows it."""
    return [_change("CREATE", change, change.ttl, change.after)["ResourceRecordSet"]] if change.after else []


def _record_set_count(zone: dict[str, Any]) -> int:
    return int(zone.get("ResourceRecordSetCount", 10**9))  # not told: as if huge, never listed whole


def _by_key(rrsets: Sequence[dict[str, Any]]) -> dict[HostType, list[dict[str, Any]]]:
    out: dict[HostType, list[dict[str, Any]]] = {}
    for rrset in rrsets:
        out.setdefault((_unescape_name(rrset["Name"]).rstrip("."), rrset["Type"]), []).append(rrset)
    return out


def _record_sets(found: dict[HostType, list[dict[str, Any]]]) -> dict[HostType, RecordSet]:
    out: dict[HostType, RecordSet] = {}
    for key, rrsets in found.items():
        if any("SetIdentifier" in r or "AliasTarget" in r for r in rrsets):
            raise DnsUpdateError(
                f"{key[0]} {key[1]} in Route53 is an alias or uses a routing policy; this project"
                " manages only simple record sets: remove it or choose another sender domain"
            )
        if not rrsets:
            out[key] = RecordSet(*key)
            continue
        [rrset] = rrsets
        raw = [r["Value"] for r in rrset.get("ResourceRecords", [])]
        values = tuple(from_value(key[1], v) for v in raw)
        strings = tuple(decode_strings(v) for v in raw) if key[1] == "TXT" else ()
        out[key] = RecordSet(key[0], key[1], values, int(rrset["TTL"]), strings)
    return out


def sort_key(name: str) -> str:
    """Route53's listing order: the name with its labels reversed and a trailing dot, compared as text."""
    return ".".join(reversed(name.rstrip(".").lower().split("."))) + "."


def _subtrees(hosts: Sequence[str]) -> dict[str, list[str]]:
    """Group hosts under the highest of them that contains them: each group is one listing."""
    groups: dict[str, list[str]] = {}
    for host in sorted(dict.fromkeys(hosts), key=lambda h: h.count(".")):
        top = next((t for t in groups if under(host, t)), host)
        groups.setdefault(top, []).append(host)
    return groups


def _unescape_name(name: str) -> str:
    # Route53 returns some characters of names as \ooo octal (e.g. \052 for *).
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), name).lower()


def _error(operation: str, code: str, message: str, attempts: int) -> DnsUpdateError:
    if code in RETRYABLE_CODES or code.isdigit():
        return DnsUpdateError(f"Route53 {operation} still failing with {code} after {attempts} attempts: try later")
    if code == "InvalidChangeBatch":
        return ChangeRefused(
            f"Route53 refused the change, so nothing was changed: {message.strip()[:300]}; if records at our"
            " names changed meanwhile, run again"
        )
    if code == "NoSuchChange":
        return _ChangeForgotten(f"Route53 has no change {message.strip()[:100]}")
    if code == "NoSuchHostedZone":
        return DnsUpdateError(
            f"no such Route53 hosted zone: check {setting('dns.hosted_zone_id')} ({message.strip()[:200]})"
        )
    if code in ("AccessDenied", "AccessDeniedException"):
        return DnsUpdateError(
            f"AWS denied route53:{_action(operation)}: grant it to the identity in use (docs/route53.md has the policy)"
        )
    return DnsUpdateError(f"Route53 {operation} failed: {code}: {message.strip()[:300]}")


def _action(operation: str) -> str:
    return "".join(part.capitalize() for part in operation.split("_"))


_HOSTED_ZONE_ID = re.compile(r"^(/hostedzone/)?Z[A-Z0-9]{1,31}$")


@dataclass(frozen=True, kw_only=True)
class Route53Dns(DnsTarget):
    """An Amazon Route53 hosted zone; credentials come from the AWS SDK's usual chain, never from inputs."""

    kind: ClassVar[str] = "route53"
    # Stack config: the keys AWS users' stacks already have.
    config_keys: ClassVar[dict[str, str]] = {"profile": "aws:profile", "region": "aws:region"}

    hosted_zone_id: str | None = None
    """The hosted zone's id (Z...); checked against its name. Default: looked up by name."""
    region: str | None = None
    """The AWS region for the API calls."""
    profile: str | None = None
    """The AWS profile to use."""
    endpoint: str | None = None
    """A Route53-compatible endpoint URL, for tests and local stand-ins."""

    def validated(self, name: validate.Namer) -> Route53Dns:
        from dms_component.providers.adapters.extras import needs_library

        base = super().validated(name)
        needs_library("boto3", "aws", name("provider"))
        zone_id = self.hosted_zone_id
        if zone_id is not None and (not isinstance(zone_id, str) or not _HOSTED_ZONE_ID.match(zone_id)):
            raise ConfigError(
                name("hosted_zone_id"),
                f"{validate.shown(zone_id)} is not a hosted zone id such as Z0123456789ABCDEFGHIJ",
            )
        endpoint = self.endpoint
        if endpoint is not None and (not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://"))):
            raise ConfigError(name("endpoint"), f"{validate.shown(endpoint)} is not an http:// or https:// URL")
        for field_name in ("profile", "region"):
            validate.optional_text(getattr(self, field_name), name(field_name))
        return base

    def adapter(self, reuse_reads: bool = False) -> Route53Host:
        return Route53Host(
            zone=given(self.zone, "zone"),
            hosted_zone_id=self.hosted_zone_id,
            region=self.region,
            profile=self.profile,
            endpoint=self.endpoint,
            ttl=int(self.ttl),
            reuse_reads=reuse_reads,
        )


TARGET = Route53Dns
