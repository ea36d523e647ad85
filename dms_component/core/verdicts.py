"""Per-item verdicts: what the service, and a receiving mail server, would say about each record (pure).

`evaluate` judges the items from the DNS answers it is given and lists the questions it still
needs (an include's SPF record, a CNAME's target, the MX host's address...). The shell asks them
and evaluates again until nothing is missing; `judge` gives the final verdict with whatever is
there (a missing answer then fails its item).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from dms_component.core import dkim, dmarc, spf
from dms_component.core.lookups import Answer, Lookups, Question, Resolved, canonical, question
from dms_component.core.records import RequiredRecord

# A domain's status as people read it (the console's words, the stack output `status`) ...
VERIFIED = "Verified"
PENDING = "Pending verification"
# ... and as it is stored (the ledger) and compared by programs: stable codes.
VERIFIED_CODE, PENDING_CODE = "verified", "pending"
_STATUS_CODES = {VERIFIED: VERIFIED_CODE, PENDING: PENDING_CODE}


def status_code(status: str) -> str:
    """The stable code of a status label (VERIFIED or PENDING)."""
    return _STATUS_CODES[status]


def status_label(stored: str) -> str:
    """The status label of a stored status: a code, or a label as rows written before codes hold."""
    for label, code in _STATUS_CODES.items():
        if stored in (label, code):
            return label
    raise ValueError(f"unknown sender-domain status {stored!r}")


def stored_forms(status: str) -> tuple[str, str]:
    """Every way a status may be stored: the code (written now) and the label (older rows)."""
    return status_code(status), status


NOT_CHECKED = "check.not-checked"  # provisional: the answer has not been asked yet
LOOKUP_FAILED = "dns.lookup-failed"  # a DNS problem (timeout, SERVFAIL, servers disagree), not a record problem
LAGGING = "dns.lagging"  # a server asked does not serve what the primary serves yet: the change is on its way
OK_CODES = frozenset({"spf.ok", "dkim.ok", "dkim.probe-ok", "dmarc.ok", "mx.ok"})
# Codes that say only that the answer is not known yet: never a reason to refuse a plan.
UNKNOWN_CODES = frozenset({NOT_CHECKED, LOOKUP_FAILED, LAGGING, "spf.temperror", "mx.address-lookup-failed"})

# What the servers said at each (name, type) asked so far.
Answers = Mapping[Question, Answer]


@dataclass(frozen=True)
class ItemResult:
    item: str
    host: str
    expected: str
    current: tuple[str, ...]
    ok: bool
    reason: str
    code: str = ""  # stable and machine-readable (docs/checks.md): e.g. spf.ok, spf.lookup-limit

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
        return {
            "domain": self.domain,
            "status": self.status,
            "status_code": status_code(self.status),
            "items": [i.to_dict() for i in self.items],
        }


@dataclass(frozen=True)
class Evaluation:
    verdict: DomainVerdict  # provisional while `needs` is not empty
    needs: frozenset[Question]  # questions to ask before the verdict is final


def first_questions(required: Sequence[RequiredRecord]) -> list[Question]:
    """What a poll asks up front: each record's own question, and those a correct zone leads to."""
    out = [question(r.host, r.rtype) for r in required]
    for r in required:
        include = spf.first_include(r.value) if r.item == "SPF" else None
        if include:
            out.append(question(include, "TXT"))
        if r.item == "MX":
            out += [question(r.value, "A"), question(r.value, "AAAA")]
    return list(dict.fromkeys(out))


def evaluate(
    domain: str, required: Sequence[RequiredRecord], answers: Answers, *, dkim_probe: bytes | None = None
) -> Evaluation:
    """Judge with the answers so far; `needs` lists what is still to ask."""
    lookups = Lookups(answers)
    verdict = _judge(domain, required, lookups, dkim_probe)
    return Evaluation(verdict, frozenset(lookups.needs))


def judge(
    domain: str, required: Sequence[RequiredRecord], answers: Answers, *, dkim_probe: bytes | None = None
) -> DomainVerdict:
    """The final verdict: an answer that is missing fails the item that needed it."""
    return _judge(domain, required, Lookups(answers, final=True), dkim_probe)


def evaluate_planned(
    record: RequiredRecord, planned: Sequence[str], answers: Answers, *, final: bool = False
) -> tuple[ItemResult, frozenset[Question]]:
    """The item `record` as the verifier will judge it once (host, type) holds `planned` (a plan's
    `after`), with the other answers so far; also the questions still to ask (none when `final`).

    The planner's shell calls this at preview, so a plan that would write a record the verifier
    fails is refused before anything is written: the same check, not a second opinion.
    """
    overlay = ChainMap({question(record.host, record.rtype): Answer(tuple(planned))}, answers)  # type: ignore[arg-type]
    lookups = Lookups(overlay, final=final)
    item = _judge_one(record, lookups, None)
    return item, frozenset(lookups.needs)


