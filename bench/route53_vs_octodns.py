"""Benchmark: our Route53 records, through a real `pulumi up`, against octoDNS (octodns-route53) on one moto server.

One hosted zone per size (0, 1,000 and 10,000 unrelated records); in it each tool takes turns (alternating who
goes first), and each turn is:
  - first apply: publish the 4 records of 20 sender domains (80 records, 2048-bit DKIM keys so TXT is split);
  - no-op re-apply: the same again, nothing to change;
then our 80 records are removed again (not measured). Both tools must publish the same records and leave the
unrelated ones alone; the no-op re-apply must change nothing.
Ours is the whole product: a fresh stack of 20 sender domains (the real Pulumi CLI and engine, the dynamic
providers in their own process, a SQLite ledger), verified against a DNS server that serves what moto holds.
API calls are counted at the HTTP level (a WSGI counter around moto's app), so retries and pagination count;
the DNS server's own look-ups into moto are not counted.

Run with `make bench` (bench/.venv has octoDNS; the project's own .venv stays exactly as pinned).
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project (dms_component) and tests.aws, from this tree

import boto3  # noqa: E402
import botocore.config  # noqa: E402

# Loaded here, not by the first apply: no tool's time includes importing code.
import octodns.processor.filter  # noqa: E402
import octodns.provider.yaml  # noqa: F401, E402
import octodns_route53  # noqa: F401, E402
from octodns.manager import Manager  # noqa: E402
from octodns.yaml import safe_dump  # noqa: E402
from readme_section import write_section  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from devtools.localdns import LocalDnsServer, free_port  # noqa: E402
from dms_component.core.records import PROFILES, RequiredRecord, required_records  # noqa: E402
from dms_component.providers.adapters import dkim_keys  # noqa: E402
from dms_component.providers.adapters.dns.route53 import from_value  # noqa: E402
from tests.aws import MotoServer, _QuietHandler, fake_aws_credentials  # noqa: E402
from tests.e2e.harness import Deployment  # noqa: E402
from tests.support.route53_bridge import Route53Bridge  # noqa: E402

DOMAINS = 20
UNRELATED = (0, 1_000, 10_000)
PROFILE = PROFILES["tencent-ses"]
TTL = 300
# octoDNS manages a whole zone; this filter keeps it to our names, so it never deletes the unrelated records.
OUR_NAMES = r"/^((_dmarc|qcloud\._domainkey)\.)?news\d{2}$/"
# The DNS server that serves moto's records to our verification looks them up with this in its User-Agent.
NOT_COUNTED = "dms-bench-bridge"

KNOT_ZONE = "example.test"

Environ = dict[str, Any]


# --- Counting API calls at the HTTP level


def operation(environ: Environ) -> str:
    """The Route53 API operation of one HTTP request (REST: method and path)."""
    method, parts = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "").strip("/").split("/")
    path = parts[1:]  # drop the API version
    if path == ["hostedzone"]:
        return "ListHostedZones" if method == "GET" else "CreateHostedZone"
    if path == ["hostedzonesbyname"]:
        return "ListHostedZonesByName"
    if len(path) == 3 and path[0] == "hostedzone" and path[2] == "rrset":
        return "ListResourceRecordSets" if method == "GET" else "ChangeResourceRecordSets"
    if len(path) == 2 and path[0] == "hostedzone":
        return "GetHostedZone"
    if len(path) == 2 and path[0] == "change":
        return "GetChange"
    return f"{method} /{'/'.join(path)}"


class CallCounter:
    """WSGI middleware: counts requests by operation while `label` is set (setup traffic is not counted)."""

    def __init__(self, app: Callable[[Environ, Callable[..., Any]], Iterable[bytes]]) -> None:
        self.app = app
        self.label: str | None = None
        self.calls: Counter[tuple[str, str]] = Counter()
        self.first: dict[str, float] = {}  # when the label's first counted call came in
        self.last: dict[str, float] = {}  # when its last one was answered
        self.lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        label = self.label if NOT_COUNTED not in environ.get("HTTP_USER_AGENT", "") else None
        start = time.perf_counter()
        if label is not None:
            with self.lock:
                self.calls[(label, operation(environ))] += 1
                self.first.setdefault(label, start)
        answer = self.app(environ, start_response)  # the tests' middleware builds the whole answer here
        if label is not None:
            with self.lock:
                self.last[label] = time.perf_counter()
        return answer


class CountingMotoServer(MotoServer):
    """The tests' MotoServer (requests one at a time, moto's Route53 fix) with a CallCounter in front."""

    def __init__(self) -> None:
        super().__init__()
        self.counter = CallCounter(self._app)

    def _server_entry(self) -> None:
        self._server = make_server(
            self._ip_address, self._port, self.counter, threaded=True, request_handler=_QuietHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


@dataclass
class Measure:
    calls: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    span: float = 0.0  # from the first call's arrival to the last call's answer

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@contextmanager
def measured(server: CountingMotoServer) -> Iterator[Measure]:
    label = uuid.uuid4().hex
    result = Measure()
    server.counter.label = label
    start = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - start
        server.counter.label = None
        result.calls = Counter({op: n for (lab, op), n in server.counter.calls.items() if lab == label})
        if label in server.counter.first:
            result.span = server.counter.last[label] - server.counter.first[label]


# --- The zone and the records


@dataclass
class Zone:
    name: str  # no trailing dot
    id: str


def sender_records(zone: Zone, public_keys: list[str]) -> dict[str, list[RequiredRecord]]:
    """What octoDNS publishes: the same records as the stack's, each domain with its own key."""
    return {
        domain: required_records(domain, key, PROFILE)
        for domain, key in zip(domain_names(zone), public_keys, strict=True)
    }


