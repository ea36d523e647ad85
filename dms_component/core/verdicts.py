"""Per-item verdicts: what the service would say about each required record (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from dms_component.core import dkim, dmarc, spf
from dms_component.core.records import RequiredRecord

VERIFIED = "Verified"
PENDING = "Pending verification"

# What a resolver found at one (host, type): the values, or an error that stopped the lookup.
Answers = Mapping[tuple[str, str], "Answer"]


@dataclass(frozen=True)
class Answer:
    values: tuple[str, ...] = ()  # TXT strings joined; MX as "preference exchange."
    error: str | None = None


@dataclass(frozen=True)
class ItemResult:
    item: str
    host: str
    expected: str
    current: tuple[str, ...]
    ok: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["current"] = list(self.current)
        return d


@dataclass(frozen=True)
class DomainVerdict:
    domain: str
    items: tuple[ItemResult, ...]

    @property
    def status(self) -> str:
        return VERIFIED if self.items and all(i.ok for i in self.items) else PENDING

    def to_dict(self) -> dict[str, Any]:
        return {"domain": self.domain, "status": self.status, "items": [i.to_dict() for i in self.items]}


def judge(domain: str, required: Sequence[RequiredRecord], answers: Answers) -> DomainVerdict:
    return DomainVerdict(domain, tuple(judge_item(r, answers.get((r.host, r.rtype), Answer())) for r in required))


def judge_item(record: RequiredRecord, answer: Answer) -> ItemResult:
    expected = record.value if record.rtype == "TXT" else f"{record.preference} {record.value}"

    def result(ok: bool, reason: str, current: Sequence[str] = answer.values) -> ItemResult:
        return ItemResult(record.item, record.host, expected, tuple(current), ok, reason)

    if answer.error:
        return result(False, f"could not look up {record.rtype} at {record.host}: {answer.error}")
    check = _CHECKS[record.item]
    ok, reason, relevant = check(record, list(answer.values))
    return result(ok, reason, relevant)


def _check_spf(record: RequiredRecord, txts: list[str]) -> tuple[bool, str, list[str]]:
    found = spf.spf_records(txts)
    include = record.value.split()[1].split(":", 1)[1]
    if not found:
        return False, f"no SPF record at {record.host}: publish TXT {record.value!r}", found
    if len(found) > 1:
        return False, f"{len(found)} SPF records at {record.host}: merge them into one", found
    if not spf.includes(found[0], include):
        return False, f"the SPF record at {record.host} lacks include:{include}: add it", found
    return True, "SPF record includes " + include, found


def _check_dkim(record: RequiredRecord, txts: list[str]) -> tuple[bool, str, list[str]]:
    want = dkim.public_key(record.value)
    keys = [(t, dkim.public_key(t)) for t in txts]
    keys = [(t, k) for t, k in keys if k is not None]
    found = [t for t, _ in keys]
    if not keys:
        return False, f"no DKIM key record at {record.host}: publish TXT {record.value[:40]!r}...", found
    if len(keys) > 1:
        return False, f"{len(keys)} DKIM key records at {record.host}: keep only one", found
    key = keys[0][1]
    if key == "":
        return False, f"the DKIM key at {record.host} is revoked (empty p=): publish the expected key", found
    if key != want:
        return False, f"the DKIM key at {record.host} differs from the expected key: replace it", found
    return True, "DKIM key matches", found


def _check_dmarc(record: RequiredRecord, txts: list[str]) -> tuple[bool, str, list[str]]:
    found = [t for t in txts if dmarc.is_dmarc(t)]
    if not found:
        return False, f"no DMARC record at {record.host}: publish TXT {record.value!r}", found
    if len(found) > 1:
        return False, f"{len(found)} DMARC records at {record.host}: keep only one", found
    policy = dmarc.policy(found[0])
    if policy is None:
        return (
            False,
            f"the DMARC record at {record.host} needs v=DMARC1 then a valid p= (none, quarantine or reject)",
            found,
        )
    return True, f"DMARC policy p={policy}", found


def _check_mx(record: RequiredRecord, mxs: list[str]) -> tuple[bool, str, list[str]]:
    want = _host_key(record.value)
    if not mxs:
        return False, f"no MX record at {record.host}: publish MX {record.preference} {record.value}", mxs
    if not any(_host_key(mx.split()[-1]) == want for mx in mxs):
        return False, f"the MX records at {record.host} do not point to {record.value}: add it", mxs
    return True, f"MX points to {record.value}", mxs


def _host_key(name: str) -> str:
    return name.lower().rstrip(".")


_CHECKS = {"SPF": _check_spf, "DKIM": _check_dkim, "DMARC": _check_dmarc, "MX": _check_mx}
