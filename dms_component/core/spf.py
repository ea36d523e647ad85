"""SPF (RFC 7208): parse a record and evaluate it as a receiver would, without I/O (pure).

`parse` follows the ABNF of RFC 7208 section 12. `evaluate` walks the record the way check_host()
does for a sender that matches no mechanism (the worst case: every term is evaluated up to `all`),
counting DNS-querying terms (limit 10), void lookups (limit 2) and include loops. It reads DNS
answers from a `Lookups`; what it needs and does not have yet is noted there, and the caller asks
for it and evaluates again. Sender-dependent macros (%{i}, %{s}, ...) can't be expanded without a
message: such a term counts toward the limit but is not looked up.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from dms_component.core.errors import clipped
from dms_component.core.lookups import Lookups, canonical

VERSION = "v=spf1"
LOOKUP_LIMIT = 10  # RFC 7208 4.6.4: include, a, mx, ptr, exists and redirect
VOID_LIMIT = 2  # RFC 7208 4.6.4: lookups that find nothing
MX_LIMIT = 10  # RFC 7208 4.6.4: exchanges of one mx mechanism

QUALIFIERS = "+-~?"
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
_DOMAIN_TERMS = ("include", "a", "mx", "ptr", "exists")

_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9\-_.]*)=(.*)", re.DOTALL)
_DIRECTIVE = re.compile(r"([A-Za-z][A-Za-z0-9]*)(?::(.*?))?((?:/[0-9]+)?(?://[0-9]+)?)", re.DOTALL)
_CIDR = re.compile(r"0|[1-9][0-9]{0,2}")
_TOPLABEL = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]")
_MACRO = re.compile(r"%\{([A-Za-z])([0-9]*)(r?)([.\-+,/_=]*)\}", re.IGNORECASE)
_MACRO_LETTERS = "slodiphcrtv"
_DOMAIN_SPEC_LETTERS = "slodiphv"  # RFC 7208 7.1: c, r and t only in explanation text, never in a domain-spec
_STATIC_LETTERS = "do"  # known without a message: the domain being checked, the sender's domain


class SpfSyntaxError(ValueError):
    """The record breaks RFC 7208's syntax; the message names the term."""


@dataclass(frozen=True)
class Mechanism:
    qualifier: str  # one of + - ~ ?
    kind: str  # lower-case: all include a mx ptr ip4 ip6 exists
    target: str | None = None  # domain-spec, or the network of ip4/ip6
    cidr4: int | None = None  # ip4 and a/mx prefix length
    cidr6: int | None = None  # ip6 and a/mx IPv6 prefix length

    def __str__(self) -> str:
        text = ("" if self.qualifier == "+" else self.qualifier) + self.kind
        if self.target is not None:
            text += ":" + self.target
        if self.kind == "ip6":
            return text + (f"/{self.cidr6}" if self.cidr6 is not None else "")
        if self.cidr4 is not None:
            text += f"/{self.cidr4}"
        if self.cidr6 is not None:
            text += f"//{self.cidr6}"
        return text


@dataclass(frozen=True)
class Modifier:
    name: str  # lower-case
    value: str

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


@dataclass(frozen=True)
class SpfRecord:
    terms: tuple[Mechanism | Modifier, ...] = ()

    @property
    def mechanisms(self) -> tuple[Mechanism, ...]:
        return tuple(t for t in self.terms if isinstance(t, Mechanism))

    def modifier(self, name: str) -> str | None:
        return next((t.value for t in self.terms if isinstance(t, Modifier) and t.name == name), None)

    @property
    def redirect(self) -> str | None:
        return self.modifier("redirect")

    def __str__(self) -> str:
        return " ".join([VERSION, *(str(t) for t in self.terms)])


def is_spf(txt: str) -> bool:
    """RFC 7208 4.5: `v=spf1` (any case) alone or followed by a space; `v=spf10` is not SPF."""
    return txt[:6].lower() == VERSION and (len(txt) == 6 or txt[6] == " ")


def spf_records(txts: list[str] | tuple[str, ...]) -> list[str]:
    """The SPF records among the TXT values at a name; other TXT records are not SPF's business."""
    return [t for t in txts if is_spf(t)]


def parse(text: str) -> SpfRecord:
    """The record's terms; SpfSyntaxError (a permerror for receivers) when it breaks the syntax."""
    if not is_spf(text):
        raise SpfSyntaxError("it does not start with v=spf1")
    terms: list[Mechanism | Modifier] = []
    seen: set[str] = set()
    for raw in text[6:].split(" "):
        if not raw:
            continue
        term = _parse_term(raw)
        if isinstance(term, Modifier) and term.name in ("redirect", "exp"):
            if term.name in seen:
                raise SpfSyntaxError(f"{term.name}= appears twice")
            seen.add(term.name)
        terms.append(term)
    return SpfRecord(tuple(terms))