def make_zone(client: Any, name: str, unrelated: int) -> Zone:
    """A hosted zone with `unrelated` records of others, named to sort on both sides of ours."""
    zone_id = client.create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    zone = Zone(name, zone_id.rsplit("/", 1)[-1])
    changes = []
    for i in range(unrelated):
        host = f"{'amsz'[i % 4]}{i:05d}.{name}."
        if i % 2:
            rrset = {"Name": host, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": f"192.0.2.{i % 250 + 1}"}]}
        else:
            rrset = {"Name": host, "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": f'"other {i}"'}]}
        # UPSERT, not CREATE: moto checks each CREATE against its whole change journal, which makes
        # 10,000 CREATEs take minutes. Route53 counts an UPSERT twice, so 500 per batch.
        changes.append({"Action": "UPSERT", "ResourceRecordSet": rrset})
    for start in range(0, len(changes), 500):
        client.change_resource_record_sets(HostedZoneId=zone.id, ChangeBatch={"Changes": changes[start : start + 500]})
    return zone


def is_ours(zone: Zone, rrset: dict[str, Any]) -> bool:
    return rrset["Name"].removesuffix(f".{zone.name}.").split(".")[-1].startswith("news")


def remove_ours(client: Any, zone: Zone) -> None:
    """Between two tools' turns: give the zone back as it was (not measured)."""
    mine = [r for r in all_rrsets(client, zone) if is_ours(zone, r)]
    if mine:
        changes = [{"Action": "DELETE", "ResourceRecordSet": r} for r in mine]
        client.change_resource_record_sets(HostedZoneId=zone.id, ChangeBatch={"Changes": changes})


def all_rrsets(client: Any, zone: Zone) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in client.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone.id):
        out.extend(page["ResourceRecordSets"])
    return out