def refuses(item: ItemResult) -> bool:
    """A planned item fails for sure: refuse the plan. A lookup that fails now (UNKNOWN_CODES) is no
    proof; the verifier will say what it finds."""
    return not item.ok and item.code not in UNKNOWN_CODES


def _judge(domain: str, required: Sequence[RequiredRecord], lookups: Lookups, probe: bytes | None) -> DomainVerdict:
    return DomainVerdict(domain, tuple(_judge_one(r, lookups, probe) for r in required))


def _judge_one(record: RequiredRecord, lookups: Lookups, probe: bytes | None) -> ItemResult:
    expected = record.value if record.rtype == "TXT" else f"{record.preference} {record.value}"
    found = lookups.resolve(record.host, record.rtype)
    if found is None:  # not asked yet: provisional
        return ItemResult(record.item, record.host, expected, (), False, "not checked yet", NOT_CHECKED)
    if found.lagging:  # what the primary serves, and who is behind
        reason = f"{record.rtype} at {record.host}: {found.error}"
        return ItemResult(record.item, record.host, expected, found.values, False, reason, LAGGING)
    if found.error is not None:
        reason = f"could not look up {record.rtype} at {record.host}: {found.error}"
        return ItemResult(record.item, record.host, expected, (), False, reason, LOOKUP_FAILED)
    code, reason, current = _CHECKS[record.item](record, found, lookups, probe)
    return ItemResult(record.item, record.host, expected, tuple(current), code in OK_CODES, reason, code)


# A check gives (code, reason, the records it is about); the item passes when the code is in OK_CODES.
Checked = tuple[str, str, list[str]]
Check = Callable[[RequiredRecord, Resolved, Lookups, "bytes | None"], Checked]


def _check_spf(record: RequiredRecord, found: Resolved, lookups: Lookups, _probe: bytes | None) -> Checked:
    host, include = record.host, spf.first_include(record.value)
    records = spf.spf_records(found.values)
    if not records:
        return "spf.missing", f"no SPF record at {host}: publish TXT {record.value!r}", records
    if len(records) > 1:
        return "spf.multiple", f"{len(records)} SPF records at {host}: merge them into one", records
    try:
        parsed = spf.parse(records[0])
    except spf.SpfSyntaxError as exc:
        return "spf.syntax", f"the SPF record at {host} is invalid ({exc}): fix it", records
    if include is not None:
        term, after_all = spf.find_include(parsed, include)
        if term is None:
            return "spf.include-missing", f"the SPF record at {host} lacks include:{include}: add it", records
        if term.qualifier != "+":
            reason = f"the SPF record at {host} has {term}, which does not authorise the service: use include:{include}"
            return "spf.include-qualifier", reason, records
        if after_all:
            reason = f"the SPF record at {host} has include:{include} after all: move it before all"
            return "spf.include-after-all", reason, records
    result = spf.evaluate(found.name, parsed, lookups)
    if result.error is not None:
        if result.kind == "temperror":
            return "spf.temperror", f"the SPF check of {host} could not finish: {result.error}", records
        reason = f"receivers reject the SPF record at {host}: {result.error}: fix it"
        return result.code or "spf.permerror", reason, records
    if result.all_qualifier == "+":
        reason = f"the SPF record at {host} ends in +all, which lets anyone send as {canonical(found.name)}"
        return "spf.plus-all", reason + ": use ~all or -all", records
    return "spf.ok", f"SPF record includes {include}" if include else "SPF record is valid", records


