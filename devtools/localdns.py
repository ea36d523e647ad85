"""The embedded default's DNS server: Knot on loopback, one zone, TSIG-authorised updates.

It also serves small read-only stand-ins for the names outside that zone which verification looks
up (WORLD_ZONES: the SPF include qcloudmail.com and the MX host mxbiz1.qq.com).

Used by `make demo`, the test suite and the benchmarks; by hand: `python -m devtools.localdns start|stop|status`.
Its data lives in one folder, so a restart keeps the records (the zone file is written after every update).
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import dns.message
import dns.query
import dns.rcode

KEY_NAME = "dms-local"
ALGORITHM = "hmac-sha256"

# The names outside the user's zone that verification looks up: the SPF include and the MX host.
# The local server holds stand-ins so the demo and the tests reach Verified offline (read-only zones;
# the addresses are loopback, nothing connects to them).
WORLD_ZONES = {
    "qq.com": "mxbiz1 A 127.0.0.1\n",
    "qcloudmail.com": '@ TXT "v=spf1 include:spf.qcloudmail.com -all"\nspf TXT "v=spf1 ip4:127.0.0.0/8 -all"\n',
}


@dataclass
class LocalDnsServer:
    """One knotd. By default the zone's primary, taking TSIG updates; `primary` makes it a secondary of
    that server (by AXFR/IXFR, told by NOTIFY), `serves=False` a server that serves nothing (lame).
    `devtools/zoneset.py` builds a primary with secondaries from these."""

    folder: Path
    zone: str = "example.test"
    port: int = 15353
    host: str = "127.0.0.1"
    ns: tuple[tuple[str, str], ...] = (("ns1", "127.0.0.1"),)  # the zone's NS hosts and their addresses
    notify: tuple[str, ...] = ()  # ADDRESS@PORT of secondaries: told of each change
    transfer_to: tuple[str, ...] = ()  # addresses allowed to transfer the zone
    primary: str | None = None  # ADDRESS@PORT: this server is a secondary of that one
    serves: bool = True  # False: no zone at all (every question REFUSED)
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def key_file(self) -> Path:
        return self.folder / "tsig.key"

    @property
    def pid_file(self) -> Path:
        return self.folder / "knotd.pid"

    def tsig_secret(self) -> str:
        """The key's secret, made on first use and kept in key_file (mode 0600)."""
        if not self.key_file.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            secret = base64.b64encode(secrets.token_bytes(32)).decode()
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(f'key "{KEY_NAME}" {{\n\talgorithm {ALGORITHM};\n\tsecret "{secret}";\n}};\n')
        text = self.key_file.read_text()
        return text.split('secret "', 1)[1].split('"', 1)[0]

    def _write_config(self) -> Path:
        zones = self.folder / "zones"
        for sub in ("zones", "db", "run"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        zone_file = zones / f"{self.zone}.zone"
        if not zone_file.exists():
            zone_file.write_text(_zone_text(self.zone, ns=self.ns))
        world = [z for z in WORLD_ZONES if z != self.zone]
        for name in world:
            text = _zone_text(name, WORLD_ZONES[name], ns=(("ns1", self.host),))  # served here: NS says so
            path = zones / f"{name}.zone"
            if not path.exists() or path.read_text() != text:
                path.write_text(text)
        conf = self.folder / "knot.conf"
        # Knot's YAML parser takes block style only (for maps; lists may be [a, b]).
        remotes = {f"r{i}": a for i, a in enumerate((*self.notify, *([self.primary] if self.primary else [])))}
        remote = "".join(f"  - id: {r}\n    address: {a}\n    via: {self.host}\n" for r, a in remotes.items())
        acls = [f"  - id: dms-update\n    key: {KEY_NAME}\n    action: update\n"]
        zone_acls = ["dms-update"]
        if self.transfer_to:
            acls.append(f"  - id: transfer\n    address: [{', '.join(self.transfer_to)}]\n    action: transfer\n")
            zone_acls.append("transfer")
        zone = f"  - domain: {self.zone}\n"
        if self.notify:
            zone += f"    notify: [{', '.join(f'r{i}' for i in range(len(self.notify)))}]\n"
        if self.primary:
            acls.append(f"  - id: notified\n    address: {self.primary.split('@')[0]}\n    action: notify\n")
            zone_acls = ["notified"]
            zone += f"    master: r{len(self.notify)}\n"
        zone += f"    acl: [{', '.join(zone_acls)}]\n"
        if not self.serves:
            zone, world = "", []
        conf.write_text(
            "server:\n"
            f'    rundir: "{self.folder / "run"}"\n'
            f"    listen: {self.host}@{self.port}\n"
            "    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n"
            "database:\n"
            f'    storage: "{self.folder / "db"}"\n'
            "control:\n"
            f'    listen: "{self.folder / "run" / "knot.sock"}"\n'
            "log:\n  - target: stderr\n    any: warning\n"
            "key:\n"
            f"  - id: {KEY_NAME}\n    algorithm: {ALGORITHM}\n    secret: {self.tsig_secret()}\n"
            + (f"remote:\n{remote}" if remotes else "")
            + "acl:\n"
            + "".join(acls)
            + "template:\n"
            "  - id: default\n"
            f'    storage: "{zones}"\n'
            '    file: "%s.zone"\n'
            "    zonefile-sync: 0\n"
            "    journal-content: changes\n"
            + ("zone:\n" + zone + "".join(f"  - domain: {name}\n" for name in world) if self.serves else "")
        )
        return conf

    def running(self) -> bool:
        try:
            pid = int(self.pid_file.read_text())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return False
        return self._answers([self.zone])

    def _answers(self, zones: list[str] | None = None) -> bool:
        """Every zone (by default the user's and the world's) is loaded: each answers its SOA. A server that
        serves nothing: it answers (REFUSED)."""
        if not self.serves:
            return self._refuses()
        for zone in dict.fromkeys(zones or [self.zone, *WORLD_ZONES]):
            try:
                query = dns.message.make_query(zone, "SOA")
                response = dns.query.udp(query, self.host, port=self.port, timeout=0.5)
            except Exception:
                return False
            if response.rcode() != dns.rcode.NOERROR or not response.answer:
                return False
        return True

    def _refuses(self) -> bool:
        try:
            response = dns.query.udp(dns.message.make_query(self.zone, "SOA"), self.host, port=self.port, timeout=0.5)
        except Exception:
            return False
        return response.rcode() == dns.rcode.REFUSED

    def control(self, *command: str) -> str:
        """A `knotc` command to this server (zone-refresh, zone-status...): its output."""
        sock = str(self.folder / "run" / "knot.sock")
        done = subprocess.run(["knotc", "-s", sock, *command], capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"knotc {' '.join(command)}: {done.stdout}{done.stderr}")
        return done.stdout

    def start(self, wait: float = 20.0) -> LocalDnsServer:
        if self.running():
            if self._answers():
                return self
            self.stop()  # started before it served the world zones: start again with the new config
        knotd = shutil.which("knotd") or "/usr/sbin/knotd"
        if not Path(knotd).exists():
            raise RuntimeError("knotd is not installed: run `make bootstrap` (installs the Debian package knot)")
        conf = self._write_config()
        log = open(self.folder / "knotd.log", "ab")  # noqa: SIM115  (kept open by the child)
        self._process = subprocess.Popen([knotd, "-c", str(conf)], stdout=log, stderr=log, start_new_session=True)
        self.pid_file.write_text(str(self._process.pid))
        deadline = time.monotonic() + wait
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                tail = (self.folder / "knotd.log").read_text(errors="replace")[-600:]
                self.stop()
                raise RuntimeError(f"knotd did not start on {self.address}: {tail}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        try:
            pid = int(self.pid_file.read_text())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                os.kill(pid, 0)
                if self._process is not None and self._process.poll() is not None:
                    break
                time.sleep(0.05)
        except ProcessLookupError:
            pass
        self.pid_file.unlink(missing_ok=True)
        self._process = None


def _zone_text(zone: str, records: str = "", ns: tuple[tuple[str, str], ...] = (("ns1", "127.0.0.1"),)) -> str:
    servers = "".join(f"@ NS {name}.{zone}.\n" for name, _ in ns) + "".join(f"{n} A {a}\n" for n, a in ns)
    return (
        f"$ORIGIN {zone}.\n$TTL 300\n@ SOA {ns[0][0]}.{zone}. hostmaster.{zone}. 1 3600 600 86400 300\n"
        + servers
        + records
    )


def free_port() -> int:
    """A port free for both UDP and TCP on loopback right now."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.localdns", description="the local Knot server")
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--folder", default=".state/knot", type=Path)
    parser.add_argument("--port", default=15353, type=int)
    parser.add_argument("--zone", default="example.test")
    args = parser.parse_args(argv)
    server = LocalDnsServer(args.folder.resolve(), zone=args.zone, port=args.port)
    if args.action == "start":
        server.start()
        print(f"local DNS server for {args.zone} on {server.address} (TSIG key {server.key_file})")
    elif args.action == "stop":
        server.stop()
        print("local DNS server stopped")
    else:
        print("running" if server.running() else "stopped")
        return 0 if server.running() else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