def published(client: Any, zone: Zone) -> tuple[dict[tuple[str, str, int, tuple[str, ...]], int], int]:
    """Our record sets (names relative to the zone, values as Route53 holds them) and how many others there are."""
    ours: dict[tuple[str, str, int, tuple[str, ...]], int] = {}
    others = 0
    for rrset in all_rrsets(client, zone):
        name = rrset["Name"].removesuffix(f".{zone.name}.")
        if is_ours(zone, rrset):
            # Logical values: octoDNS writes `;` as `\;`, which Route53 serves as `;`.
            values = tuple(sorted(key_blind(from_value(rrset["Type"], r["Value"])) for r in rrset["ResourceRecords"]))
            ours[(name, rrset["Type"], int(rrset["TTL"]), values)] = 1
        else:
            others += 1
    return ours, others


def key_blind(value: str) -> str:
    """A DKIM value with its key replaced by its length: each tool publishes its own 2048-bit keys."""
    head, sep, key = value.partition("; p=")
    return f"{head}{sep}<{len(key)} characters>" if head.startswith("v=DKIM1") else value


# --- The two tools


def domain_names(zone: Zone) -> list[str]:
    return [f"news{i:02d}.{zone.name}" for i in range(1, DOMAINS + 1)]


@dataclass
class OurStack:
    """A fresh stack of the project's own program (Pulumi.yaml, __main__.py) with DOMAINS sender domains."""

    deployment: Deployment

    @classmethod
    def make(cls, folder: Path, knot: LocalDnsServer, bridge: Route53Bridge, endpoint: str, zone: Zone) -> OurStack:
        deployment = Deployment(folder, knot)
        deployment.configure(
            [{"domain": domain, "type": "batch"} for domain in domain_names(zone)],
            tsig_secret=False,
            dns={"provider": "route53", "zone": zone.name, "endpoint": endpoint},
            ledger={"backend": "sqlite", "path": str(deployment.ledger_path), "quota": DOMAINS},
            verification={"nameserver": bridge.address, "timeout": 120},
        )
        return cls(deployment)

    def up(self) -> int:
        """`pulumi up`, all domains Verified (else the run fails); returns how many resources it changed."""
        result = self.deployment.up()
        statuses = self.deployment.statuses()
        if sorted(s["status"] for s in statuses.values()) != ["Verified"] * DOMAINS:
            raise SystemExit(f"not all Verified: {statuses}")
        return sum(n for op, n in (result.summary.resource_changes or {}).items() if op != "same")


def octodns_config(workdir: Path, zone: Zone, records: dict[str, list[RequiredRecord]]) -> Path:
    """An octoDNS setup as its users write it: a YAML zone file as the source, Route53 as the target."""
    zones_dir = workdir / "zones"
    zones_dir.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {}
    for recs in records.values():
        for rec in recs:
            name = rec.host.removesuffix(f".{zone.name}")
            if rec.rtype == "MX":
                item = {"type": "MX", "ttl": TTL, "value": {"preference": rec.preference, "exchange": rec.value}}
            else:
                item = {"type": "TXT", "ttl": TTL, "value": rec.value.replace(";", "\\;")}  # octoDNS escapes ;
            data.setdefault(name, []).append(item)
    with open(zones_dir / f"{zone.name}.yaml", "w") as fh:
        safe_dump({name: items[0] if len(items) == 1 else items for name, items in data.items()}, fh)
    config = {
        "providers": {
            "config": {"class": "octodns.provider.yaml.YamlProvider", "directory": str(zones_dir)},
            # Credentials and endpoint come from the environment (AWS_* and AWS_ENDPOINT_URL_ROUTE_53):
            # the provider has no endpoint setting, botocore reads the variable.
            "route53": {"class": "octodns_route53.Route53Provider"},
        },
        "processors": {
            "our-names": {"class": "octodns.processor.filter.NameAllowlistFilter", "allowlist": [OUR_NAMES]}
        },
        "zones": {f"{zone.name}.": {"sources": ["config"], "processors": ["our-names"], "targets": ["route53"]}},
    }
    path = workdir / "config.yaml"
    with open(path, "w") as fh:
        safe_dump(config, fh)
    return path