def _parse_term(raw: str) -> Mechanism | Modifier:
    modifier = _MODIFIER.fullmatch(raw)
    if modifier:
        name, value = modifier.group(1).lower(), modifier.group(2)
        if name in ("redirect", "exp"):
            _check_domain_spec(value, raw)
        else:
            _check_macro_string(value, raw)
        return Modifier(name, value)
    qualifier = raw[0] if raw[0] in QUALIFIERS else "+"
    body = raw[1:] if raw[0] in QUALIFIERS else raw
    match = _DIRECTIVE.fullmatch(body)
    kind = match.group(1).lower() if match else ""
    if not match or kind not in MECHANISMS:
        raise SpfSyntaxError(f"unknown term {clipped(raw)!r}")
    target, cidr = match.group(2), match.group(3)
    if kind == "all":
        if target is not None or cidr:
            raise SpfSyntaxError(f"{raw!r}: all takes no argument")
        return Mechanism(qualifier, kind)
    if kind in ("ip4", "ip6"):
        return _parse_ip(qualifier, kind, target, cidr, raw)
    if target is None and kind in ("include", "exists"):
        raise SpfSyntaxError(f"{raw!r}: {kind} needs :domain")
    if target is not None:
        _check_domain_spec(target, raw)
    cidr4, cidr6 = _dual_cidr(cidr, raw)
    if (cidr4 is not None or cidr6 is not None) and kind not in ("a", "mx"):
        raise SpfSyntaxError(f"{raw!r}: {kind} takes no prefix length")
    return Mechanism(qualifier, kind, target, cidr4, cidr6)


def _parse_ip(qualifier: str, kind: str, target: str | None, cidr: str, raw: str) -> Mechanism:
    if not target:
        raise SpfSyntaxError(f"{raw!r}: {kind} needs an address")
    bits = 32 if kind == "ip4" else 128
    if cidr.startswith("//") or cidr.count("/") > 1:
        raise SpfSyntaxError(f"{raw!r}: bad prefix length")
    length = None
    if cidr:
        length = int(cidr[1:]) if _CIDR.fullmatch(cidr[1:]) else -1
        if not 0 <= length <= bits:
            raise SpfSyntaxError(f"{raw!r}: prefix length must be 0 to {bits}")
    try:
        if kind == "ip4":
            ipaddress.IPv4Address(target)
        else:
            ipaddress.IPv6Address(target)
    except ValueError:
        raise SpfSyntaxError(f"{raw!r}: {target!r} is not an {'IPv4' if kind == 'ip4' else 'IPv6'} address") from None
    if kind == "ip4":
        return Mechanism(qualifier, kind, target, cidr4=length)
    return Mechanism(qualifier, kind, target, cidr6=length)


def _dual_cidr(cidr: str, raw: str) -> tuple[int | None, int | None]:
    if not cidr:
        return None, None
    v4, _, v6 = cidr.partition("//")
    out: list[int | None] = []
    for text, bits in ((v4[1:] if v4 else None, 32), (v6 or None, 128)):
        if text is None:
            out.append(None)
            continue
        if not _CIDR.fullmatch(text) or int(text) > bits:
            raise SpfSyntaxError(f"{raw!r}: prefix length must be 0 to {bits}")
        out.append(int(text))
    return out[0], out[1]


def _check_macro_string(text: str, raw: str, letters: str = _MACRO_LETTERS) -> None:
    i = 0
    while i < len(text):
        c = text[i]
        if c == "%":
            if text[i + 1 : i + 2] in ("%", "_", "-"):
                i += 2
                continue
            macro = _MACRO.match(text, i)
            if not macro or macro.group(1).lower() not in letters:
                raise SpfSyntaxError(f"{clipped(raw)!r}: bad macro")
            if macro.group(2) and int(macro.group(2)) == 0:
                raise SpfSyntaxError(f"{clipped(raw)!r}: a macro part count must not be 0")
            i = macro.end()
            continue
        if not 0x21 <= ord(c) <= 0x7E:
            raise SpfSyntaxError(f"{clipped(raw)!r}: character {c!r} is not allowed")
        i += 1


def _check_domain_spec(text: str, raw: str) -> None:
    if not text:
        raise SpfSyntaxError(f"{raw!r}: empty domain")
    _check_macro_string(text, raw, _DOMAIN_SPEC_LETTERS)
    if _ends_with_macro(text):
        return
    body = text[:-1] if text.endswith(".") else text
    head, dot, last = body.rpartition(".")
    if not dot or not head or not _TOPLABEL.fullmatch(last):
        raise SpfSyntaxError(f"{clipped(raw)!r}: {clipped(text)!r} is not a domain name")


def _ends_with_macro(text: str) -> bool:
    return any(m.end() == len(text) for m in _MACRO.finditer(text))


