"""DNSPod (Tencent Cloud DNS) through the official SDK: reads only our names, changes records by RecordId.

DNSPod keeps single records, each with a RecordId, not record sets; `apply` turns each set change
into CreateRecord / ModifyRecord / DeleteRecord calls on the ids read just before, and refuses a set
that changed since the plan was made. TXT values are given unsplit (DNSPod splits long ones itself);
an MX preference goes in the MX field. Only records on the default line are managed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from dms_component.core import txt, validate
from dms_component.core.changes import Key, RecordSet, RrsetChange
from dms_component.core.errors import ConfigError, DnsUpdateError
from dms_component.core.lookups import under
from dms_component.core.records import mx_value
from dms_component.providers.adapters.dns.base import DnsProvider, DnsTarget

if TYPE_CHECKING:
    from pulumi import Input

from dms_component.providers.adapters.tencent.client import Api, ApiError, auth_hint, dnspod_api

DEFAULT_LINE = "默认"  # DNSPod's name for the default line, whose id is "0"
PAGE = 3000  # DescribeRecordList's largest Limit


@dataclass
class DnspodProvider(DnsProvider):
    zone: str
    endpoint: str | None = None  # default dnspod.tencentcloudapi.com; an override for tests
    secret_id: str | None = None
    secret_key: str | None = field(default=None, repr=False)  # None: the SDK's environment variables

    def _api(self) -> Api:
        return dnspod_api(self.endpoint, self.secret_id, self.secret_key)

    def _call(self, api: Api, action: str, params: dict[str, Any], what: str) -> dict[str, Any]:
        try:
            return api.call(action, {"Domain": self.zone, **params})
        except ApiError as exc:
            raise DnsUpdateError(self._explain(exc, what)) from None

    def _explain(self, exc: ApiError, what: str) -> str:
        hint = auth_hint(exc, "dms:dns")
        if hint:
            return hint
        if exc.code in ("InvalidParameterValue.DomainNotExists", "ResourceNotFound.NoDataOfDomain"):
            return (
                f"DNSPod has no zone {self.zone} in this account ({exc.code}): check dms:dns.zone and that"
                " the credentials belong to the account holding the zone"
            )
        if exc.code == "LimitExceeded.RecordTtlLimit":
            return f"DNSPod refused TTL {self.ttl} for {what}: the zone's plan sets a higher minimum; raise dms:dns.ttl"
        return f"DNSPod refused {exc.action} for {what}: {exc.code}: {exc.message}"

    def _subdomain(self, host: str) -> str:
        if host == self.zone:
            return "@"
        if not under(host, self.zone):
            raise DnsUpdateError(f"{host} is not inside the DNSPod zone {self.zone} (dms:dns.zone)")
        return host[: -len(self.zone) - 1]

    def _records(self, api: Api, host: str, rtype: str) -> list[dict[str, Any]]:
        """The enabled default-line records at (host, rtype), with their ids."""
        sub = self._subdomain(host)
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            params = {"Subdomain": sub, "RecordType": rtype, "Offset": offset, "Limit": PAGE, "ErrorOnEmpty": "no"}
            try:
                answer = api.call("DescribeRecordList", {"Domain": self.zone, **params})
            except ApiError as exc:
                if exc.code == "ResourceNotFound.NoDataOfRecord":
                    return found  # an empty list is an error unless ErrorOnEmpty=no is honoured
                raise DnsUpdateError(self._explain(exc, f"{host} {rtype}")) from None
            page = answer.get("RecordList") or []
            found += page
            offset += len(page)
            total = (answer.get("RecordCountInfo") or {}).get("TotalCount", offset)
            if not page or offset >= total:
                break
        return [
            r
            for r in found
            # The subdomain filter is a filter, not a promise: check name, type and line ourselves.
            if str(r.get("Name", "")).lower() == sub
            and r.get("Type") == rtype
            and r.get("Status", "ENABLE") == "ENABLE"
            and (r.get("LineId") in ("0", None) or r.get("Line") == DEFAULT_LINE)
        ]

    def read(self, keys: Sequence[Key]) -> dict[Key, RecordSet]:
        api = self._api()
        out: dict[Key, RecordSet] = {}
        for host, rtype in dict.fromkeys(keys):
            records = self._records(api, host, rtype)
            if records:
                ttl = min(int(r.get("TTL") or self.ttl) for r in records)
                out[(host, rtype)] = RecordSet(host, rtype, tuple(_logical(r) for r in records), ttl)
        return out

    def apply(self, changes: Sequence[RrsetChange]) -> None:
        api = self._api()
        # Read every set first: if one changed since the plan, nothing at all is written.
        current = {c.key: self._records(api, c.host, c.rtype) for c in changes}
        for change in changes:
            now = sorted(_logical(r) for r in current[change.key])
            if now != sorted(change.before):
                raise DnsUpdateError(
                    f"{change.host} {change.rtype} changed in DNSPod since it was read ({now} instead of"
                    f" {sorted(change.before)}); nothing was changed: run `pulumi up` again"
                )
        for change in changes:
            self._apply_one(api, change, current[change.key])

    def _apply_one(self, api: Api, change: RrsetChange, records: list[dict[str, Any]]) -> None:
        what = f"{change.host} {change.rtype}"
        after = list(dict.fromkeys(change.after))
        keep = [r for r in records if _logical(r) in after]
        stale = [r for r in records if _logical(r) not in after]
        kept_values = {_logical(r) for r in keep}
        new = [v for v in after if v not in kept_values]
        sub = self._subdomain(change.host)
        # Reuse a stale record's id for a new value (ModifyRecord): an SPF record being merged is
        # changed in place and never missing for a moment.
        for record, value in zip(stale, new, strict=False):
            self._call(api, "ModifyRecord", {"RecordId": record["RecordId"], **self._fields(sub, change, value)}, what)
        for value in new[len(stale) :]:
            self._call(api, "CreateRecord", self._fields(sub, change, value), what)
        for record in stale[len(new) :]:
            self._call(api, "DeleteRecord", {"RecordId": record["RecordId"]}, what)
        for record in keep:
            if int(record.get("TTL") or 0) != change.ttl:
                fields = self._fields(sub, change, _logical(record))
                self._call(api, "ModifyRecord", {"RecordId": record["RecordId"], **fields}, what)

    @staticmethod
    def _fields(sub: str, change: RrsetChange, value: str) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "SubDomain": sub,
            "RecordType": change.rtype,
            "RecordLine": DEFAULT_LINE,
            "TTL": change.ttl,
        }
        if change.rtype == "MX":
            preference, _, exchange = value.partition(" ")
            return {**fields, "MX": int(preference), "Value": exchange}
        return {**fields, "Value": value}


def _logical(record: dict[str, Any]) -> str:
    """A DNSPod record's value as the planner reads values: TXT unsplit, MX 'pref exchange.'."""
    value = str(record.get("Value", ""))
    rtype = record.get("Type")
    if rtype == "MX":
        return mx_value(record.get("MX") or 0, value)
    if rtype in ("CNAME", "NS"):
        return _fqdn(value)
    if rtype == "TXT":
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

    ttl: Input[int] = 600
    """The records' TTL in seconds (default 600, DNSPod's free plan minimum)."""
    secret_id: Input[str] | None = None
    """The Tencent Cloud API key id (with secretKey)."""
    secret_key: Input[str] | None = field(default=None, repr=False)
    """The Tencent Cloud API key; a Pulumi secret, never kept in plain text."""
    endpoint: Input[str] | None = None
    """The DNSPod API endpoint (default dnspod.tencentcloudapi.com), for tests."""

    def validated(self, name: validate.Namer) -> DnspodDns:
        from dms_component.providers.adapters.extras import needs_library

        base = super().validated(name)
        needs_library("tencentcloud.dnspod", "tencent", name("provider"))
        tencent_credentials(self.secret_id, self.secret_key, name)
        validate.endpoint(self.endpoint, name("endpoint"))
        return base

    def provider(self, reuse_reads: bool = False) -> DnspodProvider:
        return DnspodProvider(
            self.zone,
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
