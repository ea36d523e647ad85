"""DNSPod (Tencent Cloud DNS) through the official SDK: reads only our names, changes records by RecordId.

DNSPod keeps single records, each with a RecordId, not record sets; `apply` turns each set change
into CreateRecord / ModifyRecord / DeleteRecord calls on the ids read just before, and refuses a set
that changed since the plan was made. TXT values are given unsplit (DNSPod splits long ones itself);
an MX preference goes in the MX field. Only records on the default line (id "0", named "默认" on the
China site and "Default" on the international one) are managed; a disabled record, or one of weight 0,
is not served and is not counted, but is switched on rather than duplicated when its value is wanted.

DNSPod also offers a record type SPF. One holding a `v=spf1` policy at a name where we write TXT is read
as part of that TXT set (receivers must see one SPF policy), and is rewritten as a TXT record, the same
RecordId and value, before anything else is written there: that is the type DNS serves SPF as.

Writes the client had to retry may have gone through the first time: a create refused as a duplicate,
a delete of a record already gone, a modify refused as a duplicate, are checked against a fresh read
and taken as done when DNSPod holds what was asked (DNSPod lists a new record after a short delay, so
the read is repeated for up to LIST_DELAY seconds).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from dms_component.core import txt, validate
from dms_component.core.changes import HostType, RecordSet, RrsetChange
from dms_component.core.errors import ChangeRefused, ConfigError, DnsUpdateError, setting
from dms_component.core.lookups import under
from dms_component.core.records import RequiredRecord, mx_value
from dms_component.core.spf import is_spf
from dms_component.providers.adapters.settings import given
from dms_component.providers.adapters.dns.base import DnsHost, DnsTarget
from dms_component.providers.adapters.tencent.client import (
    DEFAULT_LINE_ID,
    SITES,
    Api,
    ApiError,
    auth_hint,
    dnspod_api,
)


PAGE = 3000  # DescribeRecordList's largest Limit
LIST_DELAY = 40.0  # DescribeRecordList's doc: a new record may be missing from the list; retry after 30 s
# The DNSPod types read for one of ours: its SPF type holds SPF policies that DNS serves as TXT.
READ_TYPES = {"TXT": ("TXT", "SPF")}
RECORD_EXISTS = "InvalidParameter.DomainRecordExist"
RECORD_ID_INVALID = "InvalidParameter.RecordIdInvalid"
NO_RECORDS = "ResourceNotFound.NoDataOfRecord"


@dataclass
class DnspodHost(DnsHost):
    label: ClassVar[str] = "DNSPod"
    zone: str
    ttl: int = field(default=600, kw_only=True)  # DNSPod's free plan refuses less
    site: str = "china"  # which Tencent Cloud site the account is on: china | intl (its host and line name)
    endpoint: str | None = None  # default: the site's host; an override for tests
    secret_id: str | None = None
    secret_key: str | None = field(default=None, repr=False)  # None: the SDK's environment variables
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)

    def _api(self) -> Api:
        return dnspod_api(self.site, self.endpoint, self.secret_id, self.secret_key, sleep=self.sleep)

    def _call(
        self, api: Api, action: str, params: dict[str, Any], what: str, *, tolerate: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """One call about this zone. A refusal is a DnsUpdateError that names `what`, except the codes in
        `tolerate`, whose ApiError the caller handles."""
        try:
            return api.call(action, {"Domain": self.zone, **params})
        except ApiError as exc:
            if exc.code in tolerate:
                raise
            raise DnsUpdateError(self._explain(exc, what), code=_code(exc)) from None

    def _explain(self, exc: ApiError, what: str) -> str:
        hint = auth_hint(exc, "dns")
        if hint:
            return hint
        if exc.code in ("InvalidParameterValue.DomainNotExists", "ResourceNotFound.NoDataOfDomain"):
            return (
                f"DNSPod has no zone {self.zone} in this account ({exc.code}): check {setting('dns.zone')} and"
                " that the credentials belong to the account holding the zone"
            )
        if exc.code == "LimitExceeded.RecordTtlLimit":
            return (
                f"DNSPod refused TTL {self.ttl} for {what} ({exc.code}): the zone's plan sets a higher minimum"
                f" (600 on the free plan); raise {setting('dns.ttl')}"
            )
        if exc.code == "InvalidParameter.RecordLineInvalid":
            return (
                f"DNSPod refused the default line for {what} ({exc.code}): check {setting('dns.site')}"
                " (china or intl, the site of the account)"
            )
        return f"DNSPod refused {exc.action} for {what}: {exc.code}: {exc.detail}"

    def _subdomain(self, host: str) -> str:
        if host == self.zone:
            return "@"
        if not under(host, self.zone):
            raise DnsUpdateError(f"{host} is not inside the DNSPod zone {self.zone} ({setting('dns.zone')})")
        return host[: -len(self.zone) - 1]

    def _on_default_line(self, record: dict[str, Any]) -> bool:
        line_id = record.get("LineId")
        return line_id == DEFAULT_LINE_ID or (line_id is None and record.get("Line") == SITES[self.site].default_line)

    def _at(self, api: Api, host: str) -> list[dict[str, Any]]:
        """Every default-line record at `host`, of any type and state, with its id."""
        sub = self._subdomain(host)
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            params = {"Subdomain": sub, "Offset": offset, "Limit": PAGE, "ErrorOnEmpty": "no"}
            try:
                answer = self._call(api, "DescribeRecordList", params, host, tolerate=(NO_RECORDS,))
            except ApiError:
                break  # an empty list is an error unless ErrorOnEmpty=no is honoured
            page = answer.get("RecordList") or []
            found += page
            offset += len(page)
            total = (answer.get("RecordCountInfo") or {}).get("TotalCount", offset)
            if not page or offset >= total:
                break
        # The subdomain filter is a filter, not a promise: check the name and line ourselves.
        return [r for r in found if str(r.get("Name", "")).lower() == sub and self._on_default_line(r)]

    def _records(
        self, api: Api, host: str, rtype: str, cache: dict[str, list[dict[str, Any]]] | None = None
    ) -> list[dict[str, Any]]:
        """The default-line records at (host, rtype), served or not (see `_served`)."""
        if cache is None or host not in cache:
            at = self._at(api, host)
            if cache is None:
                return [r for r in at if _read_as(r) == rtype]
            cache[host] = at
        return [r for r in cache[host] if _read_as(r) == rtype]

    def read(self, keys: Sequence[HostType]) -> dict[HostType, RecordSet]:
        api = self._api()
        cache: dict[str, list[dict[str, Any]]] = {}
        out: dict[HostType, RecordSet] = {}
        for host, rtype in dict.fromkeys(keys):
            records = [r for r in self._records(api, host, rtype, cache) if _served(r)]
            if records:
                ttl = min(int(r.get("TTL") or self.ttl) for r in records)
                out[(host, rtype)] = RecordSet(host, rtype, tuple(_logical(r) for r in records), ttl)
        return out

    def before_sync(self, desired: Sequence[RequiredRecord]) -> None:
        # Before planning the write: an SPF policy kept in DNSPod's SPF type becomes a TXT record.
        self._retype_spf({r.host for r in desired if r.rtype == "TXT"})

    def _retype_spf(self, hosts: set[str]) -> None:
        api = self._api()
        for host in sorted(hosts):
            for record in self._records(api, host, "TXT"):
                # Only a served one is a policy receivers see; a disabled one is left as it is, off.
                if record.get("Type") == "SPF" and _served(record) and is_spf(_logical(record)):
                    ttl = int(record.get("TTL") or 0)
                    fields = self._fields(self._subdomain(host), "TXT", _logical(record), ttl, record)  # its weight
                    params = {"RecordId": record["RecordId"], **fields}
                    with contextlib.suppress(ApiError):  # the same value as TXT already: leave this one be
                        self._call(api, "ModifyRecord", params, f"{host} SPF", tolerate=(RECORD_EXISTS,))

    def apply(self, changes: Sequence[RrsetChange]) -> None:
        api = self._api()
        cache: dict[str, list[dict[str, Any]]] = {}
        # Read every set first: if one changed since the plan, nothing at all is written.
        current = {c.key: self._records(api, c.host, c.rtype, cache) for c in changes}
        for change in changes:
            now = sorted(_logical(r) for r in current[change.key] if _served(r))
            if now != sorted(change.before):
                raise ChangeRefused(
                    f"{change.host} {change.rtype} changed in DNSPod since it was read ({now} instead of"
                    f" {sorted(change.before)}); nothing was changed: run `pulumi up` again"
                )
        for change in changes:
            self._apply_one(api, change, current[change.key])

    def _apply_one(self, api: Api, change: RrsetChange, records: list[dict[str, Any]]) -> None:
        what = f"{change.host} {change.rtype}"
        sub = self._subdomain(change.host)
        after = list(dict.fromkeys(change.after))
        served = [r for r in records if _served(r)]
        asleep = [r for r in records if not _served(r)]
        keep = [r for r in served if _logical(r) in after]
        stale = [r for r in served if _logical(r) not in after]
        kept_values = {_logical(r) for r in keep}
        new = [v for v in after if v not in kept_values]
        # A wanted value held by a disabled record: switch that one on (DNSPod may count it as a duplicate).
        for value in list(new):
            sleeping = next((r for r in asleep if _logical(r) == value), None)
            if sleeping is not None:
                asleep.remove(sleeping)
                new.remove(value)
                self._modify(api, change.host, sleeping, self._fields(sub, change.rtype, value, change.ttl), what)
        # Reuse a stale record's id for a new value (ModifyRecord): an SPF record being merged is
        # changed in place and never missing for a moment.
        for record, value in zip(stale, new, strict=False):
            self._modify(api, change.host, record, self._fields(sub, change.rtype, value, change.ttl, record), what)
        for value in new[len(stale) :]:
            self._create(api, change, self._fields(sub, change.rtype, value, change.ttl), what)
        for record in stale[len(new) :]:
            self._delete(api, change, record, what)
        for record in keep:
            if int(record.get("TTL") or 0) != change.ttl:
                fields = self._fields(sub, change.rtype, _logical(record), change.ttl, record)
                self._modify(api, change.host, record, fields, what)

    def _create(self, api: Api, change: RrsetChange, fields: dict[str, Any], what: str) -> None:
        try:
            self._call(api, "CreateRecord", fields, what, tolerate=(RECORD_EXISTS,))
        except ApiError as exc:
            # Ours from a try whose answer was lost, or listed late: what matters is that it is there.
            value = _value_of(change.rtype, fields)
            found = self._find(api, change.host, change.rtype, lambda r: _logical(r) == value)
            if found is None:
                raise DnsUpdateError(
                    f"DNSPod says {what} already holds {value!r} ({exc.code}) but does not list it; nothing"
                    " else was changed there: run `pulumi up` again in a minute",
                    code="dnspod.record-unlisted",
                ) from None
            if not _served(found):
                self._modify(api, change.host, found, fields, what)

    def _modify(self, api: Api, host: str, record: dict[str, Any], fields: dict[str, Any], what: str) -> None:
        params = {"RecordId": record["RecordId"], **fields}
        try:
            self._call(api, "ModifyRecord", params, what, tolerate=(RECORD_EXISTS, RECORD_ID_INVALID))
        except ApiError as exc:
            # A retried modify that went through the first time finds the record as asked: its value, TTL and
            # weight, served (a change of the TTL alone keeps the value, so the value alone proves nothing).
            value = _value_of(fields["RecordType"], fields)

            def as_asked(r: dict[str, Any]) -> bool:
                same_weight = "Weight" not in fields or r.get("Weight") == fields["Weight"]
                return (
                    r.get("RecordId") == record["RecordId"]
                    and _logical(r) == value
                    and r.get("TTL") == fields["TTL"]
                    and same_weight
                    and _served(r)
                )

            # What we write is never DNSPod's SPF type.
            done = self._find(api, host, fields["RecordType"], as_asked, wait=False)
            if done is None:
                raise ChangeRefused(
                    f"{what} changed in DNSPod while it was being written ({exc.code}); run `pulumi up` again"
                ) from None

    def _delete(self, api: Api, change: RrsetChange, record: dict[str, Any], what: str) -> None:
        # Gone already (RECORD_ID_INVALID): a retried delete whose first try went through, or someone else's.
        with contextlib.suppress(ApiError):
            self._call(api, "DeleteRecord", {"RecordId": record["RecordId"]}, what, tolerate=(RECORD_ID_INVALID,))

    def _find(
        self, api: Api, host: str, rtype: str, match: Callable[[dict[str, Any]], bool], wait: bool = True
    ) -> dict[str, Any] | None:
        """The first default-line record at (host, rtype) that `match`es, looked for again while DNSPod
        may still be listing a new record late (up to LIST_DELAY seconds)."""
        deadline = self.clock() + (LIST_DELAY if wait else 0.0)
        delay = 1.0
        while True:
            found = next((r for r in self._records(api, host, rtype) if match(r)), None)
            remaining = deadline - self.clock()
            if found is not None or remaining <= 0:
                return found
            self.sleep(min(delay, remaining))
            delay = min(delay * 2, 10.0)

    def _fields(
        self, sub: str, rtype: str, value: str, ttl: int, record: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "SubDomain": sub,
            "RecordType": rtype,  # an SPF-type record we write becomes TXT (see the module's docstring)
            "RecordLine": SITES[self.site].default_line,
            "RecordLineId": DEFAULT_LINE_ID,  # takes priority over RecordLine: right on either site
            "TTL": ttl,
        }
        weight = (record or {}).get("Weight")
        if weight:  # a weighted record keeps it: ModifyRecord without Weight sets none
            fields["Weight"] = int(weight)
        if rtype == "MX":
            preference, _, exchange = value.partition(" ")
            return {**fields, "MX": int(preference), "Value": exchange, "Status": "ENABLE"}
        return {**fields, "Value": value, "Status": "ENABLE"}


def _code(exc: ApiError) -> str:
    """A stable code for a refusal: the service's own, under the host's name."""
    return f"dnspod.{exc.code}"


def _read_as(record: dict[str, Any]) -> str:
    """The type of ours a DNSPod record is read as: its SPF type counts as TXT."""
    rtype = str(record.get("Type", ""))
    return next((ours for ours, types in READ_TYPES.items() if rtype in types), rtype)


def _served(record: dict[str, Any]) -> bool:
    """Enabled, and not weighted to nothing (CreateRecord's doc: a weight of 0 means off)."""
    return record.get("Status", "ENABLE") == "ENABLE" and record.get("Weight") != 0


def _value_of(rtype: str, fields: dict[str, Any]) -> str:
    return mx_value(fields["MX"], fields["Value"]) if rtype == "MX" else str(fields["Value"])


def _logical(record: dict[str, Any]) -> str:
    """A DNSPod record's value as the planner reads values: TXT unsplit, MX 'pref exchange.'."""
    value = str(record.get("Value", ""))
    rtype = record.get("Type")
    if rtype == "MX":
        return mx_value(record.get("MX") or 0, value)
    if rtype in ("CNAME", "NS"):
        return _fqdn(value)
    if rtype in ("TXT", "SPF"):
        # Some consoles store TXT quoted, long ones as several quoted strings: join them as receivers do.
        return txt.value_of_text(value)
    return value


def _fqdn(name: str) -> str:
    name = name.lower()
    return name if name.endswith(".") else name + "."


@dataclass(frozen=True, kw_only=True)
class DnspodDns(DnsTarget):
    """A zone on Tencent Cloud DNSPod. Without secretId and secretKey, TENCENTCLOUD_SECRET_ID and
    TENCENTCLOUD_SECRET_KEY are read from the environment."""

    kind: ClassVar[str] = "dnspod"
    credential_field: ClassVar[str | None] = "secret_key"

    ttl: int = 600
    """The records' TTL in seconds (default 600, DNSPod's free plan minimum)."""
    site: str = "china"
    """The account's Tencent Cloud site: china (default, dnspod.tencentcloudapi.com) or intl."""
    secret_id: str | None = None
    """The Tencent Cloud API key id (with secretKey)."""
    secret_key: str | None = field(default=None, repr=False)
    """The Tencent Cloud API key; a Pulumi secret, never kept in plain text."""
    endpoint: str | None = None
    """The DNSPod API endpoint (default: the site's DNSPod host), for tests."""

    def validated(self, name: validate.Namer) -> DnspodDns:
        from dms_component.providers.adapters.extras import needs_library

        base = super().validated(name)
        needs_library("tencentcloud.dnspod", "tencent", name("provider"))
        site = validate.text(self.site, name("site"), tuple(SITES))
        tencent_credentials(self.secret_id, self.secret_key, name)
        validate.endpoint(self.endpoint, name("endpoint"))
        return replace(base, site=site)

    def adapter(self, reuse_reads: bool = False) -> DnspodHost:
        return DnspodHost(
            given(self.zone, "zone"),
            site=self.site,
            endpoint=self.endpoint,
            secret_id=self.secret_id,
            secret_key=self.secret_key,  # None: the SDK's environment variables
            ttl=int(self.ttl),
            reuse_reads=reuse_reads,
        )


def tencent_credentials(secret_id: Any, secret_key: Any, name: validate.Namer) -> None:
    """secret_id and secret_key, both or neither (then the SDK's environment variables are used)."""
    if (secret_id is None) != (secret_key is None):
        missing = "secret_key" if secret_key is None else "secret_id"
        raise ConfigError(
            name(missing),
            f"missing: give {name('secret_id')} and {name('secret_key')} together, or neither and set"
            " TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY",
        )
    if secret_id is not None:
        validate.text(secret_id, name("secret_id"))
        validate.secret_text(secret_key, name("secret_key"))


TARGET = DnspodDns