def expand(spec: str, domain: str, sender_domain: str) -> str | None:
    """The domain-spec with %{d} and %{o} expanded; None when it needs the message (%{i}, %{s}, ...)."""
    out: list[str] = []
    i = 0
    while i < len(spec):
        c = spec[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        two = spec[i + 1 : i + 2]
        if two in ("%", "_", "-"):
            out.append({"%": "%", "_": " ", "-": "%20"}[two])
            i += 2
            continue
        macro = _MACRO.match(spec, i)
        if macro is None:
            return None  # parse() refuses these; be safe for callers that did not parse
        letter = macro.group(1).lower()
        if letter not in _STATIC_LETTERS:
            return None
        value = domain if letter == "d" else sender_domain
        out.append(_transform(value, macro.group(2), macro.group(3), macro.group(4)))
        i = macro.end()
    name = canonical("".join(out))
    while len(name) > 253 and "." in name:  # RFC 7208 7.3: drop left-hand labels until it fits
        name = name.split(".", 1)[1]
    return name


def _transform(value: str, digits: str, reverse: str, delimiters: str) -> str:
    parts = re.split("[" + re.escape(delimiters or ".") + "]", value)
    if reverse:
        parts.reverse()
    if digits:
        parts = parts[-int(digits) :]
    return ".".join(parts)


def valid_name(name: str) -> bool:
    labels = name.split(".")
    return 0 < len(name) <= 253 and all(0 < len(label) <= 63 for label in labels)


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckHost:
    """How a receiver's check_host() ends for a sender that matches nothing."""

    error: str | None = None  # what stops evaluation, in a few words; None: it completes
    kind: str | None = None  # "permerror" or "temperror" when error is set
    code: str | None = None  # a stable code for `error` (docs/checks.md), e.g. spf.lookup-limit
    lookups: int = 0  # DNS-querying terms used
    voids: int = 0  # lookups that found nothing
    all_qualifier: str | None = None  # the qualifier of the `all` that ends the record (after redirects)


class _Stop(Exception):
    def __init__(self, kind: str, code: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message


class _Walk:
    def __init__(self, sender_domain: str, lookups: Lookups) -> None:
        self.sender_domain = sender_domain
        self.lk = lookups
        self.lookups = 0
        self.voids: list[str] = []

    def count(self, term: str) -> None:
        self.lookups += 1
        if self.lookups > LOOKUP_LIMIT:
            raise _Stop("permerror", "spf.lookup-limit", f"more than {LOOKUP_LIMIT} DNS lookups (the 11th is {term})")

    def void(self, term: str) -> None:
        self.voids.append(term)
        if len(self.voids) > VOID_LIMIT:
            raise _Stop(
                "permerror", "spf.void-limit", f"more than {VOID_LIMIT} lookups find nothing ({', '.join(self.voids)})"
            )

    def target(self, spec: str | None, domain: str, term: str) -> str | None:
        name = expand(spec, domain, self.sender_domain) if spec is not None else domain
        if name is not None and not valid_name(name):
            raise _Stop("permerror", "spf.bad-target", f"{term} expands to {name!r}, which is not a domain name")
        return name

    def record_at(self, name: str, term: str) -> SpfRecord | None:
        found = self.lk.resolve(name, "TXT")
        if found is None:
            return None
        if found.error is not None:
            raise _Stop("temperror", "spf.temperror", f"could not look up TXT at {name} for {term}: {found.error}")
        if found.void:
            self.void(term)
        records = spf_records(found.values)
        if not records:
            raise _Stop("permerror", "spf.include-no-record", f"{term} finds no SPF record at {name}")
        if len(records) > 1:
            raise _Stop("permerror", "spf.include-multiple", f"{term} finds {len(records)} SPF records at {name}")
        try:
            return parse(records[0])
        except SpfSyntaxError as exc:
            raise _Stop(
                "permerror", "spf.include-syntax", f"the SPF record at {name} (from {term}) is invalid: {exc}"
            ) from None

    def walk(self, domain: str, record: SpfRecord, chain: tuple[str, ...]) -> str | None:
        """Evaluate one record; the qualifier of its final `all` (following redirect=), if any."""
        for term in record.mechanisms:
            text = str(term)
            if term.kind == "all":
                return term.qualifier
            if term.kind in ("ip4", "ip6"):
                continue
            self.count(text)
            if term.kind == "ptr":
                continue  # needs the sender's address; counted, never looked up here
            name = self.target(term.target, domain, text)
            if name is None:
                continue
            if term.kind == "include":
                if name in chain:
                    raise _Stop("permerror", "spf.include-loop", "include loop " + " -> ".join([*chain, name]))
                sub = self.record_at(name, text)
                if sub is not None:
                    self.walk(name, sub, (*chain, name))
            elif term.kind in ("a", "exists"):
                self.addresses(name, text, count_void=True)
            else:
                self.mx(name, text)
        if record.redirect is None:
            return None
        text = f"redirect={record.redirect}"
        self.count(text)
        name = self.target(record.redirect, domain, text)
        if name is None:
            return None
        if name in chain:
            raise _Stop("permerror", "spf.redirect-loop", "redirect loop " + " -> ".join([*chain, name]))
        sub = self.record_at(name, text)
        return None if sub is None else self.walk(name, sub, (*chain, name))

    def addresses(self, name: str, term: str, *, count_void: bool) -> None:
        # A receiver asks A for an IPv4 sender (Tencent's mail servers are IPv4).
        found = self.lk.resolve(name, "A")
        if found is None:
            return
        if found.error is not None:
            raise _Stop("temperror", "spf.temperror", f"could not look up A at {name} for {term}: {found.error}")
        if found.void and count_void:
            self.void(term)

    def mx(self, name: str, term: str) -> None:
        found = self.lk.resolve(name, "MX")
        if found is None:
            return
        if found.error is not None:
            raise _Stop("temperror", "spf.temperror", f"could not look up MX at {name} for {term}: {found.error}")
        if found.void:
            self.void(term)
            return
        if len(found.values) > MX_LIMIT:
            raise _Stop(
                "permerror",
                "spf.mx-limit",
                f"{term} finds {len(found.values)} MX hosts at {name}, more than {MX_LIMIT}",
            )
        for value in found.values:
            parts = value.split()
            exchange = canonical(parts[-1]) if len(parts) == 2 else ""
            if exchange and valid_name(exchange):
                self.addresses(exchange, term, count_void=False)


def evaluate(domain: str, record: SpfRecord, lookups: Lookups) -> CheckHost:
    """Walk `record` (published at `domain`) as check_host() would; the answers come from `lookups`."""
    top = canonical(domain)
    walk = _Walk(top, lookups)
    try:
        qualifier = walk.walk(top, record, (top,))
    except _Stop as stop:
        return CheckHost(stop.message, stop.kind, stop.code, walk.lookups, len(walk.voids))
    return CheckHost(None, None, None, walk.lookups, len(walk.voids), qualifier)


def is_include_of(term: Mechanism, target: str) -> bool:
    """Whether a mechanism is `include:<target>`, whatever its qualifier; case and a final dot don't matter
    (RFC 7208 4.6.1, 4.8)."""
    return term.kind == "include" and term.target is not None and canonical(term.target) == canonical(target)


def authorises(term: Mechanism, target: str) -> bool:
    """Whether a mechanism is `include:<target>` that lets the target's servers pass: qualifier `+`, written or not
    (RFC 7208 4.6.2). The one definition the planner (merge, give back) and the verifier share."""
    return is_include_of(term, target) and term.qualifier == "+"


def find_include(record: SpfRecord, target: str) -> tuple[Mechanism | None, bool]:
    """The first `include:<target>` of the record itself (not of nested ones), and whether an `all` comes first."""
    after_all = False
    for term in record.mechanisms:
        if term.kind == "all":
            after_all = True
        elif is_include_of(term, target):
            return term, after_all
    return None, after_all


def first_include(value: str) -> str | None:
    """The target of the first include of a record (the one the service's own SPF record asks for)."""
    try:
        return next((t.target for t in parse(value).mechanisms if t.kind == "include" and t.target), None)
    except SpfSyntaxError:
        return None


# --- the record as text, for the planner: our include added and taken out, every other term kept as written


def _term(raw: str) -> Mechanism | Modifier | None:
    try:
        return _parse_term(raw)
    except SpfSyntaxError:
        return None  # someone else's malformed term: never ours, kept as it is


def _ours(raw: str, target: str) -> bool:
    term = _term(raw)
    return isinstance(term, Mechanism) and authorises(term, target)


def _final(raw: str) -> bool:
    term = _term(raw)
    return (isinstance(term, Mechanism) and term.kind == "all") or (
        isinstance(term, Modifier) and term.name == "redirect"
    )


def has_include(value: str, target: str) -> bool:
    """Whether the record itself has an include of `target` that authorises it (`+` or none, any case, final dot)."""
    return any(_ours(raw, target) for raw in value.split()[1:])


def with_include(value: str, target: str) -> str:
    """The record with `include:<target>` before its `all` or `redirect=`, everything else as written."""
    if has_include(value, target):
        return value
    terms = value.split()
    at = next((i for i, raw in enumerate(terms) if i > 0 and _final(raw)), len(terms))
    return " ".join([*terms[:at], f"include:{target}", *terms[at:]])


def without_include(value: str, target: str) -> str:
    """The record with every include of `target` that has_include counts taken out, everything else as written."""
    terms = value.split()
    return " ".join(terms[:1] + [raw for raw in terms[1:] if not _ours(raw, target)])