def octodns_apply(endpoint: str, config: Path, zone: Zone) -> int:
    """`octodns-sync --config-file=config.yaml --doit`, in-process through its Manager."""
    saved = os.environ.get("AWS_ENDPOINT_URL_ROUTE_53")
    os.environ["AWS_ENDPOINT_URL_ROUTE_53"] = endpoint
    try:
        return Manager(str(config)).sync(eligible_zones=[f"{zone.name}."], dry_run=False, plan_output_fh=io.StringIO())
    finally:
        if saved is None:
            del os.environ["AWS_ENDPOINT_URL_ROUTE_53"]
        else:
            os.environ["AWS_ENDPOINT_URL_ROUTE_53"] = saved


# --- The run


@dataclass
class Row:
    unrelated: int
    phase: str  # "first apply" or "no-op re-apply"
    tool: str
    changes: int
    turns: list[Counter[str]] = field(default_factory=list)  # calls by operation, per turn
    seconds: list[float] = field(default_factory=list)
    spans: list[float] = field(default_factory=list)

    @property
    def totals(self) -> list[int]:
        return [sum(calls.values()) for calls in self.turns]

    @property
    def total(self) -> int:
        """The most calls any turn made: what the targets are checked against."""
        return max(self.totals)

    def calls_text(self) -> str:
        return spread(self.totals)

    def operations_text(self) -> str:
        ops = sorted({op for calls in self.turns for op in calls})
        return ", ".join(f"{op} {spread([calls[op] for calls in self.turns])}" for op in ops)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def span_median(self) -> float:
        return statistics.median(self.spans)


TOOLS = ("ours", "octoDNS")
PHASES = ("first apply", "no-op re-apply")


INSYNC_AFTER = 5.0  # seconds: Route53 says a change reaches all its servers within 60


