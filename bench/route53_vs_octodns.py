"""Benchmark: our Route53 provider against octoDNS's (octodns-route53) on one moto server.

One hosted zone per size (0 and 10,000 unrelated records); in it each tool takes turns (alternating who goes
first), and each turn is:
  - first apply: publish the 4 records of 20 sender domains (80 records, 2048-bit DKIM keys so TXT is split);
  - no-op re-apply: the same again, nothing to change;
then our 80 records are removed again (not measured). Both tools must publish the same records and leave the
unrelated ones alone; the no-op re-apply must change nothing.
API calls are counted at the HTTP level (a WSGI counter around moto's app), so retries and pagination count.
Each apply starts cold (fresh clients, no cached zone id), as a new `pulumi up` / `octodns-sync` process would.

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
sys.path.insert(0, str(ROOT))  # the project (dms_component, providers) and tests.aws, from this tree

import boto3  # noqa: E402

# Loaded here, not by the first apply: no tool's time includes importing code.
import octodns.processor.filter  # noqa: E402
import octodns.provider.yaml  # noqa: F401, E402
import octodns_route53  # noqa: F401, E402
from octodns.manager import Manager  # noqa: E402
from octodns.yaml import safe_dump  # noqa: E402
from readme_section import write_section  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

import providers.dns.route53 as route53_module  # noqa: E402
from dms_component import keys  # noqa: E402
from dms_component.core.records import PROFILES, RequiredRecord, required_records  # noqa: E402
from providers.dns.route53 import Route53Provider, from_value  # noqa: E402
from tests.aws import MotoServer, _QuietHandler, fake_aws_credentials  # noqa: E402

DOMAINS = 20
UNRELATED = (0, 10_000)
PROFILE = PROFILES["tencent-ses"]
TTL = 300
# octoDNS manages a whole zone; this filter keeps it to our names, so it never deletes the unrelated records.
OUR_NAMES = r"/^((_dmarc|qcloud\._domainkey)\.)?news\d{2}$/"

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
        self.server_seconds: Counter[str] = Counter()  # time inside moto, per label
        self.lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        label = self.label
        if label is not None:
            with self.lock:
                self.calls[(label, operation(environ))] += 1
        start = time.perf_counter()
        answer = self.app(environ, start_response)  # the tests' middleware builds the whole answer here
        if label is not None:
            with self.lock:
                self.server_seconds[label] += time.perf_counter() - start
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
    server_seconds: float = 0.0

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
        result.server_seconds = server.counter.server_seconds[label]


# --- The zone and the records


@dataclass
class Zone:
    name: str  # no trailing dot
    id: str


def sender_records(zone: str, public_keys: list[str]) -> dict[str, list[RequiredRecord]]:
    return {
        f"news{i:02d}.{zone}": required_records(f"news{i:02d}.{zone}", key, PROFILE)
        for i, key in enumerate(public_keys, start=1)
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
            values = tuple(sorted(from_value(rrset["Type"], r["Value"]) for r in rrset["ResourceRecords"]))
            ours[(name, rrset["Type"], int(rrset["TTL"]), values)] = 1
        else:
            others += 1
    return ours, others


# --- The two tools


def reset_our_caches() -> None:
    """A new provider process each apply: no client, no zone id kept from before."""
    route53_module._CLIENTS.clear()
    route53_module._ZONE_IDS.clear()


def ours_apply(endpoint: str, zone: Zone, records: dict[str, list[RequiredRecord]], first: bool) -> int:
    """As the dynamic provider does: one sync per sender domain (create: nothing owned yet; re-apply: all owned)."""
    reset_our_caches()
    provider = Route53Provider(zone=zone.name, endpoint=endpoint)
    changed = 0
    for recs in records.values():
        plan = provider.sync([] if first else recs, recs)
        changed += len(plan.changes)
    return changed


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
    calls: Counter[str]
    seconds: list[float]
    changes: int
    server_seconds: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def server_median(self) -> float:
        return statistics.median(self.server_seconds)

    @property
    def client_median(self) -> float:
        """The tool's own time: wall time less the time moto took to answer."""
        return statistics.median(w - m for w, m in zip(self.seconds, self.server_seconds, strict=True))


TOOLS = ("ours", "octoDNS")
PHASES = ("first apply", "no-op re-apply")