def _check_dkim(record: RequiredRecord, found: Resolved, _lookups: Lookups, probe: bytes | None) -> Checked:
    host = record.host
    records = [t for t in found.values if dkim.is_key_record(t)]
    if not records:
        return (
            "dkim.missing",
            f"no DKIM key record at {host}{found.via()}: publish TXT {record.value[:40]!r}...",
            records,
        )
    if len(records) > 1:
        return "dkim.multiple", f"{len(records)} DKIM key records at {host}{found.via()}: keep only one", records
    try:
        key = dkim.parse_key_record(records[0])
    except dkim.DkimRecordError as exc:
        return "dkim.syntax", f"the DKIM key record at {host}{found.via()} is invalid ({exc}): replace it", records
    try:
        want = dkim.parse_key_record(record.value)
    except dkim.DkimRecordError:  # the service's own value in a form we can't read: it must match as text
        if _squeeze(records[0]) == _squeeze(record.value):
            return "dkim.ok", "DKIM record matches", records
        return (
            "dkim.record-mismatch",
            f"the DKIM record at {host}{found.via()} differs from the expected one: replace it",
            records,
        )
    problem = _dkim_key_problem(key, want)
    if problem:
        return problem[0], f"the DKIM key at {host}{found.via()} {problem[1]}", records
    der = dkim.decode_key(key.public_key)
    if dkim.rsa_public_key(der or b"") is None:
        return "dkim.not-rsa", f"the DKIM key at {host}{found.via()} is not an RSA public key: replace it", records
    if der != dkim.decode_key(want.public_key):
        return (
            "dkim.key-mismatch",
            f"the DKIM key at {host}{found.via()} differs from the expected key: replace it",
            records,
        )
    if probe is not None:
        failure = dkim.verify_message(probe, der or b"")
        if failure:
            reason = f"a message signed with the domain's private key fails with the key at {host} ({failure})"
            return "dkim.probe-failed", reason + ": publish the expected key", records
        return "dkim.probe-ok", "DKIM key matches; a signed probe message verifies", records
    return "dkim.ok", "DKIM key matches", records


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _dkim_key_problem(key: dkim.KeyRecord, want: dkim.KeyRecord) -> tuple[str, str] | None:
    if key.revoked:
        return "dkim.revoked", "is revoked (empty p=): publish the expected key"
    if key.key_type != want.key_type:
        return (
            "dkim.key-type",
            f"has k={key.key_type}, the service signs with k={want.key_type}: publish the expected key",
        )
    if key.hashes is not None and "sha256" not in key.hashes:
        return (
            "dkim.hash",
            f"allows only h={':'.join(key.hashes)}, the service signs with sha256: remove h= or add sha256",
        )
    if not {"*", "email"} & set(key.services):
        return "dkim.service", f"is limited to s={':'.join(key.services)}, not email: remove s= or use s=email"
    if dkim.decode_key(key.public_key) is None:
        return "dkim.base64", "is not valid base64: replace it"
    return None


def _check_dmarc(record: RequiredRecord, found: Resolved, _lookups: Lookups, _probe: bytes | None) -> Checked:
    host, via = record.host, found.via()
    records = [t for t in found.values if dmarc.is_dmarc(t)]
    if not records:
        misses = [(t, dmarc.near_miss(t)) for t in found.values]
        misses = [(t, why) for t, why in misses if why]
        if misses:
            return (
                "dmarc.not-dmarc",
                f"the TXT record at {host}{via} is not a DMARC record: {misses[0][1]}",
                [misses[0][0]],
            )
        return "dmarc.missing", f"no DMARC record at {host}{via}: publish TXT {record.value!r}", records
    if len(records) > 1:
        return "dmarc.multiple", f"{len(records)} DMARC records at {host}{via}: keep only one", records
    try:
        parsed = dmarc.parse(records[0])
    except dmarc.PolicyError:
        reason = f"the DMARC record at {host}{via} needs v=DMARC1 then a valid p= (none, quarantine or reject)"
        return "dmarc.policy", reason, records
    except dmarc.DmarcRecordError as exc:
        return "dmarc.syntax", f"the DMARC record at {host}{via} {exc}", records
    return "dmarc.ok", f"DMARC policy p={parsed.policy}{via}", records


def _check_mx(record: RequiredRecord, found: Resolved, lookups: Lookups, _probe: bytes | None) -> Checked:
    host, want = record.host, canonical(record.value)
    mxs = list(found.values)
    exchanges = [_exchange(mx) for mx in mxs]
    if not mxs:
        return "mx.missing", f"no MX record at {host}: publish MX {record.preference} {record.value}", mxs
    if "" in exchanges:
        reason = f"the MX at {host} is a null MX (0 .), which refuses all mail: replace it with MX"
        return "mx.null", f"{reason} {record.preference} {record.value}", mxs
    if want not in exchanges:
        return "mx.wrong-host", f"the MX records at {host} do not point to {record.value}: add it", mxs
    v4, v6 = lookups.resolve(want, "A"), lookups.resolve(want, "AAAA")
    if v4 is None or v6 is None:
        return "check.not-checked", "not checked yet", mxs
    if v4.values or v6.values:
        return "mx.ok", f"MX points to {record.value}", mxs
    errors = [r.error for r in (v4, v6) if r.error]
    if errors:
        return "mx.address-lookup-failed", f"could not look up the address of {record.value}: {errors[0]}", mxs
    return (
        "mx.no-address",
        f"the MX host {record.value} has no address (A or AAAA): mail to {host} can't be delivered",
        mxs,
    )


def _exchange(mx: str) -> str | None:
    """The host of an MX value "preference exchange." ("" for the null MX), None when malformed."""
    parts = mx.split()
    return canonical(parts[1]) if len(parts) == 2 else None


_CHECKS: dict[str, Check] = {"SPF": _check_spf, "DKIM": _check_dkim, "DMARC": _check_dmarc, "MX": _check_mx}


__all__ = [
    "PENDING",
    "PENDING_CODE",
    "VERIFIED",
    "VERIFIED_CODE",
    "Answer",
    "Answers",
    "DomainVerdict",
    "Evaluation",
    "ItemResult",
    "judge",
    "status_code",
    "status_label",
    "stored_forms",
]