@dataclass
class Waits:
    """Wall time of first applies in the empty zone, per tool and per how long changes stay PENDING."""

    seconds: dict[tuple[str, float], list[float]] = field(default_factory=dict)
    calls: dict[tuple[str, float], list[Counter[str]]] = field(default_factory=dict)

    def median(self, tool: str, after: float) -> float:
        return statistics.median(self.seconds[(tool, after)])

    def calls_text(self, tool: str, after: float) -> str:
        turns = self.calls[(tool, after)]
        return f"{spread([sum(c.values()) for c in turns])} ({spread([c['GetChange'] for c in turns])} GetChange)"

    def table(self) -> str:
        lines = [
            f"| tool | first apply, changes INSYNC at once | INSYNC {INSYNC_AFTER:.0f} s after each change | extra"
            f" | extra / {INSYNC_AFTER:.0f} s | API calls, INSYNC after {INSYNC_AFTER:.0f} s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for tool in TOOLS:
            now, later = self.median(tool, 0.0), self.median(tool, INSYNC_AFTER)
            lines.append(
                f"| {tool} | {ms(now)} | {ms(later)} | {ms(later - now)} | **{(later - now) / INSYNC_AFTER:.2f}**"
                f" | {self.calls_text(tool, INSYNC_AFTER)} |"
            )
        return "\n".join(lines)


def insync_waits(
    server: CountingMotoServer,
    client: Any,
    knot: LocalDnsServer,
    bridge: Route53Bridge,
    zone: Zone,
    config: Path,
    folder: Path,
    repeat: int,
    log: Callable[[str], None],
) -> Waits:
    """First applies with every change PENDING for INSYNC_AFTER seconds after it was made, and without."""
    waits = Waits()
    try:
        for attempt in range(repeat):
            for after in (0.0, INSYNC_AFTER):
                server.insync_after = after
                for tool in TOOLS:
                    if tool == "ours":
                        stack = OurStack.make(folder / f"insync-{after}-{attempt}", knot, bridge, server.endpoint, zone)
                    with measured(server) as m:
                        stack.up() if tool == "ours" else octodns_apply(server.endpoint, config, zone)
                    waits.seconds.setdefault((tool, after), []).append(m.seconds)
                    waits.calls.setdefault((tool, after), []).append(m.calls)
                    log(f"  {tool} first apply, INSYNC after {after:.0f} s: {m.seconds:.3f} s, {dict(m.calls)}")
                    remove_ours(client, zone)
    finally:
        server.insync_after = 0.0
    return waits


def run(repeat: int, log: Callable[[str], None]) -> tuple[list[Row], Waits]:
    log(f"generating {DOMAINS} DKIM keys (2048-bit) for octoDNS")
    public_keys = [dkim_keys.generate(2048).public_b64 for _ in range(DOMAINS)]
    rows: dict[tuple[int, str, str], Row] = {}
    waits = Waits()
    with fake_aws_credentials(), tempfile.TemporaryDirectory() as tmp:
        server = CountingMotoServer()
        server.start()
        knot = LocalDnsServer(Path(tmp) / "knot", zone=KNOT_ZONE, port=free_port()).start()
        try:
            client = boto3.client("route53", endpoint_url=server.endpoint, region_name="us-east-1")
            uncounted = boto3.client(
                "route53",
                endpoint_url=server.endpoint,
                region_name="us-east-1",
                config=botocore.config.Config(user_agent_extra=NOT_COUNTED),
            )
            for unrelated in UNRELATED:
                t0 = time.perf_counter()
                # One zone per size; the tools take turns in it, each turn starting from the unrelated records only.
                zone = make_zone(client, f"bench-{unrelated}.{KNOT_ZONE}", unrelated)
                log(f"{zone.name}: {unrelated} unrelated records made in {time.perf_counter() - t0:.1f} s")
                config = octodns_config(Path(tmp) / zone.name, zone, sender_records(zone, public_keys))
                bridge = Route53Bridge(knot, uncounted, zone.id, zone.name).start()
                try:
                    for attempt in range(repeat):
                        stack = OurStack.make(Path(tmp) / f"{zone.name}-{attempt}", knot, bridge, server.endpoint, zone)
                        contents = {}
                        for tool in TOOLS if attempt % 2 == 0 else TOOLS[::-1]:  # alternate who goes first
                            for phase in PHASES:
                                with measured(server) as m:
                                    changes = (
                                        stack.up() if tool == "ours" else octodns_apply(server.endpoint, config, zone)
                                    )
                                record(rows, (unrelated, phase, tool), m, changes, log)
                            contents[tool], others = published(client, zone)
                            if len(contents[tool]) != DOMAINS * 4 or others != unrelated + 2:  # 4 sets each; SOA, NS
                                raise SystemExit(f"{zone.name}: {len(contents[tool])} of our sets, {others} others")
                            remove_ours(client, zone)
                        if contents["ours"] != contents["octoDNS"]:
                            raise SystemExit("the two tools published different records")
                    if unrelated == 0:
                        waits = insync_waits(server, client, knot, bridge, zone, config, Path(tmp), repeat, log)
                finally:
                    bridge.stop()
        finally:
            knot.stop()
            server.stop()
    for (unrelated, phase, tool), row in rows.items():
        if phase == "first apply" and row.changes == 0:
            raise SystemExit(f"{tool} changed nothing on the first apply ({unrelated} unrelated)")
        if phase == "no-op re-apply" and row.changes:
            raise SystemExit(f"{tool} changed {row.changes} records on a no-op re-apply ({unrelated} unrelated)")
    return [rows[(u, p, t)] for u in UNRELATED for p in PHASES for t in TOOLS], waits


def record(
    rows: dict[tuple[int, str, str], Row], key: tuple[int, str, str], m: Measure, changes: int, log: Callable
) -> None:
    """Add one turn's measure to its row; every turn must change as much as the first."""
    row = rows.setdefault(key, Row(*key, changes))
    if row.changes != changes:
        raise SystemExit(f"{key}: {changes} changes, {row.changes} in an earlier turn")
    row.turns.append(m.calls)
    row.seconds.append(m.seconds)
    row.spans.append(m.span)
    log(f"  {key[2]} {key[1]}: {m.total} calls {dict(m.calls)}, {m.seconds:.3f} s ({m.span:.3f} s first to last call)")


def table(rows: list[Row]) -> str:
    lines = [
        "| unrelated records | apply | tool | API calls | by operation | first to last call, median | whole command,"
        " median (min-max) | calls ours/octoDNS | first to last call ours/octoDNS |",
        "|---:|---|---|---:|---|---:|---:|---:|---:|",
    ]
    by_key = {(r.unrelated, r.phase, r.tool): r for r in rows}
    for r in rows:
        other = by_key[(r.unrelated, r.phase, "octoDNS")]
        ratio_calls = ratio_span = ""
        if r.tool == "ours":
            ratio_calls = f"**{r.total / other.total:.2f}**"
            ratio_span = f"**{r.span_median / other.span_median:.2f}**"
        lines.append(
            f"| {r.unrelated:,} | {r.phase} | {r.tool} | {r.calls_text()} | {r.operations_text()} | {ms(r.span_median)}"
            f" | {ms(r.median)} ({ms(min(r.seconds))}-{ms(max(r.seconds))}) | {ratio_calls} | {ratio_span} |"
        )
    return "\n".join(lines)


def spread(values: list[int]) -> str:
    """`7`, or `7-9` when turns differed (ours: how many domains share a batch depends on timing)."""
    return str(min(values)) if min(values) == max(values) else f"{min(values)}-{max(values)}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def targets(rows: list[Row]) -> list[str]:
    by_key = {(r.unrelated, r.phase, r.tool): r for r in rows}
    out = []
    for unrelated in UNRELATED:
        ours, theirs = by_key[(unrelated, "first apply", "ours")], by_key[(unrelated, "first apply", "octoDNS")]
        verdict = "met" if ours.total <= theirs.total else "NOT met"
        out.append(
            f"- first apply, {unrelated:,} unrelated: ours {ours.total} <= octoDNS {theirs.total} calls: {verdict}"
        )
    noop = {u: by_key[(u, "no-op re-apply", "ours")].total for u in UNRELATED}
    bound = 1 + DOMAINS  # the zone lookup and one listing per sender domain, whatever the zone's size
    listed = ", ".join(f"{n} at {u:,}" for u, n in noop.items())
    verdict = "met" if max(noop.values()) <= bound else "NOT met"
    out.append(f"- no-op re-apply, ours: {listed} unrelated; never over {bound} (1 + one per domain): {verdict}")
    return out


def machine() -> str:
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), Python {platform.python_version()},"
        f" {platform.system()} {platform.machine()}; octodns {version('octodns')}, octodns-route53"
        f" {version('octodns-route53')}, moto {version('moto')},"
        f" boto3 {version('boto3')}; load average at the end {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="turns per tool and zone size; time is the median")
    parser.add_argument("--readme", type=Path, help="also write the results between this file's markers")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # octoDNS logs every plan at INFO

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    rows, waits = run(args.repeat, log)
    text = "\n".join(
        [
            f"Command: `make bench` ({time.strftime('%Y-%m-%d')}; {DOMAINS} sender domains, 80 records,"
            f" {args.repeat} turns per tool and zone size)",
            "",
            table(rows),
            "",
            "Targets:",
            "",
            *targets(rows),
            "",
            f"Waiting for INSYNC ({DOMAINS} sender domains, empty zone; moto made to answer PENDING for"
            f" {INSYNC_AFTER:.0f} s after each change; whole command, median of {args.repeat}):",
            "",
            waits.table(),
            "",
            f"Machine: {machine()}",
        ]
    )
    print(text)
    if args.readme:
        write_section(args.readme, "route53_vs_octodns", text)


if __name__ == "__main__":
    main()