def run(repeat: int, log: Callable[[str], None]) -> list[Row]:
    log(f"generating {DOMAINS} DKIM keys (2048-bit)")
    public_keys = [keys.generate(2048).public_b64 for _ in range(DOMAINS)]
    rows: dict[tuple[int, str, str], Row] = {}
    with fake_aws_credentials(), tempfile.TemporaryDirectory() as tmp:
        server = CountingMotoServer()
        server.start()
        try:
            client = boto3.client("route53", endpoint_url=server.endpoint, region_name="us-east-1")
            for unrelated in UNRELATED:
                t0 = time.perf_counter()
                # One zone per size; the tools take turns in it, each turn starting from the unrelated records only.
                zone = make_zone(client, f"bench-{unrelated}.test", unrelated)
                log(f"{zone.name}: {unrelated} unrelated records made in {time.perf_counter() - t0:.1f} s")
                records = sender_records(zone.name, public_keys)
                config = octodns_config(Path(tmp) / zone.name, zone, records)
                for attempt in range(repeat):
                    contents = {}
                    for tool in TOOLS if attempt % 2 == 0 else TOOLS[::-1]:  # alternate who goes first
                        for phase in PHASES:
                            with measured(server) as m:
                                if tool == "ours":
                                    changes = ours_apply(server.endpoint, zone, records, phase == "first apply")
                                else:
                                    changes = octodns_apply(server.endpoint, config, zone)
                            key = (unrelated, phase, tool)
                            if key not in rows:
                                rows[key] = Row(unrelated, phase, tool, m.calls, [], changes)
                            elif rows[key].calls != m.calls or rows[key].changes != changes:
                                raise SystemExit(f"{key}: calls {dict(m.calls)} differ from an earlier run")
                            rows[key].seconds.append(m.seconds)
                            rows[key].server_seconds.append(m.server_seconds)
                            log(
                                f"  {tool} {phase}: {m.total} calls {dict(m.calls)}, {m.seconds:.3f} s"
                                f" ({m.server_seconds:.3f} s in moto)"
                            )
                        contents[tool], others = published(client, zone)
                        if len(contents[tool]) != DOMAINS * 4 or others != unrelated + 2:  # 4 sets each; SOA, NS
                            raise SystemExit(f"{zone.name}: {len(contents[tool])} of our sets, {others} others")
                        remove_ours(client, zone)
                    if contents["ours"] != contents["octoDNS"]:
                        raise SystemExit("the two tools published different records")
        finally:
            server.stop()
    for (unrelated, phase, tool), row in rows.items():
        if phase == "first apply" and row.changes == 0:
            raise SystemExit(f"{tool} changed nothing on the first apply ({unrelated} unrelated)")
        if phase == "no-op re-apply" and row.changes:
            raise SystemExit(f"{tool} changed {row.changes} records on a no-op re-apply ({unrelated} unrelated)")
    return [rows[(u, p, t)] for u in UNRELATED for p in PHASES for t in TOOLS]


def table(rows: list[Row]) -> str:
    lines = [
        "| unrelated records | apply | tool | API calls | by operation | wall time, median (min-max) | in moto"
        " | in the tool | calls ours/octoDNS | wall time ours/octoDNS |",
        "|---:|---|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    by_key = {(r.unrelated, r.phase, r.tool): r for r in rows}
    for r in rows:
        other = by_key[(r.unrelated, r.phase, "octoDNS")]
        ops = ", ".join(f"{op} {n}" for op, n in sorted(r.calls.items()))
        ratio_calls = ratio_time = ""
        if r.tool == "ours":
            ratio_calls = f"**{r.total / other.total:.2f}**"
            ratio_time = f"**{r.median / other.median:.2f}**"
        lines.append(
            f"| {r.unrelated:,} | {r.phase} | {r.tool} | {r.total} | {ops} | {ms(r.median)} ({ms(min(r.seconds))}-"
            f"{ms(max(r.seconds))}) | {ms(r.server_median)} | {ms(r.client_median)} | {ratio_calls} | {ratio_time} |"
        )
    return "\n".join(lines)


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
    noop = [by_key[(u, "no-op re-apply", "ours")].total for u in UNRELATED]
    verdict = "met" if len(set(noop)) == 1 else "NOT met"
    out.append(f"- no-op re-apply, ours: {' and '.join(map(str, noop))} calls for {UNRELATED} unrelated: {verdict}")
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

    rows = run(args.repeat, log)
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
            f"Machine: {machine()}",
        ]
    )
    print(text)
    if args.readme:
        write_section(args.readme, "route53_vs_octodns", text)


if __name__ == "__main__":
    main()
