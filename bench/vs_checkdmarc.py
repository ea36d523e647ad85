"""Benchmark: our verifier against checkdmarc (PyPI) on the corpus of tricky zones (corpus_cases.yaml in
tests/integration/providers/adapters/).

One Knot of our own (LocalDnsServer, as the tests use) serves every corpus case, published exactly as
tests/integration/providers/adapters/test_corpus.py publishes it. Then, per case (sender domain
`<case>.corpus.example.test`):

- ours: `dms_component.providers.adapters.verifier` (one poll) with the records the service asks for, against that Knot;
- ours, RFC only: the same, but the expected SPF record asks for no include, so the SPF item says only
  whether receivers can evaluate the record (RFC 7208), not whether the service's include is in it;
- checkdmarc: `check_spf` and `check_dmarc` (only those: `check_domains` would also test MX hosts' STARTTLS,
  MTA-STS, BIMI, DNSSEC and the NS/SOA records, which need the internet and are not compared here), pointed at
  the same Knot with `nameservers=[Do53Nameserver(host, port)]`.

Verdicts are compared per item; every disagreement must have a judgement below (who is right per RFC 7208 /
RFC 7489), or the run says so. Time per domain: every measurement starts with both tools' DNS caches empty, is
repeated `--repeat` times in alternating order, and the median is kept. DNS queries are counted per domain.

Run with `make bench` (bench/.venv has checkdmarc; the project's own .venv stays exactly as pinned).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project and the corpus, from this tree

import checkdmarc.dmarc  # noqa: E402
import checkdmarc.spf  # noqa: E402
import checkdmarc.utils  # noqa: E402
import dns.nameserver  # noqa: E402
from readme_section import machine, write_section  # noqa: E402

from devtools.localdns import LocalDnsServer, free_port  # noqa: E402
from dms_component.core import dkim  # noqa: E402
from dms_component.core.nameservers import Nameserver  # noqa: E402
from dms_component.core.records import RequiredRecord  # noqa: E402
from dms_component.providers.adapters import resolver as our_resolver  # noqa: E402
from dms_component.providers.adapters.verifier import PollStats, verify_until  # noqa: E402
from tests.integration.providers.adapters.test_corpus import (  # noqa: E402
    CASES,
    OTHER,
    PAIR,
    good_records,
    publish,
    required,
    zone_records,
)

SECTION = "vs_checkdmarc"
COMPARED = ("SPF", "DMARC")
# The SPF record "ours, RFC only" expects: no include, so no service rule, only RFC 7208's evaluation.
NO_INCLUDE = "v=spf1 ~all"
CHECKDMARC_TIMEOUT = 2.0  # seconds per question (its default); the local server answers in well under 1 ms

# Who is right per the RFCs, for each disagreement this corpus produces. A disagreement missing here is reported
# as not judged. `kind`: "RFC" when the tools disagree about what the RFC says; "service" when ours fails a
# record the RFC allows because the service (Tencent Cloud SES) would not accept it.
JUDGEMENTS: dict[tuple[str, str], dict[str, str]] = {
    ("spf-uppercase", "SPF"): {
        "kind": "RFC",
        "right": "ours",
        "why": 'RFC 7208 4.5 and 12: `version = "v=spf1"` is an ABNF string, and ABNF strings are'
        " case-insensitive (RFC 5234 2.3); 4.6.1 says the same of mechanism names. checkdmarc's grammar matches"
        " `v=spf1` case-sensitively and rejects `V=SPF1 INCLUDE:QCLOUDMAIL.COM ~ALL`. (4.5's \"exactly"
        " v=spf1\" is about the version section's end: `v=spf10` is not SPF.)",
    },
    ("spf-three-void-lookups", "SPF"): {
        "kind": "RFC",
        "right": "ours",
        "why": "RFC 7208 4.6.4: more than two void lookups (a query answering NXDOMAIN or no records) SHOULD be a"
        " permerror. The record has three (`a:gone1`, `mx:gone2`, `exists:gone3`); checkdmarc counts two, because"
        " it never looks up an `exists:` target (5.7 says `exists` does an A query).",
    },
    ("spf-plus-all", "SPF"): {
        "kind": "service",
        "right": "checkdmarc, on RFC validity",
        "why": "RFC 7208 5.1 allows `+all`: the record is valid and passes every sender. Ours fails it on purpose"
        " (docs/checks.md): it lets anyone send as the domain. A policy choice, not an RFC claim.",
    },
    ("spf-include-after-all", "SPF"): {
        "kind": "service",
        "right": "both",
        "why": "The record is valid (checkdmarc), but RFC 7208 5.1: mechanisms after `all` MUST be ignored, so"
        " `include:qcloudmail.com` is never evaluated and the service's mail is not authorised by it: the service's"
        " check fails (ours). checkdmarc warns that the text after `all` is ignored.",
    },
    ("spf-redirect-only", "SPF"): {
        "kind": "service",
        "right": "checkdmarc, on RFC validity",
        "why": "The record is valid per RFC 7208 6.1 (`redirect=` to a record that includes qcloudmail.com). Ours"
        " fails it because the service looks for `include:qcloudmail.com` in the domain's own record, not an RFC"
        " rule. (With no include required, ours passes it too: see the RFC-only row.)",
    },
    ("dmarc-policy-not-second", "DMARC"): {
        "kind": "RFC",
        "right": "ours (RFC 7489)",
        "why": "RFC 7489 6.3: the `v` and `p` tags MUST be present and MUST appear in that order (and 6.4's ABNF"
        " puts `p` right after `v`); 6.6.3: a record without a valid `p` is handled as if it had none, or as"
        " `p=none` when `rua` is valid. checkdmarc 6 follows RFC 9989 (DMARCbis), which by its own message permits"
        " any order, and passes the record with a warning.",
    },
    ("dmarc-bad-tag-value", "DMARC"): {
        "kind": "RFC",
        "right": "ours on the value; checkdmarc on the record applying",
        "why": "RFC 7489 6.3: `pct` is an integer from 0 to 100, so `pct=200` is invalid (ours). The same section"
        " says syntax errors in the rest of the record SHOULD be discarded in favour of defaults, so receivers"
        " still apply `p=` (with pct=100): the policy is in force either way. checkdmarc does not flag 200 at all"
        " (it only notes that RFC 9989 removed `pct`).",
    },
}


class CountingNameserver(dns.nameserver.Do53Nameserver):
    """The Knot, as checkdmarc's resolver asks it, counting the questions sent."""

    queries = 0

    def query(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        type(self).queries += 1
        return super().query(*args, **kwargs)


@dataclass
class Case:
    name: str
    domain: str
    records: list[RequiredRecord]
    private_key: str
    expect: dict[str, str]
    ours: dict[str, tuple[bool, str]] = field(default_factory=dict)
    ours_rfc: dict[str, tuple[bool, str]] = field(default_factory=dict)
    theirs: dict[str, tuple[bool, str]] = field(default_factory=dict)
    ms_ours: list[float] = field(default_factory=list)  # SPF + DMARC, the service's check
    ms_ours_all: list[float] = field(default_factory=list)  # all four items, DKIM probe included
    ms_theirs: list[float] = field(default_factory=list)
    queries_ours: int = 0
    rounds_ours: int = 0  # rounds of concurrent questions: sequential round trips
    queries_theirs: int = 0


def publish_corpus(server: LocalDnsServer) -> list[Case]:
    """Every case's zone, plus the correct records it does not write itself (as test_corpus_case does)."""
    cases = []
    for case in CASES:
        domain = f"{case['name']}.corpus.example.test"
        recs = required(case, domain)
        own = zone_records(case, domain)
        written = {(host, rtype) for host, rtype, _ in own}
        publish(server, domain, own + [g for g in good_records(recs) if (g[0], g[1]) not in written])
        key = OTHER.private_pem if case.get("private_key") == "other" else PAIR.private_pem
        expect = {item: "ok" for item in COMPARED} | {k: v for k, v in case["expect"].items() if k in COMPARED}
        cases.append(Case(case["name"], domain, recs, key, expect))
    return cases


def cold() -> None:
    """Both tools start each measurement with empty caches, as a new process would."""
    our_resolver.SHARED_ANSWERS.clear()
    our_resolver.ZONE_SERVERS.clear()
    checkdmarc.utils.DNS_CACHE.clear()


def run_ours(case: Case, servers: list[Nameserver], records: list[RequiredRecord]) -> tuple[Any, float, PollStats]:
    stats = PollStats()
    cold()
    start = time.perf_counter()
    verdict = verify_until(
        case.domain,
        records,
        servers,
        0,
        dkim_probe=dkim.probe_message(case.private_key, case.domain, "qcloud"),
        stats=stats,
    )
    return verdict, time.perf_counter() - start, stats


def run_theirs(case: Case, ns: CountingNameserver) -> tuple[dict[str, Any], dict[str, Any], float, int]:
    cold()
    before = CountingNameserver.queries
    start = time.perf_counter()
    spf = checkdmarc.spf.check_spf(case.domain, nameservers=[ns], timeout=CHECKDMARC_TIMEOUT)
    dmarc = checkdmarc.dmarc.check_dmarc(case.domain, nameservers=[ns], timeout=CHECKDMARC_TIMEOUT)
    return spf, dmarc, time.perf_counter() - start, CountingNameserver.queries - before


def their_verdict(result: dict[str, Any]) -> tuple[bool, str]:
    if result.get("valid") and "error" not in result:
        return True, "; ".join(result.get("warnings") or []) or "valid"
    return False, str(result.get("error"))


def measure(cases: list[Case], server: LocalDnsServer, repeat: int, log: Any) -> None:
    servers = [Nameserver(server.host, server.port)]
    ns = CountingNameserver(server.host, server.port)
    for case in cases:
        both = [r for r in case.records if r.item in COMPARED]
        rfc_only = [RequiredRecord(r.item, r.host, r.rtype, NO_INCLUDE) if r.item == "SPF" else r for r in case.records]
        rfc_only = [r for r in rfc_only if r.item in COMPARED]
        for turn in range(repeat):
            # Alternate who goes first, so neither always runs right after the other.
            order = ("ours", "theirs") if turn % 2 == 0 else ("theirs", "ours")
            for who in order:
                if who == "ours":
                    verdict, seconds, stats = run_ours(case, servers, both)
                    case.ms_ours.append(seconds * 1000)
                    verdict_all, seconds_all, _ = run_ours(case, servers, case.records)
                    case.ms_ours_all.append(seconds_all * 1000)
                    if turn == 0:
                        case.ours = {i.item: (i.ok, i.reason) for i in verdict.items}
                        case.queries_ours, case.rounds_ours = stats.queries, stats.rounds
                        rfc, _, _ = run_ours(case, servers, rfc_only)
                        # +all is our policy, not an RFC error: count it as valid in the RFC-only comparison.
                        case.ours_rfc = {i.item: (i.ok or "ends in +all" in i.reason, i.reason) for i in rfc.items}
                        got_all = {i.item: i.ok for i in verdict_all.items}
                        if any(got_all[k] != case.ours[k][0] for k in COMPARED):
                            raise RuntimeError(f"{case.name}: SPF/DMARC verdicts differ with all four items")
                else:
                    spf, dmarc, seconds, queries = run_theirs(case, ns)
                    case.ms_theirs.append(seconds * 1000)
                    now = {"SPF": their_verdict(spf), "DMARC": their_verdict(dmarc)}
                    if turn == 0:
                        case.theirs, case.queries_theirs = now, queries
                    elif {k: v[0] for k, v in now.items()} != {k: v[0] for k, v in case.theirs.items()}:
                        raise RuntimeError(f"{case.name}: checkdmarc's verdict changed between turns")
        for item in COMPARED:
            if case.ours[item][0] != (case.expect[item] == "ok"):
                raise RuntimeError(f"{case.name} {item}: ours says {case.ours[item]}, the corpus expects otherwise")
        log(
            f"{case.name:28} SPF {word(case.ours['SPF'][0])}/{word(case.theirs['SPF'][0])}"
            f"  DMARC {word(case.ours['DMARC'][0])}/{word(case.theirs['DMARC'][0])}"
            f"  ms {statistics.median(case.ms_ours):.1f}/{statistics.median(case.ms_theirs):.1f}"
        )


def word(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def cell(text: str, limit: int = 200) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record_text(case: dict[str, Any], item: str) -> str:
    """The case's own record for the item, as written in cases.yaml (or the correct one)."""
    host = "@" if item == "SPF" else "_dmarc"
    lines = [ln for ln in (case["zone"] or "").splitlines() if ln.split(None, 1)[:1] == [host]]
    return "<br>".join(f"`{cell(ln.strip(), 120)}`" for ln in lines) or "(the correct record)"


def report(cases: list[Case], repeat: int) -> str:
    by_name = {c["name"]: c for c in CASES}
    n = len(cases)
    out: list[str] = []
    out.append(
        f"Command: `make bench` ({time.strftime('%Y-%m-%d')}; {n} corpus domains, one run for the verdicts,"
        f" times the median of {repeat} cold runs per domain)"
    )
    out += ["", "**Agreement**", "", "| item | what ours says | agree | disagree |", "|---|---|---:|---:|"]
    rows = [
        ("SPF", "the service's check (`include:qcloudmail.com` in effect, record valid, no `+all`)", "ours"),
        ("SPF", "RFC 7208 only (ours with no include asked for; `+all` counted valid)", "ours_rfc"),
        ("DMARC", "RFC 7489 (any valid policy passes)", "ours"),
    ]
    for item, what, attr in rows:
        agree = sum(1 for c in cases if getattr(c, attr)[item][0] == c.theirs[item][0])
        out.append(f"| {item} | {what} | {agree}/{n} | {n - agree} |")

    out += [
        "",
        "**Disagreements** (the service's check for SPF; RFC-only SPF disagreements are the rows of kind RFC)",
        "",
        "| domain | item | record | ours | checkdmarc | kind | right per the RFC | why |",
        "|---|---|---|---|---|---|---|---|",
    ]
    unjudged = []
    for c in cases:
        for item in COMPARED:
            if c.ours[item][0] == c.theirs[item][0]:
                continue
            j = JUDGEMENTS.get((c.name, item))
            if j is None:
                unjudged.append(f"{c.name} {item}")
                j = {"kind": "?", "right": "NOT JUDGED", "why": "a new disagreement: judge it and add it to JUDGEMENTS"}
            out.append(
                f"| {c.name} | {item} | {record_text(by_name[c.name], item)}"
                f" | {word(c.ours[item][0])}: {cell(c.ours[item][1], 140)}"
                f" | {word(c.theirs[item][0])}: {cell(c.theirs[item][1], 140)}"
                f" | {j['kind']} | {j['right']} | {j['why']} |"
            )
    stale = [
        f"{a} {b}" for (a, b) in JUDGEMENTS if all(not (c.name == a and c.ours[b][0] != c.theirs[b][0]) for c in cases)
    ]
    rfc_only = [
        c.name for c in cases if c.ours_rfc["SPF"][0] != c.theirs["SPF"][0] and c.ours["SPF"][0] == c.theirs["SPF"][0]
    ]
    if rfc_only:
        out += ["", f"RFC-only SPF disagreements not in the table above: {', '.join(rfc_only)}"]
    if unjudged:
        out += ["", f"**Not judged:** {', '.join(unjudged)}"]
    if stale:
        out += ["", f"Judgements for disagreements that no longer occur: {', '.join(stale)}"]

    def stat(values: list[float]) -> str:
        v = sorted(values)
        p90 = v[min(len(v) - 1, round(0.9 * (len(v) - 1)))]
        return f"{statistics.median(v):.1f} | {p90:.1f} | {v[-1]:.1f} | {sum(v):.0f}"

    med = {
        "ours": [statistics.median(c.ms_ours) for c in cases],
        "all": [statistics.median(c.ms_ours_all) for c in cases],
        "theirs": [statistics.median(c.ms_theirs) for c in cases],
    }
    out += [
        "",
        "**Time per domain** (ms, wall time, per-domain medians; DNS queries counted in the first run)",
        "",
        "| tool | checks | median | p90 | max | sum over the corpus | DNS queries, median (max)"
        " | round trips one after the other, median (max) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
        f"| ours | SPF + DMARC | {stat(med['ours'])} | {spread([c.queries_ours for c in cases])}"
        f" | {spread([c.rounds_ours for c in cases])} |",
        f"| ours | SPF, DKIM (with the signed probe), DMARC, MX | {stat(med['all'])} | | |",
        f"| checkdmarc | `check_spf` + `check_dmarc` | {stat(med['theirs'])}"
        f" | {spread([c.queries_theirs for c in cases])} | {spread([c.queries_theirs for c in cases])} |",
        "",
        "<details><summary>Per domain</summary>",
        "",
        "| domain | SPF ours / RFC-only / checkdmarc | DMARC ours / checkdmarc | ms ours (SPF+DMARC)"
        " | ms ours (4 items) | ms checkdmarc | queries (round trips) ours / checkdmarc |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for c in cases:
        out.append(
            f"| {c.name} | {word(c.ours['SPF'][0])} / {word(c.ours_rfc['SPF'][0])} / {word(c.theirs['SPF'][0])}"
            f" | {word(c.ours['DMARC'][0])} / {word(c.theirs['DMARC'][0])}"
            f" | {statistics.median(c.ms_ours):.1f} | {statistics.median(c.ms_ours_all):.1f}"
            f" | {statistics.median(c.ms_theirs):.1f} | {c.queries_ours} ({c.rounds_ours}) / {c.queries_theirs} |"
        )
    out += [
        "",
        "</details>",
        "",
        f"Machine: {machine()}; checkdmarc {version('checkdmarc')}, dnspython {version('dnspython')},"
        f" Knot {knot_version()}",
    ]
    return "\n".join(out)


def spread(values: list[int]) -> str:
    return f"{statistics.median(values):.0f} ({max(values)})"


def knot_version() -> str:
    import shutil
    import subprocess

    knotd = shutil.which("knotd") or "/usr/sbin/knotd"
    try:
        return subprocess.run([knotd, "--version"], capture_output=True, text=True).stdout.split()[-1]
    except (OSError, IndexError):
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="cold runs per domain and tool; time is the median")
    parser.add_argument("--readme", type=Path, help="also write the results between this file's markers")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    logging.getLogger("checkdmarc").setLevel(logging.ERROR)

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        server = LocalDnsServer(Path(tmp) / "knot", zone="example.test", port=free_port()).start()
        try:
            cases = publish_corpus(server)
            log(f"{len(cases)} corpus domains published on {server.address}")
            measure(cases, server, args.repeat, log)
        finally:
            server.stop()
    text = report(cases, args.repeat)
    print(text)
    if args.readme:
        write_section(args.readme, SECTION, text)


if __name__ == "__main__":
    main()
